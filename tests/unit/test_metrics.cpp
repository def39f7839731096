#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

#include "core/metrics.hpp"
#include "jpegopt/error.hpp"

using namespace jpegopt;

namespace {

Image pattern(int w, int h, PixelFormat format, std::uint32_t seed) {
  Image im;
  im.width = w;
  im.height = h;
  im.format = format;
  im.pixels.resize(im.stride() * static_cast<std::size_t>(h));
  std::mt19937 rng(seed);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < im.channels(); ++c)
        im.row(y)[x * im.channels() + c] =
            static_cast<std::uint8_t>((x * 7 + y * 3 + c * 50) % 200 + rng() % 40);
  return im;
}

Image with_noise(const Image& im, int amplitude, std::uint32_t seed) {
  Image out = im;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(-amplitude, amplitude);
  for (auto& v : out.pixels)
    v = static_cast<std::uint8_t>(std::clamp(v + noise(rng), 0, 255));
  return out;
}

// Wang et al.'s SSIM written directly (2-D window, double precision) on one plane.
double reference_ssim(const std::vector<double>& a, const std::vector<double>& b, int w, int h) {
  double window[11][11];
  double total = 0;
  for (int i = 0; i < 11; ++i)
    for (int j = 0; j < 11; ++j) {
      window[i][j] = std::exp(-((i - 5) * (i - 5) + (j - 5) * (j - 5)) / (2 * 1.5 * 1.5));
      total += window[i][j];
    }
  const double c1 = 6.5025, c2 = 58.5225;
  double sum = 0;
  int count = 0;
  for (int y = 0; y + 11 <= h; ++y)
    for (int x = 0; x + 11 <= w; ++x) {
      double ma = 0, mb = 0, aa = 0, bb = 0, ab = 0;
      for (int i = 0; i < 11; ++i)
        for (int j = 0; j < 11; ++j) {
          const double wt = window[i][j] / total;
          const double va = a[static_cast<std::size_t>((y + i) * w + x + j)];
          const double vb = b[static_cast<std::size_t>((y + i) * w + x + j)];
          ma += wt * va;
          mb += wt * vb;
          aa += wt * va * va;
          bb += wt * vb * vb;
          ab += wt * va * vb;
        }
      const double va = aa - ma * ma, vb = bb - mb * mb, cov = ab - ma * mb;
      sum += (2 * ma * mb + c1) * (2 * cov + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      ++count;
    }
  return sum / count;
}

std::vector<double> plane(const Image& im, int c) {
  std::vector<double> out;
  for (std::size_t i = static_cast<std::size_t>(c); i < im.pixels.size();
       i += static_cast<std::size_t>(im.channels()))
    out.push_back(im.pixels[i]);
  return out;
}

std::vector<double> luma(const Image& im) {
  std::vector<double> out;
  for (std::size_t i = 0; i < im.pixels.size(); i += 3)
    out.push_back(0.299 * im.pixels[i] + 0.587 * im.pixels[i + 1] + 0.114 * im.pixels[i + 2]);
  return out;
}

}  // namespace

TEST_CASE("metrics: identical images", "[metrics]") {
  const Image im = pattern(40, 30, PixelFormat::Rgb, 1);
  const auto c = metrics::compare(im, im);
  CHECK(std::isinf(c.psnr));
  CHECK(c.psnr > 0);
  CHECK(c.ssim == 1.0);
  CHECK(c.ssim_luma == 1.0);
  REQUIRE(c.ssim_channels.size() == 3);
  for (double s : c.ssim_channels)
    CHECK(s == 1.0);
  CHECK(c.max_abs_diff == 0);
  CHECK(metrics::ssim_luma(im, im) == 1.0);
}

TEST_CASE("metrics: PSNR and max difference of a one-sample change", "[metrics]") {
  const Image a = pattern(20, 20, PixelFormat::Rgb, 2);
  Image b = a;
  b.row(7)[3 * 5 + 1] = static_cast<std::uint8_t>(b.row(7)[3 * 5 + 1] + 10);
  const auto c = metrics::compare(a, b);
  // MSE = 10² / (20·20·3 samples).
  CHECK(c.psnr == Approx(10 * std::log10(255.0 * 255.0 / (100.0 / 1200.0))).epsilon(1e-12));
  CHECK(c.max_abs_diff == 10);
  CHECK(c.ssim < 1.0);
  CHECK(c.ssim_channels[0] == 1.0);  // red and blue are untouched
  CHECK(c.ssim_channels[1] < 1.0);
  CHECK(c.ssim_channels[2] == 1.0);
}

TEST_CASE("metrics: SSIM matches a direct 2-D implementation", "[metrics]") {
  const Image a = pattern(37, 29, PixelFormat::Rgb, 3);
  const Image b = with_noise(a, 25, 4);
  const auto c = metrics::compare(a, b);
  CHECK(c.ssim_luma == Approx(reference_ssim(luma(a), luma(b), 37, 29)).epsilon(1e-5));
  for (int ch = 0; ch < 3; ++ch)
    CHECK(c.ssim_channels[static_cast<std::size_t>(ch)] ==
          Approx(reference_ssim(plane(a, ch), plane(b, ch), 37, 29)).epsilon(1e-5));
  CHECK(metrics::ssim_luma(a, b) == c.ssim_luma);

  // Flat images: the variance terms vanish and SSIM is the luminance term alone (the moments
  // are float sums, good to about 1e-5 of SSIM).
  Image f1 = pattern(16, 16, PixelFormat::Gray, 5), f2 = f1;
  std::fill(f1.pixels.begin(), f1.pixels.end(), 100);
  std::fill(f2.pixels.begin(), f2.pixels.end(), 110);
  CHECK(metrics::compare(f1, f2).ssim ==
        Approx((2 * 100 * 110 + 6.5025) / (100 * 100 + 110 * 110 + 6.5025)).epsilon(1e-5));
}

