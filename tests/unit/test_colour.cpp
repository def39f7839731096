#include <catch2/catch.hpp>

#include <lcms2.h>

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>

#include "core/colour.hpp"
#include "core/jpeg_pixels.hpp"
#include "core/metrics.hpp"
#include "jpegopt/error.hpp"
#include "support/run_cli.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;

namespace {

const char* kRocket = "skimage-rocket-640x427-444-icc.jpg";

ErrorCode code_of(Image image) {
  try {
    colour::to_srgb(image);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;  // no error: the CHECK comparing codes then fails
}

// lcms2's transicc (liblcms2-utils) on a list of pixel values, in floating point: the reference.
std::vector<int> transicc(const fs::path& profile, const std::vector<int>& values, int channels,
                          const std::string& extra = "") {
  TempDir dir;
  std::ostringstream input;
  for (std::size_t i = 0; i < values.size(); i += static_cast<std::size_t>(channels)) {
    for (int c = 0; c < channels; ++c)
      input << values[i + static_cast<std::size_t>(c)] << ' ';
    input << '\n';
  }
  const std::string text = input.str();
  write_bytes(dir / "in.txt", Bytes(text.begin(), text.end()));
  const auto result =
      run_shell("transicc -n -s -t1 -b " + extra + " -i" + shell_quote(profile.string()) + " < " +
                shell_quote((dir / "in.txt").string()));
  REQUIRE(result.exit_code == 0);
  std::istringstream output(result.out);
  std::vector<int> out;
  double v = 0;
  while (output >> v)
    out.push_back(static_cast<int>(std::lround(v)));
  return out;
}

}  // namespace

TEST_CASE("colour: Adobe RGB to sRGB matches lcms2's transicc", "[colour]") {
  const Image source = jpeg_pixels::decode(read_bytes(samples_dir() / kRocket), {});
  REQUIRE_FALSE(source.icc.empty());
  CHECK_FALSE(colour::is_srgb_profile(source.icc));
  Image image = source;
  colour::to_srgb(image);
  CHECK(image.icc.empty());
  CHECK(image.format == PixelFormat::Rgb);
  CHECK(image.width == source.width);
  CHECK(image.height == source.height);
  CHECK(metrics::compare(source, image).max_abs_diff > 10);  // the colours really moved

  if (!have_program("transicc")) return;
  TempDir dir;
  write_bytes(dir / "adobe.icc", source.icc);
  std::vector<int> values, ours;
  for (std::size_t px = 0; px < source.pixels.size() / 3; px += 53)
    for (std::size_t c = 0; c < 3; ++c) {
      values.push_back(source.pixels[px * 3 + c]);
      ours.push_back(image.pixels[px * 3 + c]);
    }
  const std::vector<int> reference = transicc(dir / "adobe.icc", values, 3);
  REQUIRE(reference.size() == ours.size());
  int max_diff = 0;
  for (std::size_t i = 0; i < ours.size(); ++i)
    max_diff = std::max(max_diff, std::abs(ours[i] - reference[i]));
  CHECK(max_diff <= 1);  // lcms2's 8-bit fixed-point path against its own float path
}

TEST_CASE("colour: jpgicc agrees after its own JPEG re-encode", "[colour]") {
  if (!have_program("jpgicc")) return;
  TempDir dir;
  const auto out = dir / "srgb.jpg";
  REQUIRE(run_shell("jpgicc -t1 -b -q100 " + shell_quote((samples_dir() / kRocket).string()) + " " +
                    shell_quote(out.string()))
              .exit_code == 0);
  Image ours = jpeg_pixels::decode(read_bytes(samples_dir() / kRocket), {});
  colour::to_srgb(ours);
  const Image theirs = jpeg_pixels::decode(read_bytes(out), {});
  const auto c = metrics::compare(ours, theirs);
  // jpgicc writes 4:2:0 at quality 100, so fine chroma differs; the colours must agree.
  CHECK(c.psnr > 38);
  CHECK(c.ssim_luma > 0.995);
}

TEST_CASE("colour: no profile - sRGB profiles and errors", "[colour]") {
  SynthSpec spec;
  const Image plain = jpeg_pixels::decode(make_jpeg(spec), {});
  Image image = plain;
  colour::to_srgb(image);
  CHECK(image.pixels == plain.pixels);
  CHECK(colour::is_srgb_profile({}));

  const Image screenshot = jpeg_pixels::decode(
      read_bytes(samples_dir() /
                 "debian-plasma-screenshot-1920x1080-444-progressive-exif-xmp-icc.jpg"),
      {});
  REQUIRE_FALSE(screenshot.icc.empty());
  CHECK(colour::is_srgb_profile(screenshot.icc));
  Image converted = screenshot;
  colour::to_srgb(converted);
  CHECK(converted.icc.empty());
  CHECK(converted.pixels == screenshot.pixels);

  spec.components = 4;
  spec.h = spec.v = 1;
  const Image cmyk = jpeg_pixels::decode(make_jpeg(spec), {});
  CHECK(code_of(cmyk) == ErrorCode::Unsupported);

  Image garbage = plain;
  garbage.icc = Bytes(200, 7);
  CHECK(code_of(garbage) == ErrorCode::CorruptMetadata);
  CHECK_FALSE(colour::is_srgb_profile(garbage.icc));

  Image mismatch = jpeg_pixels::decode(read_bytes(samples_dir() / kRocket), {});
  mismatch.format = PixelFormat::Gray;  // an RGB profile on grey pixels
  mismatch.pixels.resize(mismatch.pixels.size() / 3);
  CHECK(code_of(mismatch) == ErrorCode::CorruptMetadata);
}

TEST_CASE("colour: grey profiles convert to the sRGB tone curve", "[colour]") {
  // A grey profile with a pure 2.2 gamma, made with lcms2.
  cmsToneCurve* gamma = cmsBuildGamma(nullptr, 2.2);
  cmsHPROFILE profile = cmsCreateGrayProfile(cmsD50_xyY(), gamma);
  cmsUInt32Number size = 0;
  REQUIRE(cmsSaveProfileToMem(profile, nullptr, &size));
  Bytes icc(size);
  REQUIRE(cmsSaveProfileToMem(profile, icc.data(), &size));
  cmsCloseProfile(profile);
  cmsFreeToneCurve(gamma);

  Image image;
  image.width = 256;
  image.height = 1;
  image.format = PixelFormat::Gray;
  for (int v = 0; v < 256; ++v)
    image.pixels.push_back(static_cast<std::uint8_t>(v));
  image.icc = icc;
  colour::to_srgb(image);
  CHECK(image.format == PixelFormat::Gray);
  CHECK(image.icc.empty());
  int max_diff = 0;
  for (int v = 0; v < 256; ++v) {
    const double lin = std::pow(v / 255.0, 2.2);
    const double s = lin <= 0.0031308 ? 12.92 * lin : 1.055 * std::pow(lin, 1 / 2.4) - 0.055;
    max_diff = std::max(max_diff, std::abs(int{image.pixels[static_cast<std::size_t>(v)]} -
                                           static_cast<int>(std::lround(s * 255))));
  }
  CHECK(max_diff <= 1);
  CHECK(image.pixels[0] == 0);
  CHECK(image.pixels[255] == 255);
}

TEST_CASE("colour: CMYK with a profile becomes sRGB", "[colour]") {
  const fs::path cmyk_profile = "/usr/share/color/icc/ghostscript/default_cmyk.icc";
  if (!fs::exists(cmyk_profile) || !have_program("transicc")) return;  // optional reference data
  Image image;
  image.width = 4;
  image.height = 1;
  image.format = PixelFormat::Cmyk;
  // Inverted (Adobe) CMYK: 255 = no ink. White paper, full black, 50% cyan, a brown.
  image.pixels = {255, 255, 255, 255, 255, 255, 255, 0, 128, 255, 255, 255, 200, 100, 50, 180};
  image.icc = read_bytes(cmyk_profile);
  const Image source = image;
  colour::to_srgb(image);
  REQUIRE(image.format == PixelFormat::Rgb);
  std::vector<int> percent;  // transicc takes ink percentages
  for (std::uint8_t v : source.pixels)
    percent.push_back((255 - v) * 100 / 255);
  // Rounded percentages are only close to the 8-bit values: allow for that.
  const std::vector<int> reference = transicc(cmyk_profile, percent, 4);
  REQUIRE(reference.size() == 12);
  for (std::size_t i = 0; i < 12; ++i)
    CHECK(std::abs(int{image.pixels[i]} - reference[i]) <= 3);
  CHECK(image.pixels[0] >= 250);  // paper white maps to (near) white with relative colorimetric
  CHECK(image.pixels[3] <= 40);   // BPC maps the profile's black to (near) black
}
