// Dispatch between the lossless, re-encode and target-size paths.
#include <fmt/format.h>

#include "core/png_reader.hpp"
#include "core/reencode.hpp"
#include "core/target.hpp"
#include "jpegopt/error.hpp"
#include "jpegopt/optimize.hpp"

namespace jpegopt {

bool is_png(std::span<const std::uint8_t> input) {
  return png::is_png(input);
}

Outcome process(std::span<const std::uint8_t> input, const Options& options) {
  if (options.target.any()) return fit_target(input, options);
  const auto& r = options.reencode;
  if (r.quality || r.resize.any() || r.to_srgb) return reencode(input, options);
  // The default job is lossless: turning a PNG into a JPEG loses detail, so the user asks for it.
  if (is_pixel_file(input))
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("{} input: add -q N (e.g. -q 90) or -S SIZE to convert it to JPEG",
                            is_png(input) ? "PNG" : "PNM"));
  return optimize(input, options);
}

}  // namespace jpegopt
