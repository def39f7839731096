#include <catch2/catch.hpp>

#include "core/target.hpp"
#include "jpegopt/error.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;

namespace {

Options with_target(std::uint64_t bytes) {
  Options o;
  o.target.max_size = SizeLimit{bytes, 0};
  return o;
}

}  // namespace

TEST_CASE("target: the lossless rewrite is taken when it fits - pixels untouched", "[target]") {
  for (const auto& path : sample_jpegs()) {
    INFO(path);
    const Bytes input = read_bytes(path);
    const Outcome lossless = optimize(input, Options{});
    REQUIRE(lossless.status == FileStatus::Optimized);
    // Exactly the lossless size: it fits, so nothing is re-encoded.
    const Outcome o = fit_target(input, with_target(lossless.bytes.size()));
    CHECK(o.status == FileStatus::Optimized);
    CHECK(o.mode == Mode::Target);
    CHECK(o.bytes == lossless.bytes);
    CHECK(o.pixels_identical);
    CHECK_FALSE(o.quality);
    CHECK(o.trials == 0);
    CHECK(decode_pixels(o.bytes) == decode_pixels(input));
    // process() dispatches to the same path.
    CHECK(process(input, with_target(lossless.bytes.size())).bytes == lossless.bytes);
  }
}

TEST_CASE("target: a percentage resolves against the input size", "[target]") {
  const Bytes input = read_bytes(samples_dir() / "mate-wood-2560x1920-422-exif-stdhuff.jpg");
  const Outcome lossless = optimize(input, Options{});
  Options o;
  o.target.max_size = SizeLimit{0, 99.9};  // the lossless rewrite saves more than 0.1%
  REQUIRE(lossless.bytes.size() <= input.size() * 999 / 1000);
  const Outcome out = fit_target(input, o);
  CHECK(out.bytes == lossless.bytes);
  CHECK(out.mode == Mode::Target);
}
