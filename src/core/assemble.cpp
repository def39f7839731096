#include "core/assemble.hpp"

#include <fmt/format.h>

#include "core/exif.hpp"
#include "core/mpf.hpp"
#include "core/segment_kind.hpp"
#include "jpegopt/error.hpp"

namespace jpegopt::assemble {

namespace {

// Rewrites the MPF index so that it points at the secondary images at their new place: the
// trailer keeps its bytes, only the primary image in front of it changed size.
void fix_mpf_offsets(Bytes& out, std::size_t mpf_segment_pos, const JpegFile& in,
                     std::size_t new_primary_end) {
  const Part* old_mpf = nullptr;
  for (const Part* p : in.segments(0xE2))
    if (classify_segment(0xE2, in.payload_of(*p)).kind == SegmentKind::Mpf) {
      old_mpf = p;
      break;
    }
  if (!old_mpf) return;
  const ByteView payload = in.payload_of(*old_mpf);
  const mpf::Index index = mpf::parse(payload);
  const std::size_t old_base = old_mpf->payload_offset() + 4;  // after "MPF\0"
  const std::size_t new_base = mpf_segment_pos + 4 + 4;
  std::vector<std::uint32_t> sizes, offsets;
  for (std::size_t i = 0; i < index.entries.size(); ++i) {
    const auto& e = index.entries[i];
    if (i == 0 || e.offset == 0) {
      sizes.push_back(i == 0 ? static_cast<std::uint32_t>(new_primary_end) : e.size);
      offsets.push_back(0);
      continue;
    }
    const std::size_t old_abs = old_base + e.offset;
    if (old_abs < in.primary_end() || old_abs + e.size > in.data().size())
      throw Error(
          ErrorCode::Unsupported,
          fmt::format("MPF image {} is not after the primary image; cannot relocate it", i + 1));
    const std::size_t new_abs = new_primary_end + (old_abs - in.primary_end());
    sizes.push_back(e.size);
    offsets.push_back(static_cast<std::uint32_t>(new_abs - new_base));
  }
  const Bytes new_payload = mpf::with_entries(payload, index, sizes, offsets);
  std::copy(new_payload.begin(), new_payload.end(),
            out.begin() + static_cast<std::ptrdiff_t>(mpf_segment_pos + 4));
}

}  // namespace

void drop_orphan_mpf(metadata::Plan& plan, const JpegFile& source,
                     std::array<std::size_t, kMetaKindCount>& removed) {
  if (!plan.mpf_segment || (plan.keep_trailer && !source.trailer().empty())) return;
  removed[static_cast<std::size_t>(MetaKind::Mpf)] += plan.segments[*plan.mpf_segment].size();
  plan.segments.erase(plan.segments.begin() + static_cast<std::ptrdiff_t>(*plan.mpf_segment));
  plan.mpf_segment.reset();
}

void update_exif_geometry(metadata::Plan& plan, std::optional<int> orientation, int width,
                          int height) {
  for (auto& seg : plan.segments) {
    const ByteView payload = ByteView(seg).subspan(4);
    const auto cls = classify_segment(seg[1], payload);
    if (cls.kind != SegmentKind::Exif) continue;
    const ByteView tiff = payload.subspan(cls.header_size);
    try {
      const int o = orientation.value_or(exif::parse(tiff).orientation.value_or(1));
      Bytes new_payload(payload.begin(),
                        payload.begin() + static_cast<std::ptrdiff_t>(cls.header_size));
      append(new_payload, exif::update_geometry(tiff, o, static_cast<std::uint32_t>(width),
                                                static_cast<std::uint32_t>(height)));
      seg = metadata::make_segment(seg[1], new_payload);
    } catch (const Error&) {
      // An unreadable EXIF stays as it is; the pixels are still right.
    }
  }
}

Assembled assemble(const metadata::Plan& plan, ByteView encoded, const JpegFile* source) {
  Assembled result;
  Bytes& out = result.bytes;
  out = {0xFF, marker::kSoi};
  std::size_t mpf_pos = 0;
  for (std::size_t i = 0; i < plan.segments.size(); ++i) {
    if (plan.mpf_segment && i == *plan.mpf_segment) mpf_pos = out.size();
    append(out, plan.segments[i]);
  }
  append(out, encoded.subspan(2));
  result.primary_end = out.size();
  if (source && plan.keep_trailer) append(out, source->trailer());
  if (source && plan.mpf_segment) fix_mpf_offsets(out, mpf_pos, *source, result.primary_end);
  return result;
}

// Every image the MPF index lists after the primary must start with SOI.
void check_mpf_targets(const Bytes& out) {
  const JpegFile file = JpegFile::parse(out);
  for (const Part* p : file.segments(0xE2)) {
    const ByteView payload = file.payload_of(*p);
    if (classify_segment(0xE2, payload).kind != SegmentKind::Mpf) continue;
    const auto index = mpf::parse(payload);
    const std::size_t base = p->payload_offset() + 4;
    for (std::size_t i = 1; i < index.entries.size(); ++i) {
      const auto& e = index.entries[i];
      if (e.offset == 0) continue;
      const std::size_t at = base + e.offset;
      if (at + 2 > out.size() || out[at] != 0xFF || out[at + 1] != 0xD8)
        throw Error(ErrorCode::VerifyFailed,
                    fmt::format("MPF image {} does not start with SOI", i + 1));
    }
  }
}

}  // namespace jpegopt::assemble
