// Synthetic JPEGs made in-process with libjpeg: a smooth gradient plus deterministic noise,
// encoded with the standard (unoptimized) Huffman tables, so optimizers have work to do.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.hpp"

namespace jpegopt::test {

struct SynthSpec {
  int width = 64;
  int height = 48;
  int components = 3;  // 1 (grayscale), 3 (YCbCr) or 4 (CMYK)
  int h = 2, v = 2;    // luma sampling factors (chroma 1x1)
  int quality = 85;
  bool progressive = false;
  bool arithmetic = false;
  bool optimize = false;     // optimized Huffman tables
  int restart_interval = 0;  // in MCUs; 0 = none
  std::uint32_t seed = 1;
  bool write_jfif = true;
};

Bytes make_jpeg(const SynthSpec& spec);

// The interleaved pixels make_jpeg encodes (width * height * components bytes).
Bytes synth_pixels(const SynthSpec& spec);

}  // namespace jpegopt::test

namespace jpegopt::test {

// Decodes a JPEG to its pixels with libjpeg (accurate integer IDCT, no fancy upsampling), as an
// independent check that two files show the same image.
Bytes decode_pixels(ByteView jpeg);

// Inserts a complete segment (marker, length, payload) right after SOI.
Bytes insert_segment(ByteView jpeg, std::uint8_t marker, ByteView payload);

// The APPn/COM segments of a file, each as its complete bytes, in file order.
std::vector<Bytes> metadata_segments(ByteView jpeg);

}  // namespace jpegopt::test
