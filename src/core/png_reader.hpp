// PNG input for the re-encode path: any PNG (1-16 bits, grey, grey+alpha, palette with tRNS, RGB,
// RGBA, interlaced or not) decoded to 8-bit Gray or Rgb pixels, with alpha flattened onto a
// background colour in linear light. The iCCP profile and the eXIf orientation are carried over.
#pragma once

#include <array>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/image.hpp"
#include "jpegopt/limits.hpp"

namespace jpegopt::png {

// True when `data` starts with the 8-byte PNG signature.
bool is_png(ByteView data);

// Decodes a PNG held in memory.
// - Output: Gray for grey and grey+alpha files whose background is grey (r == g == b), Rgb
//   otherwise; 16-bit samples are scaled to 8 bits with rounding.
// - Alpha (an alpha channel or tRNS) is composited onto `background` (sRGB) in linear light: both
//   colours are decoded with the sRGB transfer curve, mixed by alpha, and encoded back, rounding
//   to the nearest 8-bit value. gAMA/cHRM/sRGB chunks are ignored (samples are taken as sRGB, or
//   as the iCCP profile's space when one is present).
// - Image::icc: the decompressed iCCP profile; Image::orientation: from an eXIf chunk (1 if none).
// Errors: not a PNG → InvalidArgument; width*height over limits.max_pixels → TooLarge (checked
// before any pixel buffer is allocated); truncated data → Truncated; anything libpng rejects
// (CRC, zlib, bad chunk) → CorruptData; iCCP over limits.max_metadata_bytes → MetadataLimit.
// Thread-safe: every call has its own libpng objects and error context.
Image read(ByteView data, const Limits& limits, std::array<std::uint8_t, 3> background);

}  // namespace jpegopt::png
