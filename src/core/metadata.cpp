#include "core/metadata.hpp"

#include <algorithm>
#include <string_view>

#include "core/exif.hpp"
#include "core/icc.hpp"
#include "core/mpf.hpp"
#include "core/segment_kind.hpp"
#include "jpegopt/error.hpp"

namespace jpegopt {

MetadataPolicy MetadataPolicy::none() {
  return MetadataPolicy{};
}

MetadataPolicy MetadataPolicy::safe() {
  MetadataPolicy p;
  for (MetaKind k : {MetaKind::Exif, MetaKind::Xmp, MetaKind::Iptc, MetaKind::Com, MetaKind::Other,
                     MetaKind::Icc})
    p.set_strip(k, true);
  p.icc_only_if_srgb = true;
  p.keep_gain_map_xmp = true;
  p.keep_orientation = true;
  p.keep_trailer = true;
  return p;
}

MetadataPolicy MetadataPolicy::all() {
  MetadataPolicy p;
  p.strip.fill(true);
  p.keep_orientation = false;
  p.keep_trailer = false;
  return p;
}

namespace metadata {

namespace {

bool contains(ByteView data, std::string_view needle) {
  return std::search(data.begin(), data.end(), needle.begin(), needle.end(),
                     [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); }) !=
         data.end();
}

void add_removed(Plan& plan, MetaKind kind, std::size_t bytes) {
  plan.removed[static_cast<std::size_t>(kind)] += bytes;
}

// ICC profile of the file, described, when all its chunks are present.
std::optional<icc::IccInfo> describe_icc(const JpegFile& file) {
  std::vector<ByteView> chunks;
  for (const Part* part : file.segments(0xE2)) {
    const auto payload = file.payload_of(*part);
    if (classify_segment(0xE2, payload).kind == SegmentKind::Icc) chunks.push_back(payload);
  }
  const auto profile = icc::reassemble(chunks);
  if (!profile || !profile->complete) return std::nullopt;
  try {
    return icc::describe(profile->profile);
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace

Bytes make_segment(std::uint8_t marker, ByteView payload) {
  if (payload.size() > 65533)
    throw Error(ErrorCode::MetadataLimit, "segment payload over 65533 bytes");
  const std::size_t length = payload.size() + 2;
  Bytes out(payload.size() + 4);
  out[0] = 0xFF;
  out[1] = marker;
  out[2] = static_cast<std::uint8_t>(length >> 8);
  out[3] = static_cast<std::uint8_t>(length);
  std::copy(payload.begin(), payload.end(), out.begin() + 4);
  return out;
}

bool adobe_affects_decoding(const JpegFile& file) {
  const auto& comps = file.frame().components;
  bool jfif = false;
  std::optional<int> transform;
  for (const auto& part : file.parts()) {
    if (part.type != PartType::Segment) continue;
    const auto cls = classify_segment(part.marker, file.payload_of(part));
    if (cls.kind == SegmentKind::Jfif) jfif = true;
    if (cls.kind == SegmentKind::Adobe && file.payload_of(part).size() >= 12)
      transform = file.payload_of(part)[11];
  }
  if (!transform) return false;
  // libjpeg: JFIF wins for 3 components; otherwise Adobe's transform decides. Without Adobe,
  // 3 components decode as YCbCr (unless their ids are R,G,B) and 4 components as plain CMYK.
  if (comps.size() == 3) {
    if (jfif) return false;
    const bool rgb_ids = comps[0].id == 'R' && comps[1].id == 'G' && comps[2].id == 'B';
    return (*transform == 0) != rgb_ids;
  }
  // 4 components: Adobe also marks the inverted CMYK that Photoshop writes; keep it.
  return comps.size() == 4;
}

bool xmp_describes_gain_map(ByteView xmp) {
  for (std::string_view needle :
       {"hdrgm:", "GContainer", "MotionPhoto", "Container:Directory", "apdi:", "HDRGainMap"})
    if (contains(xmp, needle)) return true;
  return false;
}

Plan plan(const JpegFile& file, const MetadataPolicy& policy) {
  Plan plan;
  const bool adobe_needed = adobe_affects_decoding(file);
  std::optional<bool> icc_is_srgb;
  if (policy.strips(MetaKind::Icc) && policy.icc_only_if_srgb) {
    const auto info = describe_icc(file);
    icc_is_srgb = info && info->is_srgb;
  }
  bool main_xmp_kept = false;
  bool orientation_written = false;

  for (const auto& part : file.parts()) {
    if (part.type != PartType::Segment ||
        !(marker::is_app(part.marker) || part.marker == marker::kCom))
      continue;
    const auto payload = file.payload_of(part);
    const auto cls = classify_segment(part.marker, payload);
    const ByteView whole = file.bytes_of(part);
    bool keep = !policy.strips(cls.meta);

    switch (cls.kind) {
      case SegmentKind::Exif: {
        const auto tiff = payload.subspan(std::min(cls.header_size, payload.size()));
        std::optional<exif::ExifInfo> info;
        try {
          info = exif::parse(tiff);
          if (!plan.orientation) plan.orientation = info->orientation;
        } catch (const Error&) {
          if (keep) plan.notes.push_back("unreadable EXIF kept as it is");
        }
        if (!keep) {
          if (policy.keep_orientation && info && info->orientation && *info->orientation != 1 &&
              !orientation_written) {
            auto seg = make_segment(0xE1, exif::minimal_orientation_segment(*info->orientation));
            add_removed(plan, MetaKind::Exif, whole.size() - std::min(whole.size(), seg.size()));
            plan.segments.push_back(std::move(seg));
            orientation_written = true;
          } else {
            add_removed(plan, MetaKind::Exif, whole.size());
          }
          continue;
        }
        if (info && (policy.strip_gps || policy.strip_thumbnail)) {
          Bytes rewritten(tiff.begin(), tiff.end());
          if (policy.strip_gps) rewritten = exif::remove_gps(rewritten);
          if (policy.strip_thumbnail) rewritten = exif::remove_thumbnail(rewritten);
          Bytes new_payload(payload.begin(),
                            payload.begin() + static_cast<std::ptrdiff_t>(cls.header_size));
          append(new_payload, rewritten);
          auto seg = make_segment(0xE1, new_payload);
          add_removed(plan, MetaKind::Exif, whole.size() - std::min(whole.size(), seg.size()));
          plan.segments.push_back(std::move(seg));
          continue;
        }
        break;
      }
      case SegmentKind::Icc:
        if (!keep && icc_is_srgb.has_value() && !*icc_is_srgb) keep = true;  // wide gamut: keep
        break;
      case SegmentKind::Xmp:
        if (!keep && policy.keep_gain_map_xmp && xmp_describes_gain_map(payload)) keep = true;
        main_xmp_kept = main_xmp_kept || keep;
        break;
      case SegmentKind::ExtendedXmp:
        // Extended XMP continues the main packet; it is only worth keeping along with it.
        if (!keep && policy.keep_gain_map_xmp && main_xmp_kept) keep = true;
        break;
      case SegmentKind::Adobe:
        if (!keep && policy.keep_decoding_adobe && adobe_needed) keep = true;
        break;
      case SegmentKind::C2pa:
        if (keep) plan.c2pa_kept = true;
        break;
      default:
        break;
    }
    if (keep) {
      if (cls.kind == SegmentKind::Mpf && !plan.mpf_segment)
        plan.mpf_segment = plan.segments.size();
      plan.segments.emplace_back(whole.begin(), whole.end());
    } else {
      add_removed(plan, cls.meta, whole.size());
    }
  }

  // Secondary images and trailers after EOI. Without a kept MPF index, the bytes still stay
  // (readers may find them through XMP); only a policy that drops the trailer removes them.
  plan.keep_trailer = policy.keep_trailer;
  if (!plan.keep_trailer && !file.trailer().empty()) {
    const auto app2 = file.segments(0xE2);
    const bool mpf_present = std::any_of(app2.begin(), app2.end(), [&](const Part* p) {
      return classify_segment(0xE2, file.payload_of(*p)).kind == SegmentKind::Mpf;
    });
    add_removed(plan, mpf_present ? MetaKind::Mpf : MetaKind::Other, file.trailer().size());
  }
  if (plan.keep_trailer && !plan.mpf_segment && !file.trailer().empty())
    plan.notes.push_back("bytes after EOI kept as they are");
  return plan;
}

}  // namespace metadata
}  // namespace jpegopt
