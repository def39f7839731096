#include "core/target.hpp"

#include <fmt/format.h>

#include "jpegopt/error.hpp"

namespace jpegopt {

namespace {

std::string unreachable_message(std::uint64_t limit, std::size_t smallest, double quality,
                                int width, int height) {
  return fmt::format("cannot reach {} bytes: smallest is {} bytes at quality {:g}, {}x{}", limit,
                     smallest, quality, width, height);
}

}  // namespace

Outcome fit_target(ByteView input, const Options& options) {
  const auto& target = options.target;
  const std::uint64_t limit = target.max_size ? target.max_size->resolve(input.size()) : UINT64_MAX;

  // (1) Lossless first: when the rewrite fits and no visual target asks for smaller, no pixel
  // changes at all.
  Outcome lossless = optimize(input, options);
  lossless.mode = Mode::Target;
  if (lossless.status == FileStatus::Skipped) return lossless;
  const std::size_t lossless_size =
      lossless.status == FileStatus::Optimized ? lossless.bytes.size() : input.size();
  if (lossless_size <= limit && !target.min_ssim) return lossless;

  (void)unreachable_message;
  throw Error(ErrorCode::TargetUnreachable,
              fmt::format("cannot reach {} bytes: re-encoding is not available yet", limit));
}

}  // namespace jpegopt
