#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/exif.hpp"
#include "core/icc.hpp"
#include "core/jpeg_pixels.hpp"
#include "core/metrics.hpp"
#include "jpegopt/error.hpp"
#include "support/run_cli.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;

namespace {

struct Pnm {
  int width = 0, height = 0, channels = 0;
  Bytes pixels;
};

// Parses djpeg's binary PGM/PPM output (maxval 255, no comments).
Pnm parse_pnm(const Bytes& data) {
  Pnm pnm;
  std::size_t pos = 0;
  auto token = [&] {
    while (pos < data.size() && std::isspace(data[pos]))
      ++pos;
    std::string t;
    while (pos < data.size() && !std::isspace(data[pos]))
      t += static_cast<char>(data[pos++]);
    return t;
  };
  const std::string magic = token();
  REQUIRE((magic == "P5" || magic == "P6"));
  pnm.channels = magic == "P5" ? 1 : 3;
  pnm.width = std::stoi(token());
  pnm.height = std::stoi(token());
  REQUIRE(token() == "255");
  ++pos;  // the single whitespace byte before the samples
  pnm.pixels.assign(data.begin() + static_cast<std::ptrdiff_t>(pos), data.end());
  return pnm;
}

Pnm djpeg(const fs::path& jpeg, int scale_denom) {
  TempDir dir;
  const auto out = dir / "out.pnm";
  const auto result = run_shell("djpeg -scale 1/" + std::to_string(scale_denom) + " -outfile " +
                                shell_quote(out.string()) + " " + shell_quote(jpeg.string()));
  REQUIRE(result.exit_code == 0);
  return parse_pnm(read_bytes(out));
}

}  // namespace

TEST_CASE("jpeg_pixels: decode equals djpeg for every sample and DCT scale", "[pixels]") {
  if (!have_program("djpeg")) return;  // djpeg (libjpeg-turbo-progs) is the reference decoder
  for (const auto& path : sample_jpegs()) {
    const Bytes jpeg = read_bytes(path);
    for (int denom : {1, 2, 4, 8}) {
      INFO(path.filename().string() << " 1/" << denom);
      const Image image = jpeg_pixels::decode(jpeg, Limits{}, denom);
      const Pnm reference = djpeg(path, denom);
      CHECK(image.width == reference.width);
      CHECK(image.height == reference.height);
      CHECK(image.channels() == reference.channels);
      CHECK(image.pixels == reference.pixels);
    }
  }
}

TEST_CASE("jpeg_pixels: scaled dimensions round up", "[pixels]") {
  SynthSpec spec;
  spec.width = 61;
  spec.height = 35;
  const Bytes jpeg = make_jpeg(spec);
  const std::vector<std::pair<int, int>> expected = {{61, 35}, {31, 18}, {16, 9}, {8, 5}};
  int i = 0;
  for (int denom : {1, 2, 4, 8}) {
    const Image image = jpeg_pixels::decode(jpeg, Limits{}, denom);
    CHECK(image.width == expected[static_cast<std::size_t>(i)].first);
    CHECK(image.height == expected[static_cast<std::size_t>(i)].second);
    CHECK(image.pixels.size() == image.stride() * static_cast<std::size_t>(image.height));
    ++i;
  }
  CHECK_THROWS_MATCHES(jpeg_pixels::decode(jpeg, Limits{}, 3), Error,
                       Catch::Predicate<Error>(
                           [](const Error& e) { return e.code() == ErrorCode::InvalidArgument; }));
}

TEST_CASE("jpeg_pixels: formats by colour space", "[pixels]") {
  SynthSpec spec;
  spec.components = 1;
  Image gray = jpeg_pixels::decode(make_jpeg(spec), Limits{});
  CHECK(gray.format == PixelFormat::Gray);
  CHECK(gray.pixels.size() == 64u * 48u);

  spec.components = 3;
  CHECK(jpeg_pixels::decode(make_jpeg(spec), Limits{}).format == PixelFormat::Rgb);

  spec.components = 4;
  spec.h = spec.v = 1;
  const Bytes cmyk = make_jpeg(spec);
  const Image image = jpeg_pixels::decode(cmyk, Limits{});
  CHECK(image.format == PixelFormat::Cmyk);
  CHECK(image.channels() == 4);
  CHECK(image.pixels.size() == 64u * 48u * 4u);
  const auto header = jpeg_pixels::read_header(cmyk, Limits{});
  CHECK(header.format == PixelFormat::Cmyk);
  CHECK(header.components == 4);
  CHECK(header.width == 64);
  CHECK(header.height == 48);
}

