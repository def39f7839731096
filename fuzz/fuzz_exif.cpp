// Fuzz target: the EXIF (TIFF) reader and its rewriters, on the bytes after "Exif\0\0". Every
// call either throws jpegopt::Error or returns; a rewrite never grows the structure except for
// update_geometry (which only ever rewrites values in place) and its result parses again.
#include <cstddef>
#include <cstdint>

#include "core/exif.hpp"
#include "fuzz_check.hpp"
#include "jpegopt/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jpegopt;
  const ByteView tiff(data, size);
  try {
    const exif::ExifInfo info = exif::parse(tiff);
    if (info.orientation) FUZZ_CHECK(*info.orientation >= 1 && *info.orientation <= 8);
  } catch (const Error&) {
    return 0;  // IFD0 unreadable: the rewriters would throw the same
  }
  try {
    const Bytes without_gps = exif::remove_gps(tiff);
    FUZZ_CHECK(without_gps.size() <= size);
    const exif::ExifInfo after = exif::parse(without_gps);
    FUZZ_CHECK(!after.has_gps);
  } catch (const Error&) {
  }
  try {
    const Bytes without_thumbnail = exif::remove_thumbnail(tiff);
    FUZZ_CHECK(without_thumbnail.size() <= size);
    const exif::ExifInfo after = exif::parse(without_thumbnail);
    FUZZ_CHECK(after.thumbnail_bytes == 0);
  } catch (const Error&) {
  }
  try {
    const Bytes rotated = exif::update_geometry(tiff, 6, 1234, 70000);
    FUZZ_CHECK(rotated.size() == size);
    exif::parse(rotated);
  } catch (const Error&) {
  }
  return 0;
}
