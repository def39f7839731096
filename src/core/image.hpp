// Decoded pixels: the currency of the re-encode path (PNG and JPEG decoders produce it, resize,
// colour conversion and the encoder consume it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"

namespace jpegopt {

enum class PixelFormat {
  Gray,  // 1 channel
  Rgb,   // 3 channels
  Cmyk,  // 4 channels, as libjpeg delivers CMYK/YCCK (Adobe files store them inverted)
};

inline int channels_of(PixelFormat f) {
  return f == PixelFormat::Gray ? 1 : f == PixelFormat::Rgb ? 3 : 4;
}

struct Image {
  int width = 0, height = 0;
  PixelFormat format = PixelFormat::Rgb;
  std::vector<std::uint8_t> pixels;  // row-major, interleaved, 8 bits per sample, no padding
  Bytes icc;                         // embedded ICC profile; empty means sRGB
  int orientation = 1;               // EXIF orientation the pixels are stored in (1..8)

  int channels() const { return channels_of(format); }
  std::size_t stride() const { return static_cast<std::size_t>(width) * channels(); }
  std::uint8_t* row(int y) { return pixels.data() + static_cast<std::size_t>(y) * stride(); }
  const std::uint8_t* row(int y) const {
    return pixels.data() + static_cast<std::size_t>(y) * stride();
  }
};

}  // namespace jpegopt
