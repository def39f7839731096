// Everything that controls an optimization, with each default written next to its field.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "jpegopt/limits.hpp"

namespace jpegopt {

// The metadata kinds of --strip/--keep, in jpegoptim's vocabulary.
enum class MetaKind { Exif, Xmp, Iptc, Icc, Com, Jfif, Adobe, Mpf, C2pa, Other };
inline constexpr std::size_t kMetaKindCount = 10;

// What happens to metadata. Built from a preset (safe, none, all) and then adjusted by lists.
struct MetadataPolicy {
  // Kinds whose segments are dropped. A dropped EXIF still leaves a minimal EXIF holding the
  // orientation when keep_orientation is set.
  std::array<bool, kMetaKindCount> strip{};
  // Drop only the GPS IFD from EXIF that is kept. Default off.
  bool strip_gps = false;
  // Drop only the EXIF thumbnail from EXIF that is kept. Default off.
  bool strip_thumbnail = false;
  // Keep the EXIF orientation (as a minimal EXIF) when EXIF is stripped. Default on.
  bool keep_orientation = true;
  // Drop an ICC profile only when it is not sRGB (safe preset: sRGB profiles change nothing).
  bool icc_only_if_srgb = false;
  // Keep an XMP packet that describes a gain map or motion photo even when XMP is stripped.
  bool keep_gain_map_xmp = false;
  // Keep Adobe APP14 whenever it changes how the image decodes, even when adobe is stripped.
  bool keep_decoding_adobe = true;
  // Keep bytes after EOI (secondary images, camera trailers). Default on.
  bool keep_trailer = true;

  bool strips(MetaKind kind) const { return strip[static_cast<std::size_t>(kind)]; }
  void set_strip(MetaKind kind, bool value) { strip[static_cast<std::size_t>(kind)] = value; }

  // safe (the default): drop camera data, GPS, thumbnails, XMP, IPTC, comments and unknown APPn;
  // keep a non-sRGB ICC profile, Adobe, JFIF, orientation, MPF and gain-map XMP, trailing data.
  static MetadataPolicy safe();
  // none: keep every segment byte for byte.
  static MetadataPolicy none();
  // all: drop everything that can be dropped without changing how the pixels decode (ICC too,
  // which can shift the colours of wide-gamut photos; secondary images and trailers too).
  static MetadataPolicy all();
};

enum class Coding {
  Auto,         // build baseline and progressive candidates, keep the smaller (default)
  Progressive,  // progressive only
  Baseline,     // sequential only
};

// How hard the progressive scan search tries.
enum class Effort { Fast = 1, Default = 2, Max = 3 };

// Lossless geometric transforms, applied to DCT coefficients (never via pixels).
enum class Transform { None, FlipH, FlipV, Transpose, Transverse, Rot90, Rot180, Rot270 };

struct Crop {
  int width = 0, height = 0, x = 0, y = 0;
};

struct TransformOptions {
  Transform transform = Transform::None;
  std::optional<Crop> crop;
  bool grayscale = false;
  bool auto_orient = false;  // apply the EXIF orientation and set it to 1
  bool perfect = false;      // fail when edge blocks cannot be transformed exactly
  bool trim = false;         // drop edge blocks that cannot be transformed
  bool any() const { return transform != Transform::None || crop || grayscale || auto_orient; }
};

struct Options {
  MetadataPolicy metadata = MetadataPolicy::safe();
  Coding coding = Coding::Auto;
  Effort effort = Effort::Default;
  // Write arithmetic coding (smaller, but browsers cannot decode it). Default off.
  bool arithmetic = false;
  // Convert arithmetic-coded input to Huffman even when that makes it larger. Default off.
  bool huffman = false;
  TransformOptions transform;
  // Decode the result's coefficients and compare them with the source's. Default on.
  bool verify = true;
  // The result replaces the input only when it saves more than this many bytes... Default 0.
  std::size_t threshold_bytes = 0;
  // ... and more than this share of the input, in percent. Default 0.
  double threshold_percent = 0;
  // Write the result even when it is not smaller. Default off.
  bool force = false;
  Limits limits;
};

}  // namespace jpegopt
