// Dispatch between the lossless, re-encode and target-size paths.
#include <algorithm>
#include <array>

#include "core/target.hpp"
#include "jpegopt/error.hpp"
#include "jpegopt/optimize.hpp"

#include "core/pnm_reader.hpp"
#include "core/reencode.hpp"

namespace jpegopt {

bool is_png(std::span<const std::uint8_t> input) {
  static constexpr std::array<std::uint8_t, 8> kSignature = {0x89, 'P',  'N',  'G',
                                                             '\r', '\n', 0x1A, '\n'};
  return input.size() >= kSignature.size() &&
         std::equal(kSignature.begin(), kSignature.end(), input.begin());
}

Outcome process(std::span<const std::uint8_t> input, const Options& options) {
  if (options.target.any()) return fit_target(input, options);
  const auto& r = options.reencode;
  if (r.quality || r.resize.any() || r.to_srgb) return reencode(input, options);
  // The default job is lossless: turning a PNG into a JPEG loses detail, so the user asks for it.
  if (is_png(input))
    throw Error(ErrorCode::InvalidArgument,
                "PNG input: add -q N (e.g. -q 90) or -S SIZE to convert it to JPEG");
  if (pnm::is_pnm(input))
    throw Error(ErrorCode::InvalidArgument,
                "PNM input: add -q N (e.g. -q 90) or -S SIZE to convert it to JPEG");
  return optimize(input, options);
}

}  // namespace jpegopt
