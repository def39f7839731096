#include <catch2/catch.hpp>

#include <cstring>

#include "core/jpeg_file.hpp"
#include "core/jpeg_pixels.hpp"
#include "core/metrics.hpp"
#include "core/png_reader.hpp"
#include "core/target.hpp"
#include "jpegopt/error.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;

namespace {

Options with_target(std::uint64_t bytes) {
  Options o;
  o.target.max_size = SizeLimit{bytes, 0};
  return o;
}

}  // namespace

TEST_CASE("target: the lossless rewrite is taken when it fits - pixels untouched", "[target]") {
  for (const auto& path : sample_jpegs()) {
    INFO(path);
    const Bytes input = read_bytes(path);
    const Outcome lossless = optimize(input, Options{});
    REQUIRE(lossless.status == FileStatus::Optimized);
    // Exactly the lossless size: it fits, so nothing is re-encoded.
    const Outcome o = fit_target(input, with_target(lossless.bytes.size()));
    CHECK(o.status == FileStatus::Optimized);
    CHECK(o.mode == Mode::Target);
    CHECK(o.bytes == lossless.bytes);
    CHECK(o.pixels_identical);
    CHECK_FALSE(o.quality);
    CHECK(o.trials == 0);
    CHECK(decode_pixels(o.bytes) == decode_pixels(input));
    // process() dispatches to the same path.
    CHECK(process(input, with_target(lossless.bytes.size())).bytes == lossless.bytes);
  }
}

TEST_CASE("target: a percentage resolves against the input size", "[target]") {
  const Bytes input = read_bytes(samples_dir() / "mate-wood-2560x1920-422-exif-stdhuff.jpg");
  const Outcome lossless = optimize(input, Options{});
  Options o;
  o.target.max_size = SizeLimit{0, 99.9};  // the lossless rewrite saves more than 0.1%
  REQUIRE(lossless.bytes.size() <= input.size() * 999 / 1000);
  const Outcome out = fit_target(input, o);
  CHECK(out.bytes == lossless.bytes);
  CHECK(out.mode == Mode::Target);
}

namespace {

// Width and height from the frame header of a JPEG.
std::pair<int, int> jpeg_dimensions(ByteView jpeg) {
  for (std::size_t i = 2; i + 9 < jpeg.size();) {
    if (jpeg[i] != 0xFF) return {0, 0};
    const std::uint8_t m = jpeg[i + 1];
    const std::size_t len = (std::size_t{jpeg[i + 2]} << 8) | jpeg[i + 3];
    if (m == 0xC0 || m == 0xC1 || m == 0xC2)
      return {(jpeg[i + 7] << 8) | jpeg[i + 8], (jpeg[i + 5] << 8) | jpeg[i + 6]};
    i += 2 + len;
  }
  return {0, 0};
}

const char* kGridSamples[] = {
    "debian-softwaves-login-900x506-444-progressive.jpg",
    "eterm-circuit-300x231-420-baseline-stdhuff.jpg",
    "gimp-kitten-gray-350x350-baseline.jpg",
    "mate-freshflower-1600x1203-420-progressive.jpg",
    "skimage-rocket-640x427-444-icc.jpg",
    "debian-plasma-screenshot-1920x1080-444-progressive-exif-xmp-icc.jpg",
};

}  // namespace

TEST_CASE("target: every output fits - for a grid of targets", "[target]") {
  for (const char* name : kGridSamples) {
    const Bytes input = read_bytes(samples_dir() / name);
    const std::size_t lossless_size = optimize(input, Options{}).bytes.size();
    for (double share : {0.85, 0.5, 0.3, 0.12}) {
      const auto limit = static_cast<std::uint64_t>(static_cast<double>(input.size()) * share);
      INFO(name << ", target " << limit);
      const Outcome o = fit_target(input, with_target(limit));
      CHECK(o.mode == Mode::Target);
      REQUIRE(o.status == FileStatus::Optimized);
      CHECK(o.bytes.size() <= limit);
      CHECK(o.bytes_out == o.bytes.size());
      if (lossless_size <= limit) {
        CHECK(o.pixels_identical);
        continue;
      }
      // Re-encoded: a real JPEG of the reported size, at or above the quality floor.
      REQUIRE(o.quality);
      CHECK(*o.quality >= 50);
      CHECK(*o.quality <= 100);
      CHECK(o.trials >= 1);
      CHECK(o.trials <= 40);
      const auto [w, h] = jpeg_dimensions(o.bytes);
      CHECK(w == o.width);
      CHECK(h == o.height);
      CHECK_FALSE(decode_pixels(o.bytes).empty());
      // Full size whenever the floor quality fits there: then the result is close to the limit.
      if (w == jpeg_dimensions(input).first)
        CHECK((static_cast<double>(o.bytes.size()) >= 0.97 * static_cast<double>(limit) ||
               *o.quality >= 99.9));
    }
  }
}

