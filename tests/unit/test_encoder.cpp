#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "core/encoder.hpp"
#include "core/libjpeg.hpp"
#include "core/lossless.hpp"
#include "core/tables.hpp"
#include "support/synth.hpp"

using namespace jpegopt;

namespace {

// A smooth colour gradient with a sharp-edged square and mild deterministic noise.
Image test_image(int width, int height, PixelFormat format = PixelFormat::Rgb) {
  Image img;
  img.width = width;
  img.height = height;
  img.format = format;
  const int nc = img.channels();
  img.pixels.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) *
                    static_cast<std::size_t>(nc));
  std::uint32_t rng = 12345;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const bool square = x > width / 3 && x < width * 2 / 3 && y > height / 3 && y < height / 2;
      for (int c = 0; c < nc; ++c) {
        rng = rng * 1664525u + 1013904223u;
        const int noise = static_cast<int>((rng >> 24) % 7) - 3;
        int v = square ? 40 + 60 * c : (x * 255 / width + y * 128 / height + 50 * c) % 256;
        v = std::clamp(v + noise, 0, 255);
        img.row(y)[x * nc + c] = static_cast<std::uint8_t>(v);
      }
    }
  return img;
}

// kNatural[k]: the natural (row-major) index of the k-th coefficient in zigzag order.
constexpr std::array<int, 64> kNatural = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

Image flat_image(int width, int height, std::array<std::uint8_t, 3> rgb) {
  Image img;
  img.width = width;
  img.height = height;
  img.pixels.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
  for (std::size_t i = 0; i < img.pixels.size(); ++i)
    img.pixels[i] = rgb[i % 3];
  return img;
}

double psnr(ByteView a, ByteView b) {
  REQUIRE(a.size() == b.size());
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    sum += d * d;
  }
  const double mse = sum / static_cast<double>(a.size());
  return mse == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 / mse);
}

struct FrameInfo {
  int width = 0, height = 0, components = 0;
  J_COLOR_SPACE space = JCS_UNKNOWN;
  std::vector<std::pair<int, int>> sampling;
  bool progressive = false;
  bool adobe = false;
  std::array<std::array<std::uint16_t, 64>, 2> tables{};
};

FrameInfo frame_of(const Bytes& jpeg) {
  lj::Decompressor dec(jpeg, {});
  dec.read_header();
  const jpeg_decompress_struct* d = dec.get();
  FrameInfo f;
  f.width = static_cast<int>(d->image_width);
  f.height = static_cast<int>(d->image_height);
  f.components = d->num_components;
  f.space = d->jpeg_color_space;
  f.progressive = d->progressive_mode != 0;
  f.adobe = d->saw_Adobe_marker != 0;
  for (int ci = 0; ci < d->num_components; ++ci)
    f.sampling.emplace_back(d->comp_info[ci].h_samp_factor, d->comp_info[ci].v_samp_factor);
  for (int t = 0; t < 2; ++t)
    if (d->quant_tbl_ptrs[t])
      for (int k = 0; k < 64; ++k)
        f.tables[static_cast<std::size_t>(t)][static_cast<std::size_t>(k)] =
            d->quant_tbl_ptrs[t]->quantval[k];
  return f;
}

// Decoded pixels as most viewers get them: libjpeg's default "fancy" (triangle) chroma upsampling
// (test::decode_pixels replicates chroma samples instead).
Bytes decode_fancy(const Bytes& jpeg) {
  lj::Decompressor dec(jpeg, {});
  dec.read_header();
  jpeg_decompress_struct* d = dec.get();
  Bytes pixels;
  dec.run([&] {
    d->dct_method = JDCT_ISLOW;
    d->do_fancy_upsampling = TRUE;
    jpeg_start_decompress(d);
  });
  const std::size_t stride =
      static_cast<std::size_t>(d->output_width) * static_cast<std::size_t>(d->output_components);
  pixels.resize(stride * d->output_height);
  dec.run([&] {
    while (d->output_scanline < d->output_height) {
      JSAMPROW row = pixels.data() + stride * d->output_scanline;
      jpeg_read_scanlines(d, &row, 1);
    }
    jpeg_finish_decompress(d);
  });
  return pixels;
}

// The reference: libjpeg's own pixel encoder (jpeg_write_scanlines, accurate integer DCT).
Bytes libjpeg_encode(const Image& img, int quality, int h, int v) {
  Bytes out;
  lj::Compressor enc(out);
  jpeg_compress_struct* c = enc.get();
  enc.run([&] {
    c->image_width = static_cast<JDIMENSION>(img.width);
    c->image_height = static_cast<JDIMENSION>(img.height);
    c->input_components = 3;
    c->in_color_space = JCS_RGB;
    jpeg_set_defaults(c);
    jpeg_set_quality(c, quality, TRUE);
    c->comp_info[0].h_samp_factor = h;
    c->comp_info[0].v_samp_factor = v;
    c->dct_method = JDCT_ISLOW;
    jpeg_start_compress(c, TRUE);
  });
  for (int y = 0; y < img.height; ++y) {
    JSAMPROW row = const_cast<JSAMPROW>(img.row(y));
    enc.run([&] { jpeg_write_scanlines(c, &row, 1); });
  }
  enc.run([&] { jpeg_finish_compress(c); });
  return out;
}

}  // namespace

