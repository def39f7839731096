// A minimal JPEG marker walk for the corpus tests, independent of the project's parser on purpose
// (the corpus tests check the project's modules against it and against exiftool).
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.hpp"

namespace jpegopt::test {

struct WalkedSegment {
  std::uint8_t marker = 0;
  ByteView payload;  // after the length field
};

// The marker segments of the first image, in file order. Stops at EOI and at the first thing it
// does not understand. With `through_scans`, entropy-coded data is skipped and the walk goes on
// after each SOS; without it, the walk stops at the first SOS (the header segments only).
std::vector<WalkedSegment> walk_segments(ByteView file, bool through_scans);

}  // namespace jpegopt::test
