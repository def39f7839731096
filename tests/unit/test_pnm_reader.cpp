#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/png_reader.hpp"
#include "core/pnm_reader.hpp"
#include "jpegopt/error.hpp"
#include "support/run_cli.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;
namespace fs = std::filesystem;

namespace {

Bytes bytes_of(const std::string& header, const std::vector<std::uint8_t>& samples = {}) {
  Bytes out(header.begin(), header.end());
  out.insert(out.end(), samples.begin(), samples.end());
  return out;
}

// The error code and message pnm::read throws for `data`.
std::pair<ErrorCode, std::string> failure(const Bytes& data, const Limits& limits = {}) {
  try {
    pnm::read(data, limits);
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  FAIL("no error");
  return {};
}

}  // namespace

TEST_CASE("pnm: is_pnm takes binary PGM and PPM only", "[pnm]") {
  CHECK(pnm::is_pnm(bytes_of("P6\n1 1\n255\n")));
  CHECK(pnm::is_pnm(bytes_of("P5 1 1 255 ")));
  CHECK_FALSE(pnm::is_pnm(bytes_of("P3\n1 1\n255\n")));  // ASCII PPM
  CHECK_FALSE(pnm::is_pnm(bytes_of("P6")));
  CHECK_FALSE(pnm::is_pnm(bytes_of("P61")));
  CHECK_FALSE(pnm::is_pnm(bytes_of("\x89PNG\r\n")));
}

TEST_CASE("pnm: 8-bit PPM and PGM with comments give their samples exactly", "[pnm]") {
  const Image rgb = pnm::read(bytes_of("P6 # made by hand\n2 # width\n1\n#maxval next\n255\n",
                                       {1, 2, 3, 250, 251, 252, 9}),  // a trailing byte
                              Limits{});
  CHECK(rgb.width == 2);
  CHECK(rgb.height == 1);
  CHECK(rgb.format == PixelFormat::Rgb);
  CHECK(rgb.pixels == std::vector<std::uint8_t>{1, 2, 3, 250, 251, 252});
  CHECK(rgb.icc.empty());
  CHECK(rgb.orientation == 1);

  const Image gray = pnm::read(bytes_of("P5\r\n3\t2 255\n", {0, 1, 2, 10, 20, 255}), Limits{});
  CHECK(gray.width == 3);
  CHECK(gray.height == 2);
  CHECK(gray.format == PixelFormat::Gray);
  CHECK(gray.pixels == std::vector<std::uint8_t>{0, 1, 2, 10, 20, 255});
}

TEST_CASE("pnm: view borrows 8-bit samples from the file bytes and read copies them", "[pnm]") {
  const Bytes file = bytes_of("P6\n2 1\n255\n", {1, 2, 3, 250, 251, 252, 9});
  Image view = pnm::view(file, Limits{});
  CHECK(view.borrowed == file.data() + 11);  // right after the header
  CHECK(view.pixels.empty());
  CHECK(view.data() == view.borrowed);
  CHECK(view.samples() == 6);
  CHECK(std::as_const(view).row(0) == view.borrowed);
  const Image read = pnm::read(file, Limits{});
  CHECK(read.borrowed == nullptr);
  CHECK(read.pixels == std::vector<std::uint8_t>{1, 2, 3, 250, 251, 252});
  CHECK(read.data() == read.pixels.data());
  CHECK(read.samples() == 6);
  // Writing needs its own samples: the non-const row() copies them first.
  view.row(0)[0] = 7;
  CHECK(view.borrowed == nullptr);
  CHECK(view.pixels == std::vector<std::uint8_t>{7, 2, 3, 250, 251, 252});
  CHECK(file[11] == 1);
  // Other maxvals are scaled, so they are never borrowed.
  const Bytes low = bytes_of("P5\n2 1\n15\n", {0, 15});
  const Image scaled = pnm::view(low, Limits{});
  CHECK(scaled.borrowed == nullptr);
  CHECK(scaled.pixels == std::vector<std::uint8_t>{0, 255});
}

TEST_CASE("pnm: other maxvals are scaled to 8 bits with rounding as cjpeg does", "[pnm]") {
  // 16-bit samples, most significant byte first: 0, 65535, 32768, 257, 128.
  const Image wide =
      pnm::read(bytes_of("P5\n5 1\n65535\n", {0, 0, 255, 255, 128, 0, 1, 1, 0, 128}), Limits{});
  CHECK(wide.pixels == std::vector<std::uint8_t>{0, 255, 128, 1, 0});
  const Image low = pnm::read(bytes_of("P5\n5 1\n15\n", {0, 15, 7, 8, 1}), Limits{});
  CHECK(low.pixels == std::vector<std::uint8_t>{0, 255, 119, 136, 17});
  const Image odd = pnm::read(bytes_of("P6\n1 1\n1000\n", {0, 0, 3, 232, 1, 244}), Limits{});
  CHECK(odd.pixels == std::vector<std::uint8_t>{0, 255, 128});
}

TEST_CASE("pnm: malformed headers and short data fail with exact messages", "[pnm]") {
  using R = std::pair<ErrorCode, std::string>;
  CHECK(failure(bytes_of("P3\n1 1\n255\n")) ==
        R{ErrorCode::InvalidArgument, "PNM: not a binary PGM or PPM (P5 or P6)"});
  CHECK(failure(bytes_of("P6\n")) ==
        R{ErrorCode::CorruptData, "PNM: malformed header: it ends before the width"});
  CHECK(failure(bytes_of("P6\n2 x\n255\n")) ==
        R{ErrorCode::CorruptData, "PNM: malformed header: the height is not a number"});
  CHECK(failure(bytes_of("P6\n2 -1\n255\n")) ==
        R{ErrorCode::CorruptData, "PNM: malformed header: the height is not a number"});
  CHECK(failure(bytes_of("P6\n0 1\n255\n")) ==
        R{ErrorCode::CorruptData, "PNM: malformed header: the width is 0"});
  CHECK(failure(bytes_of("P6\n70000 1\n255\n")) ==
        R{ErrorCode::CorruptData, "PNM: malformed header: the width is over 65535"});
  CHECK(failure(bytes_of("P5\n1 1\n65536\n")) ==
        R{ErrorCode::CorruptData, "PNM: malformed header: the maxval is over 65535"});
  CHECK(failure(bytes_of("P5\n1 1 # no maxval")) ==
        R{ErrorCode::CorruptData, "PNM: malformed header: it ends before the maxval"});
  CHECK(failure(bytes_of("P5\n1 1\n255")) ==
        R{ErrorCode::CorruptData, "PNM: malformed header: it ends after the maxval"});
  CHECK(failure(bytes_of("P5\n1 1\n255#\n")) ==
        R{ErrorCode::CorruptData, "PNM: malformed header: no whitespace after the maxval"});
  CHECK(failure(bytes_of("P6\n2 2\n255\n", {1, 2, 3})) ==
        R{ErrorCode::Truncated, "PNM: the samples are truncated (3 of 12 bytes)"});
  CHECK(failure(bytes_of("P5\n2 1\n15\n", {3, 16})) ==
        R{ErrorCode::CorruptData, "PNM: sample 16 is over the maxval 15"});
  Limits small;
  small.max_pixels = 6;
  CHECK(failure(bytes_of("P5\n7 1\n255\n"), small) ==
        R{ErrorCode::TooLarge, "PNM: 7x1 is 7 pixels, over the limit of 6"});
}

TEST_CASE("cli: -q on a PPM writes the bytes -q writes for a PNG of the same pixels",
          "[cli][reencode][pnm]") {
  TempDir tmp;
  const Image image = png::read(read_bytes(samples_dir() / "skimage-logo-500x500-rgba.png"),
                                Limits{}, {255, 255, 255});
  REQUIRE(image.format == PixelFormat::Rgb);
  const std::string header = "P6\n# the logo on white\n500 500\n255\n";
  Bytes ppm(header.begin(), header.end());
  ppm.insert(ppm.end(), image.pixels.begin(), image.pixels.end());
  write_bytes(tmp / "logo.ppm", ppm);
  fs::copy_file(samples_dir() / "skimage-logo-500x500-rgba.png", tmp / "logo.png");

  const auto from_png = run_jpegopt({"-q", "80", "--strip", "all", "-o", (tmp / "png.jpg").string(),
                                     (tmp / "logo.png").string()});
  REQUIRE(from_png.exit_code == 0);
  const auto from_ppm = run_jpegopt({"-q", "80", "--strip", "all", (tmp / "logo.ppm").string()});
  REQUIRE(from_ppm.exit_code == 0);
  CHECK(read_bytes(tmp / "logo.ppm") == ppm);  // in place: the result goes to logo.jpg
  CHECK(read_bytes(tmp / "logo.jpg") == read_bytes(tmp / "png.jpg"));
}

TEST_CASE("cli: a malformed PNM fails naming the file - and needs -q", "[cli][reencode][pnm]") {
  TempDir tmp;
  const auto bad = tmp / "bad.ppm";
  write_bytes(bad, bytes_of("P6\n2 x\n255\n"));
  const auto r = run_jpegopt({"-q", "80", bad.string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err ==
        "jpegopt: " + bad.string() + ": PNM: malformed header: the height is not a number\n");
  CHECK_FALSE(fs::exists(tmp / "bad.jpg"));

  const auto good = tmp / "good.pgm";
  write_bytes(good, bytes_of("P5\n1 1\n255\n", {7}));
  const auto r2 = run_jpegopt({good.string()});
  CHECK(r2.exit_code == 1);
  CHECK(r2.err == "jpegopt: " + good.string() +
                      ": PNM input: add -q N (e.g. -q 90) or -S SIZE to convert it to JPEG\n");
  CHECK_FALSE(fs::exists(tmp / "good.jpg"));
}