TEST_CASE("encoder tables equal libjpeg's jpeg_set_quality at every integer quality", "[encoder]") {
  Bytes sink;
  lj::Compressor enc(sink);
  jpeg_compress_struct* c = enc.get();
  enc.run([&] {
    c->in_color_space = JCS_RGB;
    c->input_components = 3;
    jpeg_set_defaults(c);
  });
  for (int q = 1; q <= 100; ++q) {
    enc.run([&] { jpeg_set_quality(c, q, TRUE); });
    for (int t = 0; t < 2; ++t) {
      const auto ours = encoder::quant_table(t, q);
      for (int k = 0; k < 64; ++k) {
        INFO("quality " << q << " table " << t << " entry " << k);
        REQUIRE(ours[static_cast<std::size_t>(k)] == c->quant_tbl_ptrs[t]->quantval[k]);
      }
    }
  }
}

TEST_CASE("encoder tables scale continuously between integer qualities", "[encoder]") {
  CHECK(encoder::quality_scale(50) == 100);
  CHECK(encoder::quality_scale(90.5) == Approx(19));
  CHECK(encoder::quality_scale(30.25) == Approx(166 + 0.25 * (161 - 166)));
  for (double q = 1; q < 100; q += 0.25) {
    const auto lo = encoder::quant_table(0, q);
    const auto hi = encoder::quant_table(0, q + 0.25);
    for (int k = 0; k < 64; ++k)
      REQUIRE(hi[static_cast<std::size_t>(k)] <= lo[static_cast<std::size_t>(k)]);
  }
  const auto mid = encoder::quant_table(0, 75.5);
  CHECK(mid[0] == 8);  // 16 at 49.5 %: (792 + 50) / 100 = 8.42 -> 8
  CHECK_THROWS_AS(encoder::quant_table(0, 0.5), Error);
  CHECK_THROWS_AS(encoder::quant_table(0, 100.5), Error);
}

TEST_CASE("encoder writes the tables of the requested quality and no APPn segment", "[encoder]") {
  const auto prepared = encoder::prepare(test_image(40, 24), Subsampling::S420);
  for (double q : {20.0, 75.0, 90.5}) {
    const Bytes jpeg = encoder::encode(prepared, q, encoder::Tuning::plain());
    const FrameInfo f = frame_of(jpeg);
    CHECK(f.tables[0] == encoder::quant_table(0, q));
    CHECK(f.tables[1] == encoder::quant_table(1, q));
    CHECK_FALSE(f.progressive);
    CHECK(test::metadata_segments(jpeg).empty());
  }
}

TEST_CASE("encoder honours the subsampling in the frame header", "[encoder]") {
  const Image img = test_image(37, 23);  // odd sizes: partial blocks and MCUs
  const std::vector<std::pair<Subsampling, std::pair<int, int>>> cases = {
      {Subsampling::S444, {1, 1}},
      {Subsampling::S422, {2, 1}},
      {Subsampling::S420, {2, 2}},
      {Subsampling::S440, {1, 2}},
  };
  for (const auto& [s, luma] : cases) {
    const Bytes jpeg = encoder::encode(encoder::prepare(img, s), 90);
    const FrameInfo f = frame_of(jpeg);
    CHECK(f.width == 37);
    CHECK(f.height == 23);
    REQUIRE(f.components == 3);
    CHECK(f.space == JCS_YCbCr);
    CHECK(f.sampling[0] == luma);
    CHECK(f.sampling[1] == std::make_pair(1, 1));
    CHECK(f.sampling[2] == std::make_pair(1, 1));
    CHECK(test::decode_pixels(jpeg).size() == 37u * 23u * 3u);
  }
  CHECK_THROWS_AS(encoder::prepare(img, Subsampling::Auto), Error);
}

TEST_CASE("encoder output decodes close to its source", "[encoder]") {
  const Image img = test_image(61, 45);
  SECTION("at quality 90, at least as close as libjpeg's own encoder") {
    for (auto [s, h, v] : {std::tuple{Subsampling::S444, 1, 1}, {Subsampling::S420, 2, 2}}) {
      // Plain box-averaged chroma, as libjpeg downsamples (the refinement trades PSNR for sharper
      // colour edges).
      const Bytes jpeg = encoder::encode(encoder::prepare(img, s, 0), 90, encoder::Tuning::plain());
      const double ours = psnr(test::decode_pixels(jpeg), img.pixels);
      const double reference = psnr(test::decode_pixels(libjpeg_encode(img, 90, h, v)), img.pixels);
      INFO("ours " << ours << " dB, libjpeg " << reference << " dB");
      CHECK(ours > 20);  // the pattern wraps hue sharply; 4:2:0 costs PSNR on it
      CHECK(ours > reference - 0.2);
    }
  }
  SECTION("higher quality is closer and larger") {
    const auto prepared = encoder::prepare(img, Subsampling::S444);
    const Bytes q50 = encoder::encode(prepared, 50);
    const Bytes q95 = encoder::encode(prepared, 95);
    CHECK(q95.size() > q50.size());
    CHECK(psnr(test::decode_pixels(q95), img.pixels) >
          psnr(test::decode_pixels(q50), img.pixels) + 3);
  }
  SECTION("quality 100 4:4:4 is nearly exact") {
    const Bytes jpeg = encoder::encode(encoder::prepare(img, Subsampling::S444), 100);
    CHECK(psnr(test::decode_pixels(jpeg), img.pixels) > 45);
  }
}

