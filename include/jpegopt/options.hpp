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

// Chroma subsampling of a re-encode. Auto keeps a JPEG's own; for PNG it picks by content.
enum class Subsampling { Auto, S444, S422, S420, S440 };

// Fit-inside resizing of a re-encode. Zero fields are unset; never upscales unless `upscale`.
struct ResizeOptions {
  int max_width = 0;
  int max_height = 0;
  double scale_percent = 0;  // --scale PCT (0: unset)
  bool upscale = false;
  bool any() const { return max_width > 0 || max_height > 0 || scale_percent > 0; }
};

// Re-encoding at a quality (-q). Unset quality: the lossless path (a PNG then fails unless a
// target asks for re-encoding).
struct ReencodeOptions {
  std::optional<double> quality;  // IJG scale 1..100; fractional values scale tables continuously
  // Re-encode even when the input's estimated quality is at or below the requested one.
  bool force = false;
  Subsampling subsampling = Subsampling::Auto;
  std::array<std::uint8_t, 3> background{255, 255, 255};  // alpha is flattened onto this (RGB)
  ResizeOptions resize;
  bool to_srgb = false;  // convert from the embedded ICC profile to sRGB, drop the profile
};

// A size limit: absolute bytes or a percentage of the input (exactly one is non-zero).
struct SizeLimit {
  std::uint64_t bytes = 0;
  double percent = 0;
  // The limit in bytes for an input of `input_size` bytes.
  std::uint64_t resolve(std::uint64_t input_size) const {
    return bytes > 0 ? bytes
                     : static_cast<std::uint64_t>(static_cast<double>(input_size) * percent / 100);
  }
};

// Target size / visual target (-S, --min-ssim, --visually-lossless).
struct TargetOptions {
  std::optional<SizeLimit> max_size;
  std::optional<double> min_ssim;
  double min_quality = 50;  // lowest quality tried before downscaling
  // The lowest quality the visual (--min-ssim) search may pick; --visually-lossless sets it,
  // since SSIM alone lets smooth gradients and screenshot text degrade visibly
  // (docs/target-size.md).
  double min_ssim_quality = 1;
  bool allow_resize = true;  // --no-resize clears it
  bool any() const { return max_size.has_value() || min_ssim.has_value(); }
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
  ReencodeOptions reencode;
  TargetOptions target;
  Limits limits;
};

}  // namespace jpegopt
