// Resource limits applied before large allocations; every field documents its default.
#pragma once

#include <cstdint>

namespace jpegopt {

struct Limits {
  // Largest image accepted, in pixels (width x height). Default 300 megapixels.
  std::uint64_t max_pixels = 300'000'000;
  // Most scans a progressive file may have (a defence against scan bombs). Default 1000.
  int max_scans = 1000;
  // libjpeg's max_memory_to_use in bytes; 0 keeps libjpeg's default. Default 0.
  long max_memory = 0;
  // Largest metadata structure (EXIF, XMP, ICC profile) parsed, in bytes. Default 16 MiB.
  std::uint64_t max_metadata_bytes = 16u << 20;
};

}  // namespace jpegopt