TEST_CASE("encoder keeps a flat colour at its value under every subsampling", "[encoder]") {
  const Image img = flat_image(33, 17, {40, 120, 200});
  for (auto s : {Subsampling::S444, Subsampling::S422, Subsampling::S420, Subsampling::S440}) {
    const Bytes px = test::decode_pixels(encoder::encode(encoder::prepare(img, s), 85));
    REQUIRE(px.size() == img.pixels.size());
    for (std::size_t i = 0; i < px.size(); ++i) {
      INFO("sample " << i);
      REQUIRE(std::abs(px[i] - img.pixels[i]) <= 2);
    }
  }
}

TEST_CASE("encoder writes grayscale and CMYK images", "[encoder]") {
  SECTION("gray") {
    const Image img = test_image(30, 20, PixelFormat::Gray);
    const Bytes jpeg = encoder::encode(encoder::prepare(img, Subsampling::S420), 90);
    const FrameInfo f = frame_of(jpeg);
    CHECK(f.components == 1);
    CHECK(f.space == JCS_GRAYSCALE);
    CHECK(f.sampling[0] == std::make_pair(1, 1));
    CHECK(test::metadata_segments(jpeg).empty());
    CHECK(psnr(test::decode_pixels(jpeg), img.pixels) > 36);
  }
  SECTION("cmyk") {
    const Image img = test_image(30, 20, PixelFormat::Cmyk);
    const Bytes jpeg = encoder::encode(encoder::prepare(img, Subsampling::S420), 90);
    const FrameInfo f = frame_of(jpeg);
    CHECK(f.components == 4);
    CHECK(f.space == JCS_CMYK);
    CHECK(f.adobe);  // libjpeg's APP14 says "no colour transform"
    for (const auto& s : f.sampling)
      CHECK(s == std::make_pair(1, 1));
    CHECK(psnr(test::decode_pixels(jpeg), img.pixels) > 36);
  }
}

TEST_CASE("encoder rejects bad input", "[encoder]") {
  Image empty;
  CHECK_THROWS_AS(encoder::prepare(empty, Subsampling::S444), Error);
  const auto prepared = encoder::prepare(test_image(8, 8), Subsampling::S444);
  CHECK_THROWS_AS(encoder::encode(prepared, 0), Error);
  CHECK_THROWS_AS(encoder::encode(prepared, 101), Error);
}

TEST_CASE("trellis quantization makes smaller files at a small cost in PSNR", "[encoder]") {
  const auto prepared = encoder::prepare(test_image(64, 48), Subsampling::S444);
  encoder::Tuning trellis;  // IJG tables, one lambda everywhere (masking has its own test)
  trellis.trellis = true;
  trellis.lambda = trellis.chroma_lambda = 0.1f;
  trellis.mask_energy = 0;
  for (double q : {50.0, 90.0}) {
    const Bytes plain = encoder::encode(prepared, q, encoder::Tuning::plain());
    const Bytes rdo = encoder::encode(prepared, q, trellis);
    const Image& ref = test_image(64, 48);
    const double p_plain = psnr(test::decode_pixels(plain), ref.pixels);
    const double p_rdo = psnr(test::decode_pixels(rdo), ref.pixels);
    INFO("quality " << q << ": " << plain.size() << " -> " << rdo.size() << " bytes, " << p_plain
                    << " -> " << p_rdo << " dB");
    CHECK(rdo.size() < plain.size());
    CHECK(p_rdo > p_plain - 1.5);
    // Trellis never makes a coefficient larger than rounding would: lambda 0 equals plain.
    encoder::Tuning zero = trellis;
    zero.lambda = 0;
    zero.chroma_lambda = 0;
    CHECK(encoder::encode(prepared, q, zero) == plain);
  }
}

TEST_CASE("perceptual luma table follows the contrast sensitivity function", "[encoder]") {
  const auto base = encoder::perceptual_luma_base(encoder::Tuning::best().pixels_per_degree);
  CHECK(base[0] == 16);  // Annex K's DC step
  for (int v = 0; v < 8; ++v)
    for (int u = 0; u < 8; ++u) {
      const auto at = [&](int x, int y) { return base[static_cast<std::size_t>(y * 8 + x)]; };
      INFO("u " << u << " v " << v);
      CHECK(at(u, v) == Approx(at(v, u)));         // no preference between rows and columns
      CHECK(at(u, v) >= 16);                       // flattened below the sensitivity peak
      if (u < 7) CHECK(at(u + 1, v) >= at(u, v));  // coarser with frequency
      if (v < 7) CHECK(at(u, v + 1) >= at(u, v));
    }
  // The oblique effect: a diagonal frequency gets a coarser step than an axial one as far from DC.
  CHECK(base[5 * 8 + 5] > base[7]);
  // A longer viewing distance (more pixels per degree) makes high frequencies coarser.
  CHECK(encoder::perceptual_luma_base(60)[63] > encoder::perceptual_luma_base(30)[63]);
  CHECK(encoder::perceptual_luma_base(60)[0] == 16);
}

