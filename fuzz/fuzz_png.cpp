// Fuzz target: the PNG reader (libpng behind its setjmp quarantine, alpha compositing, iCCP and
// eXIf) under small limits. Any input either throws jpegopt::Error or yields an image whose
// buffer matches its geometry, within the pixel limit, with a valid orientation.
#include <array>
#include <cstddef>
#include <cstdint>

#include "core/png_reader.hpp"
#include "fuzz_check.hpp"
#include "jpegopt/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jpegopt;
  Limits limits;
  limits.max_pixels = 1u << 20;  // 1 megapixel: decompression bombs stop at the header
  limits.max_metadata_bytes = 1u << 20;
  try {
    const Image image = png::read(ByteView(data, size), limits, {255, 255, 255});
    FUZZ_CHECK(image.width > 0 && image.height > 0);
    FUZZ_CHECK(std::uint64_t(image.width) * std::uint64_t(image.height) <= limits.max_pixels);
    FUZZ_CHECK(image.format == PixelFormat::Gray || image.format == PixelFormat::Rgb);
    FUZZ_CHECK(image.pixels.size() == image.stride() * static_cast<std::size_t>(image.height));
    FUZZ_CHECK(image.orientation >= 1 && image.orientation <= 8);
    FUZZ_CHECK(image.icc.size() <= limits.max_metadata_bytes);
  } catch (const Error&) {
  }
  return 0;
}
