// Target size and visual target (-S, --min-ssim, --visually-lossless): the smallest change that
// brings a file under a size limit, or the smallest file that still looks like the source.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "jpegopt/optimize.hpp"

namespace jpegopt {

// --visually-lossless is --min-ssim at this threshold with this floor quality: every output of the
// calibration set then stays below butteraugli 1.5 (bench/calibrate.py, docs/target-size.md).
inline constexpr double kVisuallyLosslessSsim = 0.995;
inline constexpr double kVisuallyLosslessMinQuality = 90;

// The target path of process(): options.target.any() must hold. Tries the lossless optimizer
// first; then re-encodes at the highest quality that fits (and, with a visual target, the lowest
// quality that still meets it); then downscales when allowed. The returned file, metadata
// included, is at most the resolved size limit. Throws Error(TargetUnreachable) when no file
// fits, naming the smallest size reached.
Outcome fit_target(ByteView input, const Options& options);

// Whether the lossless rewrite of JPEG `input` certainly cannot fit `limit`, judged without
// running it: fit_target() then skips that attempt (its scan search and verification take seconds
// on a large photo). It keeps every coefficient: what it takes off the image is entropy-coding
// overhead (3-29 % on the corpus photos) and metadata. So when 0.65 of the input's image bytes
// plus the metadata that stays are over the limit, it cannot fit. Inputs that optimize() refuses or
// skips (unsupported frames, oversized ICC chunks, kept C2PA) and transforms (which only the
// lossless path does) are not judged.
bool lossless_out_of_reach(ByteView input, const Options& options, std::uint64_t limit);

}  // namespace jpegopt
