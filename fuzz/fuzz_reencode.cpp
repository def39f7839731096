// Fuzz target: re-encoding from memory through process() with a quality (-q), under small
// limits: decode to pixels, colour handling, the coefficient-domain encoder, assembly of the
// kept metadata. Any input either throws jpegopt::Error or yields a result that parses and
// decodes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/jpeg_file.hpp"
#include "fuzz_check.hpp"
#include "jpegopt/error.hpp"
#include "jpegopt/inspect.hpp"
#include "jpegopt/optimize.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jpegopt;
  Options options;
  options.limits.max_pixels = 1u << 18;  // 512x512: each input stays fast
  options.limits.max_scans = 64;
  options.limits.max_memory = 64L << 20;
  options.limits.max_metadata_bytes = 1u << 20;
  options.reencode.quality = 75;
  try {
    const Outcome outcome = process(std::span<const std::uint8_t>(data, size), options);
    if (outcome.status == FileStatus::Optimized) {
      FUZZ_CHECK(outcome.bytes.size() == outcome.bytes_out);
      const JpegFile result = JpegFile::parse(outcome.bytes);
      FUZZ_CHECK(result.frame().width > 0 && result.frame().height > 0);
      inspect(outcome.bytes, options.limits);  // our own output must decode: no catch
    }
    if (outcome.status == FileStatus::Skipped) FUZZ_CHECK(outcome.reason.has_value());
  } catch (const Error&) {
  }
  return 0;
}
