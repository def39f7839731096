// The coefficient-domain JPEG encoder of the re-encode and target-size paths.
//
// prepare() does the work that does not depend on the quality once: colour conversion (JFIF
// YCbCr), chroma downsampling, level shift and an accurate floating-point forward DCT. encode()
// then only quantizes those coefficients at a quality and writes them with libjpeg's
// jpeg_write_coefficients (optimized Huffman tables), so a search over qualities pays the
// transform once.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "core/image.hpp"
#include "jpegopt/options.hpp"

namespace jpegopt::encoder {

// One component after prepare(): its sampling factors and the unquantized DCT coefficients of
// every block (64 per block, natural row-major order, true DCT scale: a flat block of value v
// has DC 8 * (v - 128)).
struct Plane {
  int h_samp = 1, v_samp = 1;
  int width_in_blocks = 0, height_in_blocks = 0;
  int quant_table = 0;  // 0 = luma table, 1 = chroma table
  std::vector<float> coefficients;
  const float* block(int bx, int by) const {
    return coefficients.data() +
           (static_cast<std::size_t>(by) * static_cast<std::size_t>(width_in_blocks) +
            static_cast<std::size_t>(bx)) *
               64;
  }
};

// Colour-converted, subsampled, forward-DCT'd planes of an image (unquantized): computed once,
// then quantized per trial.
class Prepared {
 public:
  int width() const { return width_; }
  int height() const { return height_; }
  PixelFormat format() const { return format_; }
  Subsampling subsampling() const { return subsampling_; }
  const std::vector<Plane>& planes() const { return planes_; }

 private:
  friend Prepared prepare(const Image& image, Subsampling subsampling);
  int width_ = 0, height_ = 0;
  PixelFormat format_ = PixelFormat::Rgb;
  Subsampling subsampling_ = Subsampling::S444;
  std::vector<Plane> planes_;
};

// Prepares `image` (Gray, Rgb or Cmyk). `subsampling` must be resolved (not Auto); it applies to
// Rgb input only (Gray has one component, Cmyk is written 4:4:4). Throws Error(InvalidArgument)
// for Auto or an empty image.
Prepared prepare(const Image& image, Subsampling subsampling);

// How encode() quantizes. `plain` is the reference: round to nearest with the IJG tables. `best()`
// is what encode() uses by default: the best setting measured by bench/reencode.sh at equal
// butteraugli (trellis at the lambdas tried so far cost bytes at equal butteraugli, so it is off).
struct Tuning {
  bool trellis = false;  // rate-distortion optimized quantization of AC coefficients
  float lambda = 0.1f;   // trellis: cost of one bit in squared quantizer steps
  static Tuning plain() { return {}; }
  static Tuning best() { return {}; }
};

// Quantizes at `quality` (IJG scale, fractional allowed: tables scale continuously) and writes a
// baseline JPEG with optimized Huffman tables and no APPn segments (CMYK: the Adobe APP14 libjpeg
// writes, which says the data is not colour-transformed). Throws Error(InvalidArgument) for a
// quality outside 1..100.
Bytes encode(const Prepared& prepared, double quality);
Bytes encode(const Prepared& prepared, double quality, const Tuning& tuning);

// The quantization table encode() uses for `quality`: 0 = luma (Annex K.1), 1 = chroma (K.2),
// natural order, baseline (1..255). At integer qualities it equals libjpeg's jpeg_set_quality()
// table; between them the percentage scale is interpolated linearly, so it is continuous and
// monotone in the quality.
std::array<std::uint16_t, 64> quant_table(int which, double quality);

// The percentage applied to the base tables (libjpeg's jpeg_quality_scaling, interpolated).
double quality_scale(double quality);

}  // namespace jpegopt::encoder
