// Multi-Picture Format (CIPA DC-007) index in APP2 "MPF\0": where the secondary images (MPO
// frames, Ultra HDR gain maps) sit after the primary image's EOI.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.hpp"

namespace jpegopt::mpf {

struct Entry {
  std::uint32_t attribute = 0;
  std::uint32_t size = 0;
  // Offset from the MPF TIFF header (the byte after "MPF\0"); 0 for the primary image.
  std::uint32_t offset = 0;
  std::size_t field_pos = 0;  // where this entry's 16 bytes start inside the TIFF structure
};

struct Index {
  bool little_endian = false;
  std::vector<Entry> entries;
};

// Parses the MP Index IFD of an APP2 payload (starting with "MPF\0"). Throws
// Error(CorruptMetadata) when the structure is unreadable.
Index parse(ByteView app2_payload);

// Returns a copy of the payload with entry i's size and offset replaced by sizes[i]/offsets[i].
Bytes with_entries(ByteView app2_payload, const Index& index,
                   const std::vector<std::uint32_t>& sizes,
                   const std::vector<std::uint32_t>& offsets);

}  // namespace jpegopt::mpf
