// Fuzz target: the PNM reader (binary PGM/PPM headers with comments, maxval rescaling, limits).
// Any input either throws jpegopt::Error or yields an image whose buffer matches its geometry,
// within the pixel limit.
#include <cstddef>
#include <cstdint>

#include "core/pnm_reader.hpp"
#include "fuzz_check.hpp"
#include "jpegopt/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jpegopt;
  Limits limits;
  limits.max_pixels = 1u << 20;  // 1 megapixel: a header promising more stops before allocating
  try {
    const Image image = pnm::read(ByteView(data, size), limits);
    FUZZ_CHECK(image.width > 0 && image.height > 0);
    FUZZ_CHECK(std::uint64_t(image.width) * std::uint64_t(image.height) <= limits.max_pixels);
    FUZZ_CHECK(image.format == PixelFormat::Gray || image.format == PixelFormat::Rgb);
    FUZZ_CHECK(image.pixels.size() == image.stride() * static_cast<std::size_t>(image.height));
  } catch (const Error&) {
  }
  return 0;
}
