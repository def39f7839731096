// What a segment is, decided by one table of markers and identifiers, and the metadata kinds the
// strip/keep vocabulary uses (jpegoptim's names).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "jpegopt/options.hpp"

namespace jpegopt {

std::string_view meta_kind_name(MetaKind kind) noexcept;
std::optional<MetaKind> meta_kind_from_name(std::string_view name) noexcept;

// Fine-grained classification of APPn/COM segments (what `info` shows).
enum class SegmentKind {
  Jfif,
  Jfxx,
  Exif,
  Xmp,
  ExtendedXmp,
  Icc,
  Mpf,
  Photoshop,   // APP13 "Photoshop 3.0" (IPTC lives inside)
  Adobe,       // APP14 "Adobe"
  C2pa,        // APP11 JUMBF carrying a C2PA manifest
  Jumbf,       // APP11 JUMBF, not C2PA
  Ducky,       // APP12 "Ducky" (Photoshop Save for Web)
  Comment,     // COM
  UnknownApp,  // any other APPn
  NotMetadata  // SOF, DHT, DQT, SOS, ...: not metadata at all
};

struct SegmentClass {
  SegmentKind kind;
  MetaKind meta;            // meaningful unless kind == NotMetadata
  std::string_view label;   // e.g. "EXIF", "ICC profile", "XMP"
  std::size_t header_size;  // bytes of the identifier that precede the data (e.g. 6 for "Exif\0\0")
};

// Classifies a segment by its marker and payload (bytes after the length field).
SegmentClass classify_segment(std::uint8_t marker, ByteView payload);

}  // namespace jpegopt
