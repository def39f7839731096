#include "jpegopt/optimize.hpp"

#include <fmt/format.h>

#include <optional>

#include "core/exif.hpp"
#include "core/jpeg_file.hpp"
#include "core/lossless.hpp"
#include "core/metadata.hpp"
#include "core/mpf.hpp"
#include "core/segment_kind.hpp"
#include "core/transform.hpp"

namespace jpegopt {

namespace {

void check_supported(const JpegFile& file) {
  const Frame& frame = file.frame();
  if (frame.sof_marker == 0)
    throw Error(ErrorCode::CorruptData, "no frame header (SOF) before EOI");
  if (frame.lossless())
    throw Error(ErrorCode::Unsupported, "lossless JPEG (SOF3) is not supported");
  if (frame.hierarchical())
    throw Error(ErrorCode::Unsupported, "hierarchical JPEG is not supported");
  if (frame.precision != 8)
    throw Error(ErrorCode::Unsupported,
                fmt::format("{}-bit JPEG is not supported", frame.precision));
}

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

// After a transform, the kept EXIF must describe the new geometry (and orientation, when
// --auto-orient applied it).
void update_exif_geometry(metadata::Plan& plan, const TransformResult& t) {
  for (auto& seg : plan.segments) {
    const ByteView payload = ByteView(seg).subspan(4);
    const auto cls = classify_segment(seg[1], payload);
    if (cls.kind != SegmentKind::Exif) continue;
    const ByteView tiff = payload.subspan(cls.header_size);
    try {
      const int orientation =
          t.remaining_orientation.value_or(exif::parse(tiff).orientation.value_or(1));
      Bytes new_payload(payload.begin(),
                        payload.begin() + static_cast<std::ptrdiff_t>(cls.header_size));
      append(new_payload,
             exif::update_geometry(tiff, orientation, static_cast<std::uint32_t>(t.width),
                                   static_cast<std::uint32_t>(t.height)));
      seg = metadata::make_segment(seg[1], new_payload);
    } catch (const Error&) {
      // An unreadable EXIF stays as it is; the pixels are still right.
    }
  }
}

}  // namespace

Outcome optimize(std::span<const std::uint8_t> input, const Options& options) {
  Outcome outcome;
  outcome.bytes_in = input.size();
  const JpegFile file = JpegFile::parse(Bytes(input.begin(), input.end()));
  check_supported(file);
  outcome.width = file.frame().width;
  outcome.height = file.frame().height;
  outcome.arithmetic_input = file.frame().arithmetic();

  metadata::Plan plan = metadata::plan(file, options.metadata);
  if (plan.c2pa_kept) {
    outcome.status = FileStatus::Skipped;
    outcome.reason = ErrorCode::C2paSigned;
    outcome.message = "C2PA-signed: any change breaks the signature (--strip c2pa to remove it)";
    return outcome;
  }
  outcome.metadata_removed = plan.removed;
  outcome.notes = plan.notes;
  // Without its trailer an MPF index points at nothing: drop it with the trailer.
  if (plan.mpf_segment && (!plan.keep_trailer || file.trailer().empty())) {
    outcome.metadata_removed[static_cast<std::size_t>(MetaKind::Mpf)] +=
        plan.segments[*plan.mpf_segment].size();
    plan.segments.erase(plan.segments.begin() + static_cast<std::ptrdiff_t>(*plan.mpf_segment));
    plan.mpf_segment.reset();
  }

  ByteView primary = ByteView(file.data()).first(file.primary_end());
  TransformResult transformed;
  if (options.transform.any()) {
    transformed = apply_transform(primary, options.transform, plan.orientation, options.limits);
    for (auto& note : transformed.notes)
      outcome.notes.push_back(note);
    if (transformed.transformed) {
      primary = transformed.jpeg;
      outcome.width = transformed.width;
      outcome.height = transformed.height;
      update_exif_geometry(plan, transformed);
      if (!file.trailer().empty() && plan.keep_trailer)
        outcome.notes.push_back("images after EOI (gain maps, MPO frames) are kept untransformed");
    }
  }
  // The source lives only until the winner is encoded: verification compares digests, so the
  // result is decoded after the source's coefficients are freed.
  auto source = std::make_optional<lossless::Source>(primary, options.limits);
  const lossless::Digest source_digest =
      options.verify ? lossless::coefficient_digest(*source) : lossless::Digest{};
  const bool arithmetic_out = options.arithmetic;
  const auto result = lossless::search(*source, options.coding, options.effort, arithmetic_out);
  source.reset();
  outcome.encodes = result.encodes;
  outcome.coding = arithmetic_out ? "arithmetic" : result.progressive ? "progressive" : "baseline";
  outcome.scan_script = result.description;

  // Assemble: SOI, the kept segments, the encoded image after its SOI, then the trailer.
  Bytes out = {0xFF, marker::kSoi};
  std::size_t mpf_pos = 0;
  for (std::size_t i = 0; i < plan.segments.size(); ++i) {
    if (plan.mpf_segment && i == *plan.mpf_segment) mpf_pos = out.size();
    append(out, plan.segments[i]);
  }
  append(out, ByteView(result.jpeg).subspan(2));
  const std::size_t new_primary_end = out.size();
  if (plan.keep_trailer) append(out, file.trailer());
  if (plan.mpf_segment) fix_mpf_offsets(out, mpf_pos, file, new_primary_end);

  if (options.verify) {
    lossless::Source check(ByteView(out).first(new_primary_end), options.limits);
    if (!(lossless::coefficient_digest(check) == source_digest))
      throw Error(ErrorCode::VerifyFailed, "the result's DCT coefficients differ from the input's");
    if (plan.mpf_segment) check_mpf_targets(out);
    outcome.pixels_identical = true;
  }

  outcome.bytes_out = out.size();
  const std::size_t saved = out.size() < input.size() ? input.size() - out.size() : 0;
  const bool worth_it = saved > 0 && saved > options.threshold_bytes &&
                        100.0 * static_cast<double>(saved) / static_cast<double>(input.size()) >
                            options.threshold_percent;
  const bool convert_arithmetic = outcome.arithmetic_input && options.huffman;
  if (outcome.arithmetic_input && !options.huffman && !options.arithmetic)
    outcome.notes.push_back(
        "arithmetic-coded input: browsers cannot show it; --huffman converts it");
  if (worth_it || options.force || convert_arithmetic || transformed.transformed) {
    outcome.status = FileStatus::Optimized;
    outcome.bytes = std::move(out);
  } else {
    outcome.status = FileStatus::Unchanged;
  }
  return outcome;
}

}  // namespace jpegopt
