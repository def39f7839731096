// The metadata plan: which segments of the input go into the output, which are rewritten, and
// what that removes, per kind.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/jpeg_file.hpp"
#include "jpegopt/options.hpp"

namespace jpegopt::metadata {

struct Plan {
  // Complete segments (marker, length, payload) to write right after SOI, in input order.
  std::vector<Bytes> segments;
  // Index into `segments` of the MPF segment whose offsets must be rewritten, if kept.
  std::optional<std::size_t> mpf_segment;
  bool keep_trailer = true;
  // Bytes removed per kind (segment bytes dropped, or saved by a rewrite); the trailer counts
  // under mpf when an MPF index points into it, else under other.
  std::array<std::size_t, kMetaKindCount> removed{};
  // The file carries a C2PA manifest that the plan keeps: changing the file breaks it.
  bool c2pa_kept = false;
  // IFD0 orientation of the input's EXIF, when it has one.
  std::optional<int> orientation;
  std::vector<std::string> notes;
};

// Decides what to keep under `policy`. Throws nothing for damaged metadata: an EXIF that cannot
// be read is dropped whole when EXIF is stripped, and kept as it is otherwise.
Plan plan(const JpegFile& file, const MetadataPolicy& policy);

// A complete segment: marker, 2-byte length and payload. Throws when the payload is too long.
Bytes make_segment(std::uint8_t marker, ByteView payload);

// True when the APP14 Adobe segment decides the colour transform, i.e. the file would decode
// differently without it.
bool adobe_affects_decoding(const JpegFile& file);

// True for XMP that describes a gain map or a motion photo (readers find secondary data by it).
bool xmp_describes_gain_map(ByteView xmp_payload);

}  // namespace jpegopt::metadata
