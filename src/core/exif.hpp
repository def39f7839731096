// Bounded EXIF (TIFF) reader and surgical rewriters. Every function takes the TIFF structure that
// follows the "Exif\0\0" identifier of an APP1 segment. Reads are bounds-checked, IFD loops and
// runaway recursion are detected, and structures over the limits are refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.hpp"

namespace jpegopt::exif {

struct ExifInfo {
  bool little_endian = false;
  std::optional<int> orientation;       // IFD0 tag 0x0112, 1..8 when present and valid
  bool has_gps = false;                 // IFD0 has a GPS IFD pointer (0x8825) to a readable IFD
  int gps_tag_count = 0;                // entries in the GPS IFD
  bool gps_has_position = false;        // GPSLatitude and GPSLongitude both present
  std::size_t thumbnail_bytes = 0;      // IFD1 JPEGInterchangeFormatLength, 0 if none
  std::optional<std::string> make;      // IFD0 0x010F
  std::optional<std::string> model;     // IFD0 0x0110
  std::optional<std::string> datetime;  // ExifIFD 0x9003 DateTimeOriginal, else IFD0 0x0132
  int ifd0_tag_count = 0;
  std::optional<std::uint32_t> image_width;   // IFD0 0x0100 ImageWidth (SHORT or LONG)
  std::optional<std::uint32_t> image_height;  // IFD0 0x0101 ImageLength
  std::optional<std::uint32_t> pixel_width;   // ExifIFD 0xA002 PixelXDimension
  std::optional<std::uint32_t> pixel_height;  // ExifIFD 0xA003 PixelYDimension
};

// Parses the TIFF structure. Throws jpegopt::Error(CorruptMetadata) when the header or IFD0 is
// unreadable (MetadataLimit when IFD0 alone is over the entry limit); damage further in (bad
// sub-IFD offset, absurd entry count, loop, value out of range) only leaves the affected fields
// empty. Strings are ASCII values cut at the first NUL and trimmed of trailing spaces.
ExifInfo parse(ByteView tiff);

// The payload of a minimal APP1 EXIF segment ("Exif\0\0" + TIFF) holding only IFD0 Orientation
// (32 bytes, big-endian). Throws Error(InvalidArgument) unless 1 <= orientation <= 8.
Bytes minimal_orientation_segment(int orientation);

// Returns the TIFF structure without the GPS IFD: the pointer tag is removed from IFD0 and the GPS
// IFD and its values are zero-filled (bytes another known structure also uses are kept). Nothing
// moves, so offsets of everything else (maker notes included) stay valid; erased bytes at the very
// end are trimmed. Returns the input unchanged when IFD0 has no GPS pointer. The rewriters throw as
// parse() does when the header or IFD0 is unreadable.
Bytes remove_gps(ByteView tiff);

// Returns the TIFF structure without IFD1 and its thumbnail: IFD0's next-IFD offset becomes 0 and
// IFD1, its values and the thumbnail are zero-filled; erased bytes at the very end are trimmed.
Bytes remove_thumbnail(ByteView tiff);

// Returns the TIFF structure with IFD0 Orientation set to `orientation` in place (never added when
// absent) and, when present, ExifImageWidth/Height (0xA002/0xA003) and the IFD0
// ImageWidth/Length set to the given dimensions (a SHORT becomes a LONG when the value needs it).
// Used after lossless transforms. Throws Error(InvalidArgument) unless 1 <= orientation <= 8.
Bytes update_geometry(ByteView tiff, int orientation, std::uint32_t width, std::uint32_t height);

}  // namespace jpegopt::exif