TEST_CASE("perceptual tables keep the IJG DC steps and scale like them", "[encoder]") {
  const encoder::Tuning best = encoder::Tuning::best();
  REQUIRE(best.tables == encoder::TableDesign::Perceptual);
  for (int q = 1; q <= 100; ++q) {
    const auto luma = encoder::quant_table(0, q, best);
    const auto chroma = encoder::quant_table(1, q, best);
    const auto ijg_luma = encoder::quant_table(0, q);
    INFO("quality " << q);
    CHECK(luma[0] == ijg_luma[0]);
    CHECK(chroma[0] ==
          std::clamp(std::floor((17 * best.chroma_scale * encoder::quality_scale(q) + 50) / 100),
                     1.0, 255.0));
    for (std::size_t k = 0; k < 64; ++k) {
      REQUIRE(luma[k] >= 1);
      REQUIRE(luma[k] <= 255);
      if (q < 100) REQUIRE(encoder::quant_table(0, q + 1, best)[k] <= luma[k]);
    }
  }
  using Table = std::array<std::uint16_t, 64>;
  CHECK(encoder::quant_table(0, 100, best) ==
        Table{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
              1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
              1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
  // The shipped tables, exactly (pixels_per_degree 40, chroma_scale 0.6, Annex K weight 0.5 at
  // quality 40 and below: 0.4 at 50, none from 90).
  CHECK(encoder::quant_table(0, 50, best) ==
        Table{16, 14, 13, 16, 19, 25, 30, 36,  14, 14, 15, 17, 20, 30, 33,  36,
              15, 15, 16, 20, 26, 32, 38, 39,  15, 16, 19, 24, 33, 45, 47,  47,
              17, 19, 25, 34, 43, 59, 64, 63,  20, 24, 32, 40, 52, 68, 81,  84,
              30, 34, 40, 49, 64, 83, 99, 107, 39, 44, 48, 57, 73, 87, 108, 129});
  CHECK(encoder::quant_table(0, 90, best) ==
        Table{3, 3,  3,  3,  3, 4, 4, 5, 3, 3,  3,  3,  3, 4, 4, 5, 3,  3,  3,  4, 4, 4,
              5, 6,  3,  3,  4, 4, 5, 6, 7, 8,  3,  3,  4, 5, 6, 8, 9,  11, 4,  4, 4, 6,
              8, 10, 13, 16, 4, 4, 5, 7, 9, 13, 17, 22, 5, 5, 6, 8, 11, 16, 22, 31});
  CHECK(encoder::quant_table(1, 50, best) ==
        Table{10, 11, 14, 28, 59, 59, 59, 59, 11, 13, 16, 40, 59, 59, 59, 59,
              14, 16, 34, 59, 59, 59, 59, 59, 28, 40, 59, 59, 59, 59, 59, 59,
              59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59,
              59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59});
}

TEST_CASE("perceptual luma table leans towards Annex K's shape at low qualities", "[encoder]") {
  encoder::Tuning pure = encoder::Tuning::best();
  pure.annex_k_weight_low = 0;
  encoder::Tuning annex_k = encoder::Tuning::best();
  annex_k.annex_k_weight_low = 1;
  const encoder::Tuning best = encoder::Tuning::best();
  REQUIRE(best.annex_k_weight_low == 0.5);
  // From quality 90 up the blend is gone: the pure perceptual table.
  for (double q : {90.0, 92.5, 95.0, 100.0})
    CHECK(encoder::quant_table(0, q, best) == encoder::quant_table(0, q, pure));
  // Weight 1 at quality <= 40 is Annex K itself: libjpeg's table.
  for (double q : {10.0, 25.0, 40.0})
    CHECK(encoder::quant_table(0, q, annex_k) == encoder::quant_table(0, q));
  // In between, every step lies between the two shapes (geometric blend), and the chroma table
  // is not touched.
  for (double q : {20.0, 40.0, 55.0, 70.0, 85.0}) {
    const auto mixed = encoder::quant_table(0, q, best);
    const auto a = encoder::quant_table(0, q, pure), b = encoder::quant_table(0, q);
    for (std::size_t k = 0; k < 64; ++k) {
      INFO("quality " << q << " k " << k);
      CHECK(mixed[k] >= std::min(a[k], b[k]));
      CHECK(mixed[k] <= std::max(a[k], b[k]));
    }
    CHECK(encoder::quant_table(1, q, best) == encoder::quant_table(1, q, pure));
  }
  // At 40, the lowest AC frequencies are finer than the pure table's (Annex K's strength).
  CHECK(encoder::quant_table(0, 40, best)[2] < encoder::quant_table(0, 40, pure)[2]);
}

TEST_CASE("encoder writes the perceptual tables by default and estimates near the quality",
          "[encoder]") {
  const auto prepared = encoder::prepare(test_image(48, 32), Subsampling::S420);
  for (double q : {30.0, 50.0, 75.0, 90.0, 95.0}) {
    const Bytes jpeg = encoder::encode(prepared, q);
    const FrameInfo f = frame_of(jpeg);
    CHECK(f.tables[0] == encoder::quant_table(0, q, encoder::Tuning::best()));
    CHECK(f.tables[1] == encoder::quant_table(1, q, encoder::Tuning::best()));
    // The IJG quality estimate of the output (what `info` shows and the re-encode guard uses)
    // is never below the requested quality, and at most 18 above (finer high frequencies).
    tables::QuantTable luma, chroma;
    chroma.id = 1;
    for (std::size_t k = 0; k < 64; ++k) {
      luma.zigzag[k] = f.tables[0][static_cast<std::size_t>(kNatural[k])];
      chroma.zigzag[k] = f.tables[1][static_cast<std::size_t>(kNatural[k])];
    }
    const int estimate = tables::estimate_quality(luma, &chroma).quality;
    INFO("quality " << q << " estimated " << estimate);
    CHECK(estimate >= q);
    CHECK(estimate <= q + 18);
  }
}

TEST_CASE("chroma refinement makes fancy-upsampled 4:2:0 colour keep the source's averages",
          "[encoder]") {
  // Colour edges that do not line up with the 2x2 chroma grid: where averaging smears most.
  Image img = test_image(64, 48);
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x) {
      std::uint8_t* px = img.row(y) + x * 3;
      const bool warm = (x / 5 + y / 7) % 2 == 0;
      px[0] = warm ? 170 : 90;
      px[1] = 120;
      px[2] = warm ? 80 : 160;
    }
  // Squared error of the 2x2 box means of the decoded RGB against the source's: the chroma each
  // subsampled sample stands for (luma is coded at full resolution either way).
  auto box_error = [&](const Bytes& jpeg) {
    const Bytes d = decode_fancy(jpeg);
    double sum = 0;
    for (int y = 0; y < 48; y += 2)
      for (int x = 0; x < 64; x += 2)
        for (int c = 0; c < 3; ++c) {
          double diff = 0;
          for (int dy = 0; dy < 2; ++dy)
            for (int dx = 0; dx < 2; ++dx) {
              const std::size_t i =
                  (static_cast<std::size_t>(y + dy) * 64 + static_cast<std::size_t>(x + dx)) * 3 +
                  static_cast<std::size_t>(c);
              diff += static_cast<double>(d[i]) - img.pixels[i];
            }
          sum += diff * diff / 16;
        }
    return sum;
  };
  const double plain = box_error(encoder::encode(encoder::prepare(img, Subsampling::S420, 0), 100));
  const double refined =
      box_error(encoder::encode(encoder::prepare(img, Subsampling::S420, 1), 100));
  INFO("box-mean squared error " << plain << " -> " << refined);
  CHECK(refined < plain * 0.25);
  // 4:4:4 has nothing to refine: the result is the same.
  CHECK(encoder::encode(encoder::prepare(img, Subsampling::S444, 0), 90) ==
        encoder::encode(encoder::prepare(img, Subsampling::S444, 1), 90));
  CHECK(encoder::kChromaRefinements == 1);
}

namespace {

// The plane-based prepare() encoder.cpp had before it worked from the pixels block by block
// (full-resolution float planes, an O(8^3) double DCT), kept as the reference the faster one must
// equal exactly.
namespace reference {

struct Samples {
  int width = 0, height = 0;
  std::vector<float> values;
  float at(int x, int y) const {
    x = std::min(x, width - 1);
    y = std::min(y, height - 1);
    return values[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                  static_cast<std::size_t>(x)];
  }
  float& operator()(int x, int y) {
    return values[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                  static_cast<std::size_t>(x)];
  }
};

Samples make(int w, int h) {
  Samples s;
  s.width = w;
  s.height = h;
  s.values.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
  return s;
}

Samples downsample(const Samples& full, int hf, int vf, int out_w, int out_h) {
  if (hf == 1 && vf == 1) return full;
  Samples out = make(out_w, out_h);
  const float norm = 1.0f / static_cast<float>(hf * vf);
  for (int y = 0; y < out_h; ++y)
    for (int x = 0; x < out_w; ++x) {
      float s = 0;
      for (int dy = 0; dy < vf; ++dy)
        for (int dx = 0; dx < hf; ++dx)
          s += full.at(x * hf + dx, y * vf + dy);
      out(x, y) = s * norm;
    }
  return out;
}

Samples upsample_fancy(const Samples& sub, int hf, int vf, int out_w, int out_h) {
  Samples out = make(out_w, out_h);
  auto taps = [](int pos, int factor, int size, int& near, int& far) {
    near = std::min(pos / factor, size - 1);
    far = near;
    if (factor == 2) far = std::clamp(pos % 2 == 0 ? near - 1 : near + 1, 0, size - 1);
  };
  for (int y = 0; y < out_h; ++y) {
    int ny, fy;
    taps(y, vf, sub.height, ny, fy);
    const float wy = vf == 2 ? 0.75f : 1.0f;
    for (int x = 0; x < out_w; ++x) {
      int nx, fx;
      taps(x, hf, sub.width, nx, fx);
      const float wx = hf == 2 ? 0.75f : 1.0f;
      out(x, y) = wy * (wx * sub.at(nx, ny) + (1 - wx) * sub.at(fx, ny)) +
                  (1 - wy) * (wx * sub.at(nx, fy) + (1 - wx) * sub.at(fx, fy));
    }
  }
  return out;
}

std::vector<float> transform(const Samples& s) {
  const double pi = std::acos(-1.0);
  double basis[8][8];
  for (int u = 0; u < 8; ++u)
    for (int x = 0; x < 8; ++x)
      basis[u][x] = (u == 0 ? std::sqrt(0.5) : 1.0) / 2.0 * std::cos((2 * x + 1) * u * pi / 16);
  std::vector<float> out;
  for (int by = 0; by < (s.height + 7) / 8; ++by)
    for (int bx = 0; bx < (s.width + 7) / 8; ++bx) {
      double in[64], tmp[64];
      for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x)
          in[y * 8 + x] = static_cast<double>(s.at(bx * 8 + x, by * 8 + y)) - 128.0;
      for (int y = 0; y < 8; ++y)
        for (int u = 0; u < 8; ++u) {
          double sum = 0;
          for (int x = 0; x < 8; ++x)
            sum += basis[u][x] * in[y * 8 + x];
          tmp[y * 8 + u] = sum;
        }
      float block[64];
      for (int u = 0; u < 8; ++u)
        for (int v = 0; v < 8; ++v) {
          double sum = 0;
          for (int y = 0; y < 8; ++y)
            sum += basis[v][y] * tmp[y * 8 + u];
          block[v * 8 + u] = static_cast<float>(sum);
        }
      out.insert(out.end(), block, block + 64);
    }
  return out;
}

// The coefficients of each component.
std::vector<std::vector<float>> prepare(const Image& image, int hf, int vf, int refinements) {
  const int nc = image.channels();
  std::vector<Samples> full(static_cast<std::size_t>(nc), make(image.width, image.height));
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      const std::uint8_t* px = image.row(y) + x * nc;
      if (image.format == PixelFormat::Rgb) {
        const float r = px[0], g = px[1], b = px[2];
        full[0](x, y) = 0.299f * r + 0.587f * g + 0.114f * b;
        full[1](x, y) = -0.168735892f * r - 0.331264108f * g + 0.5f * b + 128.0f;
        full[2](x, y) = 0.5f * r - 0.418687589f * g - 0.081312411f * b + 128.0f;
      } else {
        for (int c = 0; c < nc; ++c)
          full[static_cast<std::size_t>(c)](x, y) = px[c];
      }
    }
  std::vector<std::vector<float>> out;
  if (image.format != PixelFormat::Rgb) {
    for (const auto& s : full)
      out.push_back(transform(s));
    return out;
  }
  out.push_back(transform(full[0]));
  const int cw = (image.width + hf - 1) / hf, ch = (image.height + vf - 1) / vf;
  for (int c = 1; c < 3; ++c) {
    const Samples& whole = full[static_cast<std::size_t>(c)];
    Samples sub = downsample(whole, hf, vf, cw, ch);
    for (int pass = 0; pass < refinements && (hf > 1 || vf > 1); ++pass) {
      const Samples up = upsample_fancy(sub, hf, vf, image.width, image.height);
      Samples error = whole;
      for (std::size_t i = 0; i < error.values.size(); ++i)
        error.values[i] -= up.values[i];
      const Samples correction = downsample(error, hf, vf, cw, ch);
      for (std::size_t i = 0; i < sub.values.size(); ++i)
        sub.values[i] = std::clamp(sub.values[i] + correction.values[i], 0.0f, 255.0f);
    }
    out.push_back(transform(sub));
  }
  return out;
}

}  // namespace reference

}  // namespace