TEST_CASE("target: kept metadata counts - and a non-sRGB ICC profile survives", "[target]") {
  const Bytes input = read_bytes(samples_dir() / "skimage-rocket-640x427-444-icc.jpg");
  const Outcome o = fit_target(input, with_target(40000));
  REQUIRE(o.status == FileStatus::Optimized);
  CHECK(o.bytes.size() <= 40000);
  bool icc = false;
  for (const auto& seg : metadata_segments(o.bytes))
    icc =
        icc || (seg[1] == 0xE2 && seg.size() > 16 && std::memcmp(&seg[4], "ICC_PROFILE", 11) == 0);
  CHECK(icc);
  // Without the profile the same limit still holds.
  Options all = with_target(40000);
  all.metadata = MetadataPolicy::all();
  const Outcome stripped = fit_target(input, all);
  CHECK(stripped.bytes.size() <= 40000);
  CHECK(metadata_segments(stripped.bytes).empty());
}

TEST_CASE("target: downscaling keeps the aspect ratio and only happens when allowed", "[target]") {
  const Bytes input = read_bytes(samples_dir() / "mate-freshflower-1600x1203-420-progressive.jpg");
  const Outcome o = fit_target(input, with_target(8000));
  REQUIRE(o.status == FileStatus::Optimized);
  CHECK(o.bytes.size() <= 8000);
  CHECK(o.width < 1600);
  CHECK(o.height < 1203);
  CHECK(std::abs(static_cast<double>(o.width) / o.height - 1600.0 / 1203) < 0.02);
  REQUIRE(o.quality);
  CHECK(*o.quality >= 50);

  Options no_resize = with_target(8000);
  no_resize.target.allow_resize = false;
  try {
    fit_target(input, no_resize);
    FAIL("expected target_unreachable");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::TargetUnreachable);
    const std::string m = e.what();
    CHECK(m.rfind("cannot reach 8000 bytes: smallest is ", 0) == 0);
    CHECK(m.ends_with(" bytes at quality 50, 1600x1203"));
  }
}

namespace {

// The full-size file at the floor quality: what --no-resize reports as the smallest it reaches.
std::size_t full_size_floor(const Bytes& input) {
  Options o = with_target(1000);
  o.target.allow_resize = false;
  try {
    fit_target(input, o);
  } catch (const Error& e) {
    const std::string m = e.what();
    const auto at = m.find("smallest is ");
    if (at != std::string::npos) return std::stoul(m.substr(at + 12));
  }
  return 0;
}

}  // namespace

TEST_CASE("target: a large photo's downscale fits - keeps the aspect ratio - in few trials",
          "[target]") {
  // 4.9 MP: large enough for the full-size estimate from sampled bands, so the downscale starts
  // without the full-size search; the size search over scales stops close under the limit.
  const Bytes input = read_bytes(samples_dir() / "mate-wood-2560x1920-422-exif-stdhuff.jpg");
  for (const std::uint64_t limit : {40000, 80000, 140000}) {
    INFO("target " << limit);
    const Outcome o = fit_target(input, with_target(limit));
    REQUIRE(o.status == FileStatus::Optimized);
    CHECK(o.bytes.size() <= limit);
    CHECK(static_cast<double>(o.bytes.size()) >= 0.9 * static_cast<double>(limit));
    const auto [w, h] = jpeg_dimensions(o.bytes);
    CHECK(w == o.width);
    CHECK(h == o.height);
    CHECK(w < 2560);
    // One factor for both sides, each rounded to nearest.
    CHECK(std::abs(w * 1920.0 / 2560.0 - h) <= 1.0);
    REQUIRE(o.quality);
    CHECK(*o.quality >= 50);
    CHECK(o.trials >= 2);
    CHECK(o.trials <= 6);
    CHECK_FALSE(decode_pixels(o.bytes).empty());
  }
}

TEST_CASE("target: a photo whose floor fits at full size is not downscaled", "[target]") {
  // The sampled estimate only skips the full-size search when it is clearly over the limit.
  const Bytes input = read_bytes(samples_dir() / "mate-wood-2560x1920-422-exif-stdhuff.jpg");
  const std::size_t floor = full_size_floor(input);
  REQUIRE(floor > 100000);
  for (const std::uint64_t limit : {floor, floor * 11 / 10, floor * 12 / 10}) {
    INFO("target " << limit << ", floor " << floor);
    const Outcome o = fit_target(input, with_target(limit));
    REQUIRE(o.status == FileStatus::Optimized);
    CHECK(o.bytes.size() <= limit);
    CHECK(o.width == 2560);
    CHECK(o.height == 1920);
  }
  // Just under it: downscaled, and only a little.
  const Outcome o = fit_target(input, with_target(floor - 2000));
  CHECK(o.bytes.size() <= floor - 2000);
  CHECK(o.width < 2560);
  CHECK(o.width > 2200);
}

