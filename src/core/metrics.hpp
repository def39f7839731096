// Image quality metrics: PSNR, SSIM (luma and per channel) and the largest absolute difference.
// Used by `jpegopt compare`, by re-encode reports and by the target-size search.
#pragma once

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

}  // namespace jpegopt::metrics
