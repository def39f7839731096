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
  // Set instead of `pixels` (which is then empty) when the samples, in the same layout, belong to
  // memory that outlives this Image: a PPM file's bytes, used without a copy (pnm::view). They are
  // read-only: the non-const row() first copies them into `pixels` (own()).
  const std::uint8_t* borrowed = nullptr;
  Bytes icc;            // embedded ICC profile; empty means sRGB
  int orientation = 1;  // EXIF orientation the pixels are stored in (1..8)

  int channels() const { return channels_of(format); }
  std::size_t stride() const { return static_cast<std::size_t>(width) * channels(); }
  // The samples and their count, owned or borrowed.
  const std::uint8_t* data() const { return borrowed ? borrowed : pixels.data(); }
  std::size_t samples() const {
    return borrowed ? stride() * static_cast<std::size_t>(height) : pixels.size();
  }
  // Copies borrowed samples into `pixels` (nothing to do when they are owned).
  void own() {
    if (!borrowed) return;
    pixels.assign(borrowed, borrowed + samples());
    borrowed = nullptr;
  }
  std::uint8_t* row(int y) {
    own();
    return pixels.data() + static_cast<std::size_t>(y) * stride();
  }
  const std::uint8_t* row(int y) const { return data() + static_cast<std::size_t>(y) * stride(); }
};

}  // namespace jpegopt