TEST_CASE("jpeg_pixels: streamed luma SSIM equals the SSIM of the decoded image", "[pixels]") {
  for (const int components : {1, 3}) {
    for (const int h : {1, 2}) {
      SynthSpec spec;
      spec.components = components;
      spec.h = spec.v = h;
      spec.quality = 40;
      const Bytes jpeg = make_jpeg(spec);
      Image source;
      source.width = 64;
      source.height = 48;
      source.format = components == 1 ? PixelFormat::Gray : PixelFormat::Rgb;
      source.pixels = synth_pixels(spec);
      const double streamed = jpeg_pixels::ssim_luma(source, jpeg, Limits{});
      CHECK(streamed == metrics::ssim_luma(source, jpeg_pixels::decode(jpeg, Limits{})));
      CHECK(streamed < 1.0);
      CHECK(streamed > 0.5);
    }
  }
  SynthSpec spec;
  const Bytes jpeg = make_jpeg(spec);
  Image wrong;
  wrong.width = 65;
  wrong.height = 48;
  wrong.pixels.resize(wrong.stride() * 48);
  CHECK_THROWS_MATCHES(jpeg_pixels::ssim_luma(wrong, jpeg, Limits{}), Error,
                       Catch::Predicate<Error>(
                           [](const Error& e) { return e.code() == ErrorCode::InvalidArgument; }));
  const Bytes cut(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() / 2));
  Image source;
  source.width = 64;
  source.height = 48;
  source.pixels = synth_pixels(spec);
  CHECK_THROWS_AS(jpeg_pixels::ssim_luma(source, cut, Limits{}), Error);
}

TEST_CASE("jpeg_pixels: one decode gives the SSIM and the coefficient digest", "[pixels]") {
  for (const bool progressive : {false, true})
    for (const bool arithmetic : {false, true})
      for (const int components : {1, 3, 4}) {
        CAPTURE(progressive, arithmetic, components);
        SynthSpec spec;
        spec.components = components;
        spec.h = spec.v = components == 3 ? 2 : 1;
        spec.quality = 50;
        spec.progressive = progressive;
        spec.arithmetic = arithmetic;
        spec.width = 61;
        spec.height = 35;
        const Bytes jpeg = make_jpeg(spec);
        Image source;
        source.width = spec.width;
        source.height = spec.height;
        source.format = components == 1   ? PixelFormat::Gray
                        : components == 3 ? PixelFormat::Rgb
                                          : PixelFormat::Cmyk;
        source.pixels = synth_pixels(spec);
        const auto both = jpeg_pixels::ssim_luma_and_digest(source, jpeg, Limits{});
        CHECK(both.ssim == jpeg_pixels::ssim_luma(source, jpeg, Limits{}));
        lossless::Source read(jpeg, Limits{});
        CHECK(both.digest == lossless::coefficient_digest(read));
        CHECK(both.ssim > 0);
      }
  SynthSpec spec;
  spec.progressive = true;
  const Bytes jpeg = make_jpeg(spec);
  const Bytes cut(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() / 2));
  Image source;
  source.width = 64;
  source.height = 48;
  source.pixels = synth_pixels(spec);
  CHECK_THROWS_AS(jpeg_pixels::ssim_luma_and_digest(source, cut, Limits{}), Error);
}

TEST_CASE("jpeg_pixels: ICC profile and EXIF orientation", "[pixels]") {
  const Image rocket =
      jpeg_pixels::decode(read_bytes(samples_dir() / "skimage-rocket-640x427-444-icc.jpg"), {});
  REQUIRE_FALSE(rocket.icc.empty());
  CHECK(icc::describe(rocket.icc).description == "Adobe RGB (1998)");
  CHECK(rocket.orientation == 1);

  SynthSpec spec;
  const Bytes plain = make_jpeg(spec);
  const Bytes oriented = insert_segment(plain, 0xE1, exif::minimal_orientation_segment(6));
  const Image image = jpeg_pixels::decode(oriented, Limits{});
  CHECK(image.orientation == 6);
  CHECK(image.icc.empty());
  CHECK(image.pixels == jpeg_pixels::decode(plain, Limits{}).pixels);
}

TEST_CASE("jpeg_pixels: damaged data and limits are errors", "[pixels]") {
  const Bytes jpeg = read_bytes(samples_dir() / "mate-freshflower-1600x1203-420-progressive.jpg");
  auto code_of = [](ByteView data, const Limits& limits) {
    try {
      jpeg_pixels::decode(data, limits);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::Internal;  // no error: the checks below then fail
  };
  CHECK(code_of(ByteView(jpeg).first(jpeg.size() / 2), Limits{}) == ErrorCode::Truncated);
  Limits small;
  small.max_pixels = 1600 * 1203 - 1;
  CHECK(code_of(jpeg, small) == ErrorCode::TooLarge);
  const Bytes png_bytes = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  CHECK(code_of(png_bytes, Limits{}) == ErrorCode::NotJpeg);

  // Garbage in the entropy-coded data of a baseline file: a warning, raised as an error.
  Bytes corrupt = read_bytes(samples_dir() / "eterm-circuit-300x231-420-baseline-stdhuff.jpg");
  for (std::size_t i = corrupt.size() / 2; i < corrupt.size() / 2 + 64; ++i)
    corrupt[i] = 0xFF;
  const ErrorCode code = code_of(corrupt, Limits{});
  CHECK((code == ErrorCode::CorruptData || code == ErrorCode::Truncated));
}