TEST_CASE("target: tiny and one-pixel-thin images still downscale to fit", "[target]") {
  // Where the tables outweigh the pixels, sizes are not monotone in the scale and the size model
  // stalls on the smallest miss: a plain step down from it continues the search.
  SynthSpec cmyk;
  cmyk.width = 32;
  cmyk.height = 32;
  cmyk.components = 4;
  cmyk.h = cmyk.v = 1;
  SynthSpec wide;
  wide.width = 1000;
  wide.height = 1;
  wide.components = 1;
  wide.h = wide.v = 1;
  SynthSpec tall = wide;
  std::swap(tall.width, tall.height);
  for (const SynthSpec& spec : {cmyk, wide, tall}) {
    INFO(spec.width << "x" << spec.height << ", " << spec.components << " components");
    const Bytes input = make_jpeg(spec);
    const auto limit = static_cast<std::uint64_t>(static_cast<double>(input.size()) * 0.3);
    Options o = with_target(limit);
    o.metadata = MetadataPolicy::all();
    const Outcome out = fit_target(input, o);
    REQUIRE(out.status == FileStatus::Optimized);
    CHECK(out.bytes.size() <= limit);
    CHECK(out.width >= 16);
    CHECK(out.height >= 16);
    CHECK(out.trials <= 16);
  }
}

TEST_CASE("target: --min-quality raises the floor", "[target]") {
  const Bytes input =
      read_bytes(samples_dir() / "debian-softwaves-login-900x506-444-progressive.jpg");
  Options o = with_target(input.size() / 4);
  o.target.min_quality = 80;
  const Outcome out = fit_target(input, o);
  REQUIRE(out.quality);
  CHECK(*out.quality >= 80);
  CHECK(out.bytes.size() <= input.size() / 4);
  o.target.allow_resize = false;
  try {
    fit_target(input, o);
    FAIL("expected target_unreachable");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::TargetUnreachable);
    CHECK(std::string(e.what()).find(" at quality 80, 900x506") != std::string::npos);
  }
}

TEST_CASE("target: the lossless attempt is skipped only when it cannot fit", "[target]") {
  for (const auto& path : sample_jpegs()) {
    INFO(path);
    const Bytes input = read_bytes(path);
    const Outcome lossless = optimize(input, Options{});
    const std::size_t size =
        lossless.status == FileStatus::Optimized ? lossless.bytes.size() : input.size();
    // Never claimed out of reach when the lossless result fits.
    for (double share = 0.05; share <= 1.2; share += 0.05) {
      const auto limit = static_cast<std::uint64_t>(static_cast<double>(size) * share);
      if (lossless_out_of_reach(input, Options{}, limit)) CHECK(size > limit);
    }
    CHECK_FALSE(lossless_out_of_reach(input, Options{}, size));
    // Far below: skipped; with a transform (only the lossless path does them) never.
    CHECK(lossless_out_of_reach(input, Options{}, size / 3));
    Options rotate;
    rotate.transform.transform = Transform::Rot90;
    CHECK_FALSE(lossless_out_of_reach(input, rotate, size / 3));
  }
}

TEST_CASE("target: --min-ssim meets the SSIM - and the visual floor quality is honoured",
          "[target]") {
  // PNG input: no lossless rewrite competes with the re-encode.
  const Bytes input = read_bytes(samples_dir() / "skimage-chelsea-cat-451x300-rgb.png");
  const Image source = png::read(input, Limits{}, {255, 255, 255});
  auto ssim_of = [&](const Bytes& out) {
    const JpegFile f = JpegFile::parse(out);
    return metrics::ssim_luma(source,
                              jpeg_pixels::decode(ByteView(f.data()).first(f.primary_end()), {}));
  };
  Options o;
  o.target.min_ssim = 0.95;
  const Outcome low = fit_target(input, o);
  REQUIRE(low.status == FileStatus::Optimized);
  REQUIRE(low.quality);
  REQUIRE(low.ssim);
  CHECK(*low.ssim >= 0.95);
  CHECK(ssim_of(low.bytes) >= 0.95);  // measured again on the written file
  REQUIRE(*low.quality < 90);         // else the floor below proves nothing

  o.target.min_ssim_quality = 90;
  const Outcome floored = fit_target(input, o);
  REQUIRE(floored.quality);
  CHECK(*floored.quality >= 90);
  CHECK(floored.bytes.size() > low.bytes.size());
  CHECK(ssim_of(floored.bytes) >= 0.95);

  // The floor never overrides a size limit: the size fit's quality caps the visual search.
  o.target.max_size = SizeLimit{low.bytes.size(), 0};
  const Outcome capped = fit_target(input, o);
  REQUIRE(capped.status == FileStatus::Optimized);
  CHECK(capped.bytes.size() <= low.bytes.size());
}