TEST_CASE("prepare equals the plane-based reference coefficient for coefficient", "[encoder]") {
  struct Case {
    Subsampling s;
    int hf, vf;
  };
  const Case cases[] = {{Subsampling::S444, 1, 1},
                        {Subsampling::S422, 2, 1},
                        {Subsampling::S420, 2, 2},
                        {Subsampling::S440, 1, 2}};
  const std::pair<int, int> sizes[] = {{1, 1}, {7, 5}, {16, 16}, {37, 23}, {33, 18}, {64, 49}};
  for (const auto& [w, h] : sizes) {
    for (const PixelFormat format : {PixelFormat::Gray, PixelFormat::Cmyk}) {
      CAPTURE(w, h, static_cast<int>(format));
      const Image img = test_image(w, h, format);
      const auto prepared = encoder::prepare(img, Subsampling::S420);
      const auto expected = reference::prepare(img, 1, 1, 0);
      REQUIRE(prepared.planes().size() == expected.size());
      for (std::size_t c = 0; c < expected.size(); ++c)
        CHECK(std::vector<float>(prepared.planes()[c].coefficients.begin(),
                                 prepared.planes()[c].coefficients.end()) == expected[c]);
    }
    for (const Case& k : cases)
      for (int refinements = 0; refinements <= 2; ++refinements) {
        CAPTURE(w, h, k.hf, k.vf, refinements);
        const Image img = test_image(w, h);
        const auto prepared = encoder::prepare(img, k.s, refinements);
        const auto expected = reference::prepare(img, k.hf, k.vf, refinements);
        REQUIRE(prepared.planes().size() == 3);
        for (std::size_t c = 0; c < 3; ++c) {
          CHECK(prepared.planes()[c].width_in_blocks * prepared.planes()[c].height_in_blocks * 64 ==
                static_cast<int>(expected[c].size()));
          CHECK(std::vector<float>(prepared.planes()[c].coefficients.begin(),
                                   prepared.planes()[c].coefficients.end()) == expected[c]);
        }
      }
  }
}

