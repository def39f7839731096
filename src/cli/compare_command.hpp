// `jpegopt compare A B`: PSNR, SSIM (luma and per channel) and the largest sample difference
// between two images (JPEG or PNG, told apart by their signature).
#pragma once

#include <string>

#include "core/image.hpp"
#include "core/metrics.hpp"

namespace jpegopt::cli {

struct CompareArgs {
  std::string a, b;
  bool json = false;
};

// Prints one line (or one JSON object) for the pair. Returns 0, or 1 after printing
// `jpegopt: PATH: message` when a file cannot be read or decoded or the sizes differ.
int run_compare(const CompareArgs& args);

// The human line, e.g. "PSNR 41.27 dB  SSIM 0.991234  R 0.990123 G 0.992345 B 0.989012  max diff
// 17" ("PSNR inf dB" for identical images). `format` names the channels (gray; R G B; C M Y K).
std::string format_comparison(const metrics::Comparison& c, PixelFormat format);

}  // namespace jpegopt::cli
