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
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/image.hpp"
#include "jpegopt/options.hpp"

namespace jpegopt::lossless {
class Source;
}

namespace jpegopt::encoder {

// One component after prepare(): its sampling factors and the unquantized DCT coefficients of
// every block (64 per block, natural row-major order, true DCT scale: a flat block of value v
// has DC 8 * (v - 128)).
struct Plane {
  int h_samp = 1, v_samp = 1;
  int width_in_blocks = 0, height_in_blocks = 0;
  int quant_table = 0;               // 0 = luma table, 1 = chroma table
  UninitVector<float> coefficients;  // every element written by prepare()
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
  friend Prepared prepare(const Image& image, Subsampling subsampling, int chroma_refinements);
  int width_ = 0, height_ = 0;
  PixelFormat format_ = PixelFormat::Rgb;
  Subsampling subsampling_ = Subsampling::S444;
  std::vector<Plane> planes_;
};

// Prepares `image` (Gray, Rgb or Cmyk). `subsampling` must be resolved (not Auto); it applies to
// Rgb input only (Gray has one component, Cmyk is written 4:4:4). Throws Error(InvalidArgument)
// for Auto or an empty image.
//
// Subsampled chroma is first the box average of the full-resolution samples, then refined
// `chroma_refinements` times so that what decoders reconstruct (libjpeg's "fancy" triangle
// upsampling) is closer to the full-resolution chroma: each pass adds the box average of the
// remaining error.
inline constexpr int kChromaRefinements = 1;
Prepared prepare(const Image& image, Subsampling subsampling,
                 int chroma_refinements = kChromaRefinements);

// Where the quantization tables come from. `Ijg`: the JPEG Annex K.1/K.2 examples, scaled like
// libjpeg's jpeg_set_quality(). `Perceptual`: a luma table derived from a contrast sensitivity
// function (perceptual_luma_base()) and the Annex K chroma table, scaled the same way.
enum class TableDesign { Ijg, Perceptual };

// How encode() quantizes. `plain()` is the reference: round to nearest with the IJG tables.
// `best()` is what -q uses, chosen with bench/sweep.py on butteraugli and SSIM against cjpeg (see
// docs/reencode.md): perceptual tables with fine chroma steps, and trellis quantization whose
// lambda grows with each block's activity (fine chroma alone buys butteraugli at SSIM's cost,
// trellis alone the reverse; together, with masking, both gain).
struct Tuning {
  bool trellis = false;  // rate-distortion optimized quantization of AC coefficients
  // trellis: the cost of one bit in squared quantizer steps, on luma and on chroma (0: rounding)
  float lambda = 0.03f, chroma_lambda = 0.08f;
  // trellis: activity masking. Each block's lambda is multiplied by 1 + (its AC energy, sum of
  // squared DCT coefficients) / mask_energy: busy blocks, where errors hide, give up more (the
  // form mozjpeg uses; 0: off).
  float mask_energy = 92682;
  TableDesign tables = TableDesign::Ijg;
  double pixels_per_degree = 40;  // Perceptual: the viewing distance the luma table assumes
  double chroma_scale = 0.6;      // Perceptual: the Annex K chroma steps times this
  // Perceptual: at low qualities the errors are well above threshold and blocking in smooth
  // areas (low frequencies) is what shows, so the luma table leans towards Annex K's shape
  // (finer low, coarser high frequencies): a geometric blend with this weight at quality <= 40,
  // fading linearly to the pure perceptual table at quality 90.
  double annex_k_weight_low = 0.5;
  static Tuning plain() { return {}; }
  static Tuning best() {
    Tuning t;
    t.tables = TableDesign::Perceptual;
    t.trellis = true;
    return t;
  }
};

// How encode() writes the Huffman codes. `Optimized`: tables made for the data (two passes), for
// when the size counts. `Standard`: JPEG Annex K.3's tables in one pass, for a JPEG that is only
// read again (the coefficients are the same; the lossless back end rewrites the entropy coding).
enum class Entropy { Optimized, Standard };

// Quantizes at `quality` (IJG scale, fractional allowed: tables scale continuously) and writes a
// baseline JPEG (Huffman tables per `entropy`) with no APPn segments (CMYK: the Adobe APP14 libjpeg
// writes, which says the data is not colour-transformed). Throws Error(InvalidArgument) for a
// quality outside 1..100.
Bytes encode(const Prepared& prepared, double quality);
Bytes encode(const Prepared& prepared, double quality, const Tuning& tuning,
             Entropy entropy = Entropy::Optimized);
// encode(prepare(image, subsampling), quality, tuning, entropy) for one quality, the same bytes,
// without the prepared planes: each block is transformed and quantized straight into libjpeg's
// coefficient arrays (a 4-byte float per coefficient less to write and read).
Bytes encode(const Image& image, Subsampling subsampling, double quality, const Tuning& tuning,
             Entropy entropy = Entropy::Optimized);
// What that encode writes, before any entropy coding: the frame and its quantized coefficients
// as a lossless::Source, for the lossless back end to write (the same coefficients as the JPEG
// read back, without writing and reading it).
std::unique_ptr<lossless::Source> coefficients(const Image& image, Subsampling subsampling,
                                               double quality, const Tuning& tuning);

// The quantization table encode() uses for `quality`: 0 = luma (Annex K.1), 1 = chroma (K.2),
// natural order, baseline (1..255). At integer qualities it equals libjpeg's jpeg_set_quality()
// table; between them the percentage scale is interpolated linearly, so it is continuous and
// monotone in the quality.
std::array<std::uint16_t, 64> quant_table(int which, double quality);
// The table encode() uses with `tuning` (plain(): the one above).
std::array<std::uint16_t, 64> quant_table(int which, double quality, const Tuning& tuning);

// The unscaled perceptual luma table (natural order), the counterpart of Annex K.1: the step of
// each DCT basis function is inversely proportional to the eye's contrast sensitivity at its
// spatial frequency (Mannos and Sakrison's function, with an oblique-effect correction for
// diagonal frequencies, flattened below the sensitivity peak), seen at `pixels_per_degree`, and
// the DC step is Annex K's 16, so flat areas get the same step as at the same IJG quality.
std::array<double, 64> perceptual_luma_base(double pixels_per_degree);

// The percentage applied to the base tables (libjpeg's jpeg_quality_scaling, interpolated).
double quality_scale(double quality);

}  // namespace jpegopt::encoder
