#include <catch2/catch.hpp>

#include <filesystem>

#include "support/run_cli.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt::test;
namespace fs = std::filesystem;

namespace {

std::string exiftool(const std::string& args, const fs::path& path) {
  return run_shell("exiftool -s -s -s " + args + " " + shell_quote(path.string())).out;
}

}  // namespace

TEST_CASE("cli: bad re-encode values are usage errors (status 2)", "[cli][reencode]") {
  const auto sample = (samples_dir() / "gimp-texture-96x96-444-dri0-comment.jpg").string();
  const std::vector<std::vector<std::string>> bad = {
      {"-q", "0"},
      {"-q", "101"},
      {"--quality", "high"},
      {"-q", "80x"},
      {"--subsampling", "411"},
      {"--background", "red"},
      {"--background", "#12345"},
      {"--resize", "100x"},
      {"--resize", "0x10"},
      {"--scale", "0"},
      {"--max-width", "-5"},
      {"-q", "80", "--rotate", "90"},
  };
  for (auto args : bad) {
    args.push_back("--stdout");
    args.push_back(sample);
    INFO(args[0] << " " << args[1]);
    const auto r = run_jpegopt(args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
  }
  const auto r = run_jpegopt({"-q", "0", "--stdout", sample});
  CHECK(r.err.find("--quality") != std::string::npos);
}

TEST_CASE("cli: a PNG is never overwritten with JPEG bytes", "[cli][reencode]") {
  TempDir tmp;
  const auto png = tmp / "logo.png";
  fs::copy_file(samples_dir() / "skimage-logo-500x500-rgba.png", png);
  const auto before = read_bytes(png);
  const auto r = run_jpegopt({"-q", "80", png.string()});
  CHECK(r.exit_code == 0);
  CHECK(read_bytes(png) == before);
  const auto jpg = read_bytes(tmp / "logo.jpg");
  REQUIRE(jpg.size() > 2);
  CHECK(jpg[0] == 0xFF);
  CHECK(jpg[1] == 0xD8);
  CHECK(decode_pixels(jpg).size() == 500u * 500u * 3u);
}

TEST_CASE("cli: -q reports the guard - or the quality and SSIM", "[cli][reencode]") {
  TempDir tmp;
  const jpegopt::Bytes q60 = make_jpeg({.width = 96, .height = 64, .quality = 60});
  const auto low = tmp / "low.jpg";
  write_bytes(low, q60);
  const auto r = run_jpegopt({"-q", "80", "-o", (tmp / "out.jpg").string(), low.string()});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("not re-encoded: the input's quality (about 60) is not above the requested "
                   "80") != std::string::npos);

  const auto high = tmp / "high.jpg";
  write_bytes(high, make_jpeg({.width = 160, .height = 120, .quality = 97}));
  const auto out = tmp / "out2.jpg";
  const auto r2 = run_jpegopt({"-q", "50.5", "-o", out.string(), high.string()});
  CHECK(r2.exit_code == 0);
  CHECK(r2.out.find(", 160x120, quality 50.5, SSIM 0.") != std::string::npos);
  CHECK(decode_pixels(read_bytes(out)).size() == 160u * 120u * 3u);
}

TEST_CASE("cli: re-encode keeps orientation and a wide-gamut profile - drops GPS - resizes",
          "[cli][reencode][metadata]") {
  if (!have_program("exiftool")) {
    WARN("exiftool not installed: skipped");
    return;
  }
  TempDir tmp;
  const auto f = tmp / "photo.jpg";
  fs::copy_file(samples_dir() / "skimage-rocket-640x427-444-icc.jpg", f);
  REQUIRE(run_shell("exiftool -q -overwrite_original -GPSLatitude=48.85 -GPSLatitudeRef=N "
                    "-GPSLongitude=2.35 -GPSLongitudeRef=E -Make=TestCam -Orientation#=6 " +
                    shell_quote(f.string()))
              .exit_code == 0);
  const auto out = tmp / "small.jpg";
  // Displayed 427 wide (orientation 6): --max-width 200 scales by 200/427.
  const auto r = run_jpegopt({"-q", "70", "--max-width", "200", "-o", out.string(), f.string()});
  REQUIRE(r.exit_code == 0);
  CHECK(exiftool("-gps:all", out) == "");
  CHECK(exiftool("-Make", out) == "");
  CHECK(exiftool("-Orientation -n", out) == "6\n");
  CHECK(exiftool("-ProfileDescription", out) == "Adobe RGB (1998)\n");
  CHECK(exiftool("-ImageWidth", out) == "300\n");  // 640 * 200 / 427, stored orientation
  CHECK(exiftool("-ImageHeight", out) == "200\n");
  CHECK(exiftool("-YCbCrSubSampling -n", out) == "1 1\n");  // the input's 4:4:4
}

TEST_CASE("cli: a PNG without -q or -S fails and is left as it is", "[cli][reencode]") {
  TempDir tmp;
  const auto png = tmp / "logo.png";
  fs::copy_file(samples_dir() / "skimage-logo-500x500-rgba.png", png);
  const auto before = read_bytes(png);
  const auto r = run_jpegopt({png.string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "jpegopt: " + png.string() +
                     ": PNG input: add -q N (e.g. -q 90) or -S SIZE to convert it to JPEG\n");
  CHECK(read_bytes(png) == before);
  CHECK_FALSE(fs::exists(tmp / "logo.jpg"));
}
