#include <catch2/catch.hpp>

#include <cstdlib>

#include "core/resize.hpp"
#include "jpegopt/error.hpp"

using namespace jpegopt;
using resize::Size;

namespace {

ResizeOptions max_size(int w, int h) {
  ResizeOptions o;
  o.max_width = w;
  o.max_height = h;
  return o;
}

Image flat(int w, int h, PixelFormat format, std::uint8_t value) {
  Image im;
  im.width = w;
  im.height = h;
  im.format = format;
  im.pixels.assign(im.stride() * static_cast<std::size_t>(h), value);
  return im;
}

// 1-px black/white checkerboard.
Image checkerboard(int w, int h, PixelFormat format) {
  Image im = flat(w, h, format, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < im.channels(); ++c)
        im.row(y)[x * im.channels() + c] = (x + y) % 2 ? 255 : 0;
  return im;
}

}  // namespace

TEST_CASE("resize::fit keeps the aspect ratio and never enlarges", "[resize]") {
  const Size photo{4000, 3000};
  CHECK(resize::fit(photo, max_size(1000, 0), 1) == Size{1000, 750});
  CHECK(resize::fit(photo, max_size(0, 500), 1) == Size{667, 500});
  CHECK(resize::fit(photo, max_size(1000, 500), 1) == Size{667, 500});
  CHECK(resize::fit(photo, max_size(5000, 5000), 1) == photo);
  CHECK(resize::fit(photo, ResizeOptions{}, 1) == photo);

  ResizeOptions up = max_size(8000, 0);
  up.upscale = true;
  CHECK(resize::fit(photo, up, 1) == Size{8000, 6000});

  ResizeOptions half;
  half.scale_percent = 50;
  CHECK(resize::fit(photo, half, 1) == Size{2000, 1500});
  half.max_width = 1000;  // the bound applies after the scale
  CHECK(resize::fit(photo, half, 1) == Size{1000, 750});
  ResizeOptions twice;
  twice.scale_percent = 200;
  CHECK(resize::fit(photo, twice, 1) == photo);
  twice.upscale = true;
  CHECK(resize::fit(photo, twice, 1) == Size{8000, 6000});

  CHECK(resize::fit(Size{1000, 1}, max_size(10, 0), 1) == Size{10, 1});  // at least 1 px
  CHECK(resize::fit(Size{3, 1000}, max_size(0, 100), 1) == Size{1, 100});
}

TEST_CASE("resize::fit: max-width is the displayed width (orientations 5..8 swap)", "[resize]") {
  const Size stored{4000, 3000};  // shown as 3000x4000 with orientation 6
  for (int orientation : {5, 6, 7, 8})
    CHECK(resize::fit(stored, max_size(1000, 0), orientation) == Size{1333, 1000});
  for (int orientation : {1, 2, 3, 4})
    CHECK(resize::fit(stored, max_size(1000, 0), orientation) == Size{1000, 750});
  CHECK(resize::fit(stored, max_size(0, 1000), 6) == Size{1000, 750});
}

TEST_CASE("resize::dct_scale_denom keeps the decode at least as large as the target", "[resize]") {
  CHECK(resize::dct_scale_denom({4000, 3000}, {1000, 750}) == 4);
  CHECK(resize::dct_scale_denom({4000, 3000}, {1001, 750}) == 2);
  CHECK(resize::dct_scale_denom({4000, 3000}, {500, 375}) == 8);
  CHECK(resize::dct_scale_denom({4000, 3000}, {100, 75}) == 8);
  CHECK(resize::dct_scale_denom({4000, 3000}, {2001, 1500}) == 1);
  CHECK(resize::dct_scale_denom({4000, 3000}, {4000, 3000}) == 1);
  // libjpeg rounds scaled sizes up: ceil(4001/4) = 1001 still covers 1001.
  CHECK(resize::dct_scale_denom({4001, 3001}, {1001, 751}) == 4);
  CHECK(resize::dct_scale_denom({4001, 3001}, {1001, 752}) == 2);
}

TEST_CASE("resize::resize works in linear light", "[resize]") {
  // Half black, half white in linear light is 0.5, i.e. sRGB 187.5, not 127.5.
  for (PixelFormat format : {PixelFormat::Gray, PixelFormat::Rgb}) {
    const Image half = resize::resize(checkerboard(32, 32, format), {16, 16});
    REQUIRE(half.width == 16);
    REQUIRE(half.height == 16);
    REQUIRE(half.format == format);
    // The interior (the clamped edges break the pattern's symmetry).
    for (int y = 1; y < 15; ++y)
      for (int x = 1; x < 15; ++x)
        for (int c = 0; c < half.channels(); ++c)
          CHECK(std::abs(int{half.row(y)[x * half.channels() + c]} - 188) <= 1);
  }
  // CMYK ink values have no transfer curve: the plain average.
  const Image cmyk = resize::resize(checkerboard(32, 32, PixelFormat::Cmyk), {16, 16});
  for (int y = 1; y < 15; ++y)
    for (int x = 4; x < 60; ++x)
      CHECK(std::abs(int{cmyk.row(y)[x]} - 128) <= 1);
}

TEST_CASE("resize::resize keeps flat colours - metadata and sizes", "[resize]") {
  Image im = flat(101, 67, PixelFormat::Rgb, 0);
  for (std::size_t i = 0; i < im.pixels.size(); i += 3) {
    im.pixels[i] = 10;
    im.pixels[i + 1] = 200;
    im.pixels[i + 2] = 77;
  }
  im.icc = {1, 2, 3};
  im.orientation = 6;
  const Image out = resize::resize(im, {37, 23});
  CHECK(out.width == 37);
  CHECK(out.height == 23);
  CHECK(out.pixels.size() == 37u * 23u * 3u);
  CHECK(out.icc == im.icc);
  CHECK(out.orientation == 6);
  for (std::size_t i = 0; i < out.pixels.size(); i += 3) {
    CHECK(out.pixels[i] == 10);
    CHECK(out.pixels[i + 1] == 200);
    CHECK(out.pixels[i + 2] == 77);
  }
  CHECK(resize::resize(im, {101, 67}).pixels == im.pixels);
  const Image up = resize::resize(flat(3, 2, PixelFormat::Gray, 99), {30, 20});
  for (std::uint8_t v : up.pixels)
    CHECK(v == 99);
  CHECK_THROWS_AS(resize::resize(im, {0, 10}), Error);
}