TEST_CASE("Standard Huffman tables carry the same coefficients as optimized ones", "[encoder]") {
  auto digest = [](const Bytes& jpeg) {
    lossless::Source source(jpeg, Limits{});
    return lossless::coefficient_digest(source);
  };
  encoder::Tuning trellis = encoder::Tuning::best();
  trellis.trellis = true;
  for (const Subsampling s : {Subsampling::S444, Subsampling::S420, Subsampling::S440})
    for (const auto& tuning : {encoder::Tuning::best(), trellis})
      for (const auto& size : {std::pair{37, 23}, std::pair{40, 24}}) {
        CAPTURE(static_cast<int>(s), tuning.trellis, size.first, size.second);
        const auto prepared = encoder::prepare(test_image(size.first, size.second), s);
        const Bytes optimized = encoder::encode(prepared, 80, tuning);
        const Bytes standard = encoder::encode(prepared, 80, tuning, encoder::Entropy::Standard);
        CHECK(standard != optimized);
        CHECK(digest(standard) == digest(optimized));
        CHECK(test::decode_pixels(standard) == test::decode_pixels(optimized));
      }
}

TEST_CASE("encoder coefficients equal those of the encoded JPEG read back", "[encoder]") {
  // The lossless back end gets them without a JPEG in between: the same digest (geometry,
  // colour space, component ids, tables, every coefficient) and the same bytes from every encode.
  const std::pair<int, int> sizes[] = {{1, 1}, {37, 23}, {33, 18}, {64, 49}};
  encoder::Tuning trellis = encoder::Tuning::best();
  trellis.trellis = true;
  struct Kind {
    PixelFormat format;
    Subsampling subsampling;
  };
  const Kind kinds[] = {
      {PixelFormat::Rgb, Subsampling::S420},  {PixelFormat::Rgb, Subsampling::S444},
      {PixelFormat::Rgb, Subsampling::S422},  {PixelFormat::Rgb, Subsampling::S440},
      {PixelFormat::Gray, Subsampling::S420}, {PixelFormat::Cmyk, Subsampling::S444}};
  for (const auto& [w, h] : sizes)
    for (const Kind& k : kinds)
      for (const auto& tuning : {encoder::Tuning::best(), encoder::Tuning::plain(), trellis}) {
        CAPTURE(w, h, static_cast<int>(k.format), static_cast<int>(k.subsampling), tuning.trellis);
        const Image img = test_image(w, h, k.format);
        const Bytes jpeg =
            encoder::encode(img, k.subsampling, 70, tuning, encoder::Entropy::Standard);
        lossless::Source read(jpeg, Limits{});
        const auto direct = encoder::coefficients(img, k.subsampling, 70, tuning);
        CHECK(lossless::coefficient_digest(*direct) == lossless::coefficient_digest(read));
        CHECK(direct->components() == read.components());
        CHECK(direct->blocks_per_mcu() == read.blocks_per_mcu());
        CHECK(lossless::encode(*direct, {}, false) == lossless::encode(read, {}, false));
        CHECK(lossless::encode(*direct, lossless::simple_script(*direct), false) ==
              lossless::encode(read, lossless::simple_script(read), false));
        CHECK(lossless::encode(*direct, {}, true) == lossless::encode(read, {}, true));
        const auto a = lossless::search(*direct, Coding::Auto, Effort::Default, false);
        const auto b = lossless::search(read, Coding::Auto, Effort::Default, false);
        CHECK(a.jpeg == b.jpeg);
        CHECK(a.description == b.description);
      }
}

