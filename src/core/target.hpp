// Target size and visual target (-S, --min-ssim, --visually-lossless): the smallest change that
// brings a file under a size limit, or the smallest file that still looks like the source.
#pragma once

#include "core/bytes.hpp"
#include "jpegopt/optimize.hpp"

namespace jpegopt {

// --visually-lossless is --min-ssim at this threshold (calibration: docs/target-size.md).
inline constexpr double kVisuallyLosslessSsim = 0.985;

// The target path of process(): options.target.any() must hold. Tries the lossless optimizer
// first; then re-encodes at the highest quality that fits (and, with a visual target, the lowest
// quality that still meets it); then downscales when allowed. The returned file, metadata
// included, is at most the resolved size limit. Throws Error(TargetUnreachable) when no file
// fits, naming the smallest size reached.
Outcome fit_target(ByteView input, const Options& options);

}  // namespace jpegopt
