// ICC profiles carried in APP2 "ICC_PROFILE\0" chunks: reassembly and a small description.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"

namespace jpegopt::icc {

struct Reassembled {
  Bytes profile;          // chunks concatenated in sequence-number order
  int chunks = 0;         // number of chunks found
  bool complete = false;  // every sequence number 1..count present exactly once, counts agree
};

// Reassembles a profile from APP2 payloads (each starting with "ICC_PROFILE\0", then the 1-based
// sequence number and the chunk count). Tolerates chunks out of order; missing or duplicated
// chunks give complete == false. Returns nullopt when no payload is an ICC chunk.
std::optional<Reassembled> reassemble(const std::vector<ByteView>& app2_payloads);

struct IccInfo {
  std::size_t size = 0;           // profile bytes
  std::size_t declared_size = 0;  // the header's profile size field (differs from size if damaged)
  int version_major = 0;          // header profile version, e.g. 2 or 4
  std::string device_class;       // header profile/device class, e.g. "mntr", "prtr"
  std::string description;        // 'desc' tag text (v2 textDescription or v4 mluc, first record)
  std::string color_space;        // header data colour space, e.g. "RGB ", "CMYK", "GRAY"
  bool is_srgb = false;  // an sRGB profile: dropping it does not change how browsers show it
};

// Describes a profile. Throws jpegopt::Error(CorruptMetadata) when the header is unreadable.
IccInfo describe(ByteView profile);

}  // namespace jpegopt::icc