TEST_CASE("encoding an image directly gives the bytes of encoding its prepared planes",
          "[encoder]") {
  const std::pair<int, int> sizes[] = {{1, 1}, {7, 5}, {37, 23}, {33, 18}, {64, 49}};
  for (const auto& [w, h] : sizes) {
    for (const PixelFormat format : {PixelFormat::Gray, PixelFormat::Cmyk}) {
      CAPTURE(w, h, static_cast<int>(format));
      const Image img = test_image(w, h, format);
      CHECK(encoder::encode(img, Subsampling::S420, 75, encoder::Tuning::best()) ==
            encoder::encode(encoder::prepare(img, Subsampling::S420), 75, encoder::Tuning::best()));
    }
    for (const Subsampling s :
         {Subsampling::S444, Subsampling::S422, Subsampling::S420, Subsampling::S440})
      for (const auto entropy : {encoder::Entropy::Optimized, encoder::Entropy::Standard})
        for (const double q : {40.0, 85.5, 95.0}) {
          CAPTURE(w, h, static_cast<int>(s), static_cast<int>(entropy), q);
          const Image img = test_image(w, h);
          CHECK(encoder::encode(img, s, q, encoder::Tuning::best(), entropy) ==
                encoder::encode(encoder::prepare(img, s), q, encoder::Tuning::best(), entropy));
          CHECK(encoder::encode(img, s, q, encoder::Tuning::plain(), entropy) ==
                encoder::encode(encoder::prepare(img, s), q, encoder::Tuning::plain(), entropy));
        }
  }
  encoder::Tuning trellis = encoder::Tuning::best();
  trellis.trellis = true;
  const Image img = test_image(37, 23);
  CHECK(encoder::encode(img, Subsampling::S420, 60, trellis) ==
        encoder::encode(encoder::prepare(img, Subsampling::S420), 60, trellis));
  CHECK_THROWS_AS(encoder::encode(img, Subsampling::Auto, 60, encoder::Tuning::best()), Error);
}

namespace {

// A gentle gradient with slight noise on the left half, pseudo-random texture of +-`amplitude`
// on the right (where masking applies).
Image half_textured_image(int width, int height, int amplitude = 64) {
  Image img = flat_image(width, height, {0, 0, 0});
  std::uint32_t rng = 777;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) {
        rng = rng * 1664525u + 1013904223u;
        const int noise = static_cast<int>(rng >> 24) % (2 * amplitude + 1) - amplitude;
        const int smooth = 60 + x * 80 / width + y * 40 / height + 20 * c;
        const int v = x < width / 2 ? smooth + noise / 32 : 128 + noise;
        img.row(y)[x * 3 + c] = static_cast<std::uint8_t>(std::clamp(v, 0, 255));
      }
  return img;
}

