// Resource limits applied before large allocations; every field documents its default.
#pragma once

#include <cstdint>

namespace jpegopt {

struct Limits {
  // Largest image accepted, in pixels (width x height). Default 300 megapixels.
  std::uint64_t max_pixels = 300'000'000;
  // Most scans a progressive file may have (a defence against scan bombs). Default 1000.
  int max_scans = 1000;
  // libjpeg's max_memory_to_use in bytes: the whole-image coefficient arrays of one decode must fit
  // (over it: ErrorCode::OutOfMemory, since libjpeg-turbo has no temporary-file backing store);
  // 0 means unlimited. Default 2 GiB, enough for a 300 MP 4:4:4 image (1.8 GB of coefficients).
  long max_memory = 2L << 30;
  // Largest metadata structure (EXIF, XMP, ICC profile) parsed, in bytes. Default 16 MiB.
  std::uint64_t max_metadata_bytes = 16u << 20;
};

}  // namespace jpegopt