TEST_CASE("metrics: SSIM falls as noise grows", "[metrics]") {
  const Image a = pattern(64, 48, PixelFormat::Rgb, 6);
  const double s1 = metrics::compare(a, with_noise(a, 4, 7)).ssim;
  const double s2 = metrics::compare(a, with_noise(a, 16, 7)).ssim;
  const double s3 = metrics::compare(a, with_noise(a, 64, 7)).ssim;
  CHECK(s1 < 1.0);
  CHECK(s2 < s1);
  CHECK(s3 < s2);
  CHECK(s3 > 0.0);
}

TEST_CASE("metrics: gray against RGB - small images - size mismatch", "[metrics]") {
  const Image gray = pattern(20, 12, PixelFormat::Gray, 8);
  Image rgb = gray;
  rgb.format = PixelFormat::Rgb;
  rgb.pixels.clear();
  for (std::uint8_t v : gray.pixels)
    rgb.pixels.insert(rgb.pixels.end(), {v, v, v});
  const auto c = metrics::compare(gray, rgb);
  CHECK(std::isinf(c.psnr));
  CHECK(c.ssim_channels.size() == 3);
  CHECK(c.ssim_luma == Approx(1.0).epsilon(1e-6));

  const auto g = metrics::compare(gray, gray);
  CHECK(g.ssim_channels.size() == 1);

  const Image tiny = pattern(5, 3, PixelFormat::Rgb, 9);  // smaller than the 11×11 window
  CHECK(metrics::compare(tiny, tiny).ssim == 1.0);
  CHECK(metrics::compare(tiny, with_noise(tiny, 30, 1)).ssim < 1.0);

  const Image other = pattern(21, 12, PixelFormat::Gray, 8);
  CHECK_THROWS_MATCHES(metrics::compare(gray, other), Error,
                       Catch::Predicate<Error>(
                           [](const Error& e) { return e.code() == ErrorCode::InvalidArgument; }));
}

TEST_CASE("metrics: LumaSsim row by row equals ssim_luma - row count checked", "[metrics]") {
  const Image a = pattern(37, 23, PixelFormat::Rgb, 10);
  for (const PixelFormat format : {PixelFormat::Rgb, PixelFormat::Gray}) {
    Image b = with_noise(pattern(37, 23, format, 11), 20, 2);
    metrics::LumaSsim s(a, b.format, b.width, b.height);
    for (int y = 0; y < b.height; ++y)
      s.add_row(b.row(y));
    const double streamed = s.finish();
    CHECK(streamed == metrics::ssim_luma(a, b));
    CHECK(streamed == metrics::compare(a, b).ssim_luma);
  }
  const auto code_is = [](ErrorCode code) {
    return Catch::Predicate<Error>([code](const Error& e) { return e.code() == code; });
  };
  metrics::LumaSsim short_of_rows(a, PixelFormat::Rgb, a.width, a.height);
  short_of_rows.add_row(a.row(0));
  CHECK_THROWS_MATCHES(short_of_rows.finish(), Error, code_is(ErrorCode::Internal));
  metrics::LumaSsim full(a, PixelFormat::Rgb, a.width, a.height);
  for (int y = 0; y < a.height; ++y)
    full.add_row(a.row(y));
  CHECK_THROWS_MATCHES(full.add_row(a.row(0)), Error, code_is(ErrorCode::Internal));
  CHECK(full.finish() == 1.0);
  CHECK_THROWS_MATCHES(metrics::LumaSsim(a, PixelFormat::Rgb, a.width + 1, a.height), Error,
                       code_is(ErrorCode::InvalidArgument));
  CHECK_THROWS_MATCHES(metrics::LumaSsim(a, PixelFormat::Cmyk, a.width, a.height), Error,
                       code_is(ErrorCode::InvalidArgument));
}

// The exact bits of SSIM as computed before the speed-ups of the filter and the luma (blocked
// vertical pass, luma_row compiled for AVX2 too): the arithmetic must stay the same, operation for
// operation, so that reports and --json output do not move. Covers several column blocks plus a
// tail, a window smaller than 11×11 in both axes and in one, gray and CMYK.
TEST_CASE("metrics: SSIM values are pinned to the bit", "[metrics]") {
  struct Case {
    int w, h;
    PixelFormat format;
    double luma;
    std::vector<double> channels;
  };
  const Case cases[] = {
      {150,
       70,
       PixelFormat::Rgb,
       0x1.ce4d38b777777p-1,
       {0x1.b5244ba8a7bdbp-1, 0x1.b4e779587120bp-1, 0x1.b515e30656cbdp-1}},
      {5, 3, PixelFormat::Rgb, 0x1.af2b6p-1, {0x1.5473fcp-1, 0x1.86e2fcp-1, 0x1.716f4ap-1}},
      {30, 8, PixelFormat::Gray, 0x1.ab25354cccccdp-1, {0x1.ab25354cccccdp-1}},
      {40,
       20,
       PixelFormat::Cmyk,
       0x1.d1bf23eb851ecp-1,
       {0x1.af0f20ddddddep-1, 0x1.b58a3d1b4e81bp-1, 0x1.b9ba09147ae14p-1, 0x1.b8d10eae147aep-1}},
  };
  for (const Case& c : cases) {
    const Image a = pattern(c.w, c.h, c.format, 11);
    const Image b = with_noise(a, 20, 12);
    const auto r = metrics::compare(a, b);
    CHECK(r.ssim_luma == c.luma);
    CHECK(metrics::ssim_luma(a, b) == c.luma);
    CHECK(r.ssim_channels == c.channels);
  }
}
