// Fuzz target: the whole lossless pipeline from memory (parse, metadata plan, coefficient read,
// scan search, encode, verification) and inspect(), under small limits so that each input stays
// fast. Any input either throws jpegopt::Error or yields an outcome whose bytes are a JPEG that
// parses and that inspect() accepts.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/jpeg_file.hpp"
#include "fuzz_check.hpp"
#include "jpegopt/error.hpp"
#include "jpegopt/inspect.hpp"
#include "jpegopt/optimize.hpp"

namespace {

jpegopt::Limits small_limits() {
  jpegopt::Limits limits;
  limits.max_pixels = 1u << 20;  // 1 megapixel
  limits.max_scans = 64;
  limits.max_memory = 64L << 20;
  limits.max_metadata_bytes = 1u << 20;
  return limits;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jpegopt;
  const std::span<const std::uint8_t> input(data, size);
  Options options;
  options.limits = small_limits();
  bool readable = true;
  try {
    inspect(input, options.limits);
  } catch (const Error&) {
    readable = false;
  }
  try {
    const Outcome outcome = optimize(input, options);
    FUZZ_CHECK(outcome.bytes_in == size);
    if (outcome.status == FileStatus::Optimized) {
      FUZZ_CHECK(outcome.bytes.size() == outcome.bytes_out);
      FUZZ_CHECK(outcome.pixels_identical);
      const JpegFile result = JpegFile::parse(outcome.bytes);
      FUZZ_CHECK(result.write() == outcome.bytes);
      if (readable) inspect(outcome.bytes, options.limits);  // no catch: must not throw
    }
    if (outcome.status == FileStatus::Skipped) FUZZ_CHECK(outcome.reason.has_value());
  } catch (const Error&) {
  }
  return 0;
}
