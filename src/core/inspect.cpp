#include "jpegopt/inspect.hpp"

#include <fmt/format.h>

#include <map>

#include "core/exif.hpp"
#include "core/icc.hpp"
#include "core/jpeg_file.hpp"
#include "core/libjpeg.hpp"
#include "core/mpf.hpp"
#include "core/segment_kind.hpp"
#include "core/tables.hpp"
#include "jpegopt/error.hpp"

namespace jpegopt {

namespace {

// libjpeg's rules for the colour model (jdapimin.c default_decompress_parms).
std::string color_space_of(const JpegFile& file) {
  const auto& comps = file.frame().components;
  std::optional<int> adobe_transform;
  bool jfif = false;
  for (const auto& part : file.parts()) {
    if (part.type != PartType::Segment) continue;
    const auto payload = file.payload_of(part);
    const auto cls = classify_segment(part.marker, payload);
    if (cls.kind == SegmentKind::Jfif) jfif = true;
    if (cls.kind == SegmentKind::Adobe && payload.size() >= 12) adobe_transform = payload[11];
  }
  switch (comps.size()) {
    case 1:
      return "Gray";
    case 3:
      if (jfif) return "YCbCr";
      if (adobe_transform) return *adobe_transform == 0 ? "RGB" : "YCbCr";
      if (comps[0].id == 'R' && comps[1].id == 'G' && comps[2].id == 'B') return "RGB";
      return "YCbCr";
    case 4:
      return adobe_transform && *adobe_transform == 2 ? "YCCK" : "CMYK";
    default:
      return fmt::format("{} components", comps.size());
  }
}

std::string sampling_of(const Frame& frame) {
  const auto& c = frame.components;
  std::string raw;
  for (const auto& comp : c)
    raw += fmt::format("{}{}x{}", raw.empty() ? "" : ",", comp.h, comp.v);
  if (c.size() == 1) return "4:4:4";  // grayscale: one full-resolution plane
  if (c.size() < 3) return raw;
  for (std::size_t i = 1; i < c.size(); ++i)
    if (c[i].h != 1 || c[i].v != 1) return raw;
  if (c.size() == 4 && (c[3].h != c[0].h || c[3].v != c[0].v)) return raw;
  const int h = c[0].h, v = c[0].v;
  if (h == 1 && v == 1) return "4:4:4";
  if (h == 2 && v == 1) return "4:2:2";
  if (h == 2 && v == 2) return "4:2:0";
  if (h == 1 && v == 2) return "4:4:0";
  if (h == 4 && v == 1) return "4:1:1";
  return raw;
}

std::string coding_of(const Frame& frame) {
  if (frame.lossless()) return "lossless";
  if (frame.progressive()) return "progressive";
  if (frame.sof_marker == 0xC0) return "baseline";
  return "extended";
}

void add_quality(JpegInfo& info, const JpegFile& file) {
  std::map<int, tables::QuantTable> quant;  // latest definition of each slot wins
  std::vector<tables::HuffTable> huffman;
  for (const Part* part : file.segments(marker::kDqt))
    for (auto& t : tables::parse_dqt(file.payload_of(*part)))
      quant[t.id] = t;
  for (const Part* part : file.segments(marker::kDht))
    for (auto& t : tables::parse_dht(file.payload_of(*part)))
      huffman.push_back(std::move(t));
  const auto& comps = file.frame().components;
  if (!comps.empty() && quant.count(comps[0].quant_table)) {
    const tables::QuantTable* chroma = nullptr;
    if (comps.size() >= 3 && quant.count(comps[1].quant_table))
      chroma = &quant[comps[1].quant_table];
    const auto q = tables::estimate_quality(quant[comps[0].quant_table], chroma);
    info.quality = q.quality;
    info.quality_exact = q.exact;
    info.luma_quality = q.luma;
    info.chroma_quality = q.chroma;
  }
  if (!file.frame().arithmetic()) info.standard_huffman = tables::all_standard_huffman(huffman);
}

void add_metadata(JpegInfo& info, const JpegFile& file, const Limits& limits) {
  std::vector<ByteView> icc_chunks;
  for (const auto& part : file.parts()) {
    SegmentInfo seg;
    seg.offset = part.offset;
    seg.bytes = part.size;
    switch (part.type) {
      case PartType::Entropy:
        seg.marker = "ECS";
        break;
      case PartType::Gap:
        seg.marker = "GAP";
        break;
      case PartType::Trailer:
        seg.marker = "TRAILER";
        info.trailer_bytes = part.size;
        break;
      case PartType::Segment: {
        seg.marker = marker::name(part.marker);
        const auto payload = file.payload_of(part);
        const auto cls = classify_segment(part.marker, payload);
        if (cls.kind == SegmentKind::NotMetadata) break;
        seg.kind = std::string(cls.label);
        seg.meta_kind = std::string(meta_kind_name(cls.meta));
        info.metadata_bytes += part.size;
        const auto body = payload.subspan(std::min(cls.header_size, payload.size()));
        if (cls.kind == SegmentKind::Exif && !info.exif) {
          ExifSummary exif;
          exif.bytes = part.size;
          try {
            const auto parsed = exif::parse(body);
            exif.thumbnail_bytes = parsed.thumbnail_bytes;
            exif.gps = parsed.has_gps;
            exif.gps_position = parsed.gps_has_position;
            exif.gps_tags = parsed.gps_tag_count;
            exif.orientation = parsed.orientation;
            exif.make = parsed.make;
            exif.model = parsed.model;
            exif.datetime = parsed.datetime;
          } catch (const Error& e) {
            exif.error = e.what();
          }
          info.exif = exif;
        } else if (cls.kind == SegmentKind::Icc) {
          icc_chunks.push_back(payload);
        } else if (cls.kind == SegmentKind::Xmp) {
          info.xmp_bytes += part.size;
        } else if (cls.kind == SegmentKind::ExtendedXmp) {
          info.extended_xmp_bytes += part.size;
        } else if (cls.kind == SegmentKind::Mpf && info.mpf_images == 0) {
          try {
            info.mpf_images = mpf::parse(payload).entries.size();
          } catch (const Error&) {
            info.mpf_images = 0;
          }
        }
        break;
      }
    }
    info.segments.push_back(std::move(seg));
  }
  if (auto icc = icc::reassemble(icc_chunks)) {
    IccSummary summary;
    summary.bytes = icc->profile.size();
    summary.chunks = icc->chunks;
    summary.complete = icc->complete;
    if (icc->profile.size() > limits.max_metadata_bytes) {
      summary.error = "profile over the metadata size limit";
    } else {
      try {
        const auto described = icc::describe(icc->profile);
        summary.description = described.description;
        summary.color_space = described.color_space;
        summary.is_srgb = described.is_srgb;
      } catch (const Error& e) {
        summary.error = e.what();
      }
    }
    info.icc = summary;
  }
  info.image_bytes = file.primary_end() - info.metadata_bytes;
}

// Decodes every coefficient so that corrupt entropy data is reported, not hidden.
void check_decodes(JpegInfo& info, ByteView data, const Limits& limits) {
  lj::Decompressor dec(data, limits);
  dec.bridge().warnings_fatal = true;
  try {
    dec.read_header();
    dec.read_coefficients();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::Unsupported) throw;
    info.decode_note = e.what();
  }
}

}  // namespace

JpegInfo inspect(std::span<const std::uint8_t> data, const Limits& limits) {
  const JpegFile file = JpegFile::parse(Bytes(data.begin(), data.end()));
  const Frame& frame = file.frame();
  if (frame.sof_marker == 0)
    throw Error(ErrorCode::CorruptData, "no frame header (SOF) before EOI");
  JpegInfo info;
  info.file_bytes = data.size();
  info.width = frame.width;
  info.height = frame.height;
  info.precision = frame.precision;
  for (const auto& c : frame.components)
    info.components.push_back({c.id, c.h, c.v, c.quant_table});
  info.color_space = color_space_of(file);
  info.sampling = sampling_of(frame);
  info.coding = coding_of(frame);
  info.arithmetic = frame.arithmetic();
  info.scans = file.scan_count();
  info.restart_interval = file.restart_interval();
  add_quality(info, file);
  add_metadata(info, file, limits);
  if (frame.hierarchical())
    info.decode_note = "hierarchical JPEG is not supported by libjpeg-turbo";
  else
    check_decodes(info, data, limits);
  return info;
}

}  // namespace jpegopt
