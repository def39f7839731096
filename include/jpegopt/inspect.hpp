// What is inside a JPEG file: the anatomy `jpegopt info` shows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "jpegopt/limits.hpp"

namespace jpegopt {

struct SegmentInfo {
  std::size_t offset = 0;
  std::string marker;     // "APP1", "DQT", "SOS", ...; "ECS" for entropy data, "GAP", "TRAILER"
  std::string kind;       // "EXIF", "ICC profile", ... for metadata; empty otherwise
  std::string meta_kind;  // strip vocabulary ("exif", "icc", ...) for metadata; empty otherwise
  std::size_t bytes = 0;
};

struct ComponentInfo {
  int id = 0;
  int h = 1, v = 1;
  int quant_table = 0;
};

struct ExifSummary {
  std::size_t bytes = 0;            // APP1 segment bytes
  std::size_t thumbnail_bytes = 0;  // IFD1 thumbnail
  bool gps = false;                 // a GPS IFD is present
  bool gps_position = false;        // ... and holds a latitude and longitude
  int gps_tags = 0;
  std::optional<int> orientation;
  std::optional<std::string> make, model, datetime;
  std::optional<std::string> error;  // set when the EXIF structure could not be read
};

struct IccSummary {
  std::size_t bytes = 0;  // profile bytes (reassembled)
  int chunks = 0;
  bool complete = true;
  std::string description;
  std::string color_space;
  bool is_srgb = false;
  std::optional<std::string> error;
};

struct JpegInfo {
  std::size_t file_bytes = 0;
  int width = 0, height = 0;
  int precision = 8;
  std::string color_space;  // Gray, YCbCr, RGB, CMYK, YCCK
  std::vector<ComponentInfo> components;
  std::string sampling;  // "4:2:0", ... or the raw factors "2x2,1x1,1x1"
  std::string coding;    // "baseline", "extended", "progressive", "lossless"
  bool arithmetic = false;
  int scans = 0;
  int restart_interval = 0;
  int quality = 0;  // estimated IJG quality (0 when there are no tables)
  bool quality_exact = false;
  std::optional<int> luma_quality, chroma_quality;
  std::optional<bool> standard_huffman;  // absent for arithmetic coding
  std::vector<SegmentInfo> segments;
  std::optional<ExifSummary> exif;
  std::optional<IccSummary> icc;
  std::size_t xmp_bytes = 0;               // standard XMP segments
  std::size_t extended_xmp_bytes = 0;      // extended XMP segments
  std::size_t mpf_images = 0;              // images listed in an MPF index
  std::size_t trailer_bytes = 0;           // bytes after EOI (gain maps, MPO images, trailers)
  std::size_t metadata_bytes = 0;          // APPn + COM segments
  std::size_t image_bytes = 0;             // everything else up to EOI
  std::optional<std::string> decode_note;  // why libjpeg-turbo cannot decode it, when it cannot
};

// Inspects a JPEG held in memory. Throws jpegopt::Error for data that is not a JPEG, is
// truncated or corrupt (libjpeg warnings count as corruption). Files that are well-formed but that
// libjpeg-turbo cannot decode (12-bit, lossless, hierarchical) are described, with decode_note set.
JpegInfo inspect(std::span<const std::uint8_t> data, const Limits& limits = {});

}  // namespace jpegopt
