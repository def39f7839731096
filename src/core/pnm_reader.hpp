// PNM input for the re-encode path: binary PGM (P5) and PPM (P6), maxval 1..65535, as cjpeg
// reads them. Decoding is a copy (or a rescale), so it costs next to nothing beside a PNG's
// inflate: the format tools and benchmarks hand between encoders.
#pragma once

#include "core/bytes.hpp"
#include "core/image.hpp"
#include "jpegopt/limits.hpp"

namespace jpegopt::pnm {

// True when `data` starts with "P5" or "P6" and a whitespace character.
bool is_pnm(ByteView data);

// Decodes a binary PNM held in memory. Header: magic, width, height, maxval, separated by
// whitespace, with `#` comments up to the end of a line; then exactly one whitespace character and
// the samples (one byte each when maxval < 256, else two, most significant first).
// - Output: Gray (P5) or Rgb (P6); samples are scaled to 0..255 with rounding,
//   (v * 255 + maxval / 2) / maxval, as cjpeg does (maxval 255: copied).
// - Errors (messages start with "PNM: "): not P5/P6 → InvalidArgument; a malformed header or a
//   sample over maxval → CorruptData; width*height over limits.max_pixels → TooLarge (before any
//   pixel buffer is allocated); fewer sample bytes than the header promises → Truncated. Bytes
//   after the samples are ignored.
Image read(ByteView data, const Limits& limits);
// read() without the copy when maxval is 255: the Image borrows the samples from `data`
// (Image::borrowed), which must outlive it.
Image view(ByteView data, const Limits& limits);

}  // namespace jpegopt::pnm
