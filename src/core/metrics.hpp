// Image quality metrics: PSNR, SSIM (luma and per channel) and the largest absolute difference.
// Used by `jpegopt compare`, by re-encode reports and by the target-size search.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/image.hpp"

namespace jpegopt::metrics {

struct Comparison {
  double psnr = 0;                    // dB over every sample of every channel; +inf when identical
  double ssim = 0;                    // = ssim_luma (the headline number)
  std::vector<double> ssim_channels;  // per channel (R, G, B / gray / C, M, Y, K)
  double ssim_luma = 0;               // SSIM of BT.601 luma
  int max_abs_diff = 0;               // largest |a - b| over every sample
};

// Compares two images of the same size (else Error(InvalidArgument)). A Gray image compared with
// an Rgb one is expanded to three equal channels; Cmyk compares only with Cmyk (its luma is taken
// from a naive inverted-CMYK to RGB conversion).
// SSIM is Wang et al. (2004): 11×11 Gaussian window with σ = 1.5, K1 = 0.01, K2 = 0.03, L = 255,
// over every window position fully inside the image ("valid"), averaged; no downsampling. Images
// smaller than 11 px in an axis use a window as large as the image in that axis. Moments are
// float sums of centred samples: results agree with a double-precision 2-D reference to ~1e-5.
// Luma is BT.601
// Y' = 0.299 R + 0.587 G + 0.114 B, unrounded. Computed separably, one row band at a time.
Comparison compare(const Image& a, const Image& b);

// Only the luma SSIM (the fast path of the target-size search).
double ssim_luma(const Image& a, const Image& b);

// ssim_luma(a, b) for a `b` that arrives a row at a time, top to bottom (a streaming decode), so
// that it is never held whole; the same arithmetic, so the same value.
class LumaSsim {
 public:
  // b's format and size; the same checks as ssim_luma (Error(InvalidArgument)). Keeps a reference
  // to `a`.
  LumaSsim(const Image& a, PixelFormat format, int width, int height);
  ~LumaSsim();
  LumaSsim(const LumaSsim&) = delete;
  LumaSsim& operator=(const LumaSsim&) = delete;

  // The next row of b: width × channels_of(format) samples.
  void add_row(const std::uint8_t* row);
  // The SSIM, once every row was added (else Error(Internal)).
  double finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jpegopt::metrics