// Every quantized coefficient of an encode, per component, 64 per block (natural order).
std::vector<std::vector<int>> quantized(const Image& img, double quality,
                                        const encoder::Tuning& tuning) {
  const auto source = encoder::coefficients(img, Subsampling::S420, quality, tuning);
  std::vector<std::vector<int>> out;
  for (const auto& component : source->view()) {
    std::vector<int> values;
    for (int by = 0; by < component.height_in_blocks; ++by)
      for (int bx = 0; bx < component.width_in_blocks; ++bx)
        for (int k = 0; k < 64; ++k)
          values.push_back(component.rows[static_cast<std::size_t>(by)][bx][k]);
    out.push_back(std::move(values));
  }
  return out;
}

std::size_t nonzeros(const std::vector<int>& values) {
  return static_cast<std::size_t>(
      std::count_if(values.begin(), values.end(), [](int v) { return v != 0; }));
}

}  // namespace

TEST_CASE("trellis only lowers magnitudes: by one at a power of two or to zero below two",
          "[encoder]") {
  const Image img = half_textured_image(96, 64);
  encoder::Tuning rounding = encoder::Tuning::best();
  rounding.trellis = false;
  for (double q : {40.0, 75.0, 95.0}) {
    CAPTURE(q);
    const auto plain = quantized(img, q, rounding);
    const auto rdo = quantized(img, q, encoder::Tuning::best());
    REQUIRE(plain.size() == 3);
    std::size_t lowered = 0, zeroed = 0;
    for (std::size_t c = 0; c < plain.size(); ++c)
      for (std::size_t i = 0; i < plain[c].size(); ++i) {
        const int p = plain[c][i], t = rdo[c][i];
        if (i % 64 == 0) {
          REQUIRE(t == p);  // DC keeps plain rounding
          continue;
        }
        if (t == p) continue;
        REQUIRE(p != 0);
        REQUIRE((t == 0 || (t > 0) == (p > 0)));  // never a sign change
        const int a = std::abs(p), b = std::abs(t);
        if (b == 0) {
          REQUIRE(a == 1);  // a coefficient rounding puts at 2 or more is never zeroed
          ++zeroed;
        } else {
          REQUIRE(b == a - 1);
          REQUIRE((a & (a - 1)) == 0);  // only where it saves a magnitude bit
          ++lowered;
        }
      }
    CHECK(zeroed > 0);
    if (q == 95.0) CHECK(lowered > 0);
  }
}

TEST_CASE("trellis lambdas apply per component: luma with lambda and chroma with chroma_lambda",
          "[encoder]") {
  const Image img = half_textured_image(96, 64);
  encoder::Tuning rounding = encoder::Tuning::best();
  rounding.trellis = false;
  encoder::Tuning luma_only = encoder::Tuning::best();
  luma_only.chroma_lambda = 0;
  encoder::Tuning chroma_only = encoder::Tuning::best();
  chroma_only.lambda = 0;
  const auto plain = quantized(img, 60, rounding);
  const auto both = quantized(img, 60, encoder::Tuning::best());
  const auto luma = quantized(img, 60, luma_only);
  const auto chroma = quantized(img, 60, chroma_only);
  CHECK(luma[0] == both[0]);
  CHECK(luma[1] == plain[1]);
  CHECK(luma[2] == plain[2]);
  CHECK(chroma[0] == plain[0]);
  CHECK(chroma[1] == both[1]);
  CHECK(chroma[2] == both[2]);
  CHECK(nonzeros(both[0]) < nonzeros(plain[0]));
  CHECK(nonzeros(both[1]) + nonzeros(both[2]) < nonzeros(plain[1]) + nonzeros(plain[2]));
}

TEST_CASE("trellis masking gives up more in busy blocks than in smooth ones", "[encoder]") {
  const Image img = half_textured_image(128, 64, 24);
  encoder::Tuning unmasked = encoder::Tuning::best();
  unmasked.mask_energy = 0;
  const auto masked_q = quantized(img, 75, encoder::Tuning::best());
  const auto unmasked_q = quantized(img, 75, unmasked);
  // Luma blocks: 16 per row; the left 8 are smooth (a gradient, noise of +-3), the right 8 busy.
  std::size_t smooth_masked = 0, smooth_unmasked = 0, busy_masked = 0, busy_unmasked = 0;
  const std::vector<int>& m = masked_q[0];
  const std::vector<int>& u = unmasked_q[0];
  for (std::size_t block = 0; block < m.size() / 64; ++block) {
    const bool busy = block % 16 >= 8;
    std::size_t nm = 0, nu = 0;
    for (std::size_t k = 1; k < 64; ++k) {
      nm += m[block * 64 + k] != 0;
      nu += u[block * 64 + k] != 0;
    }
    CHECK(nm <= nu);  // masking only raises lambda
    (busy ? busy_masked : smooth_masked) += nm;
    (busy ? busy_unmasked : smooth_unmasked) += nu;
  }
  INFO("smooth " << smooth_unmasked << " -> " << smooth_masked << ", busy " << busy_unmasked
                 << " -> " << busy_masked);
  CHECK(busy_masked < busy_unmasked);
  // In the smooth blocks the AC energy is small next to mask_energy: lambda barely moves.
  CHECK(smooth_unmasked - smooth_masked <= (busy_unmasked - busy_masked) / 10);
}
