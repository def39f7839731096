// Resource limits and unsupported variants through optimize() and the CLI: each limit is on by
// default and refuses with its own error code; variants libjpeg-turbo cannot decode are
// `unsupported`, not corrupt.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <string>

#include "core/jpeg_file.hpp"
#include "core/png_reader.hpp"
#include "jpegopt/error.hpp"
#include "jpegopt/limits.hpp"
#include "jpegopt/optimize.hpp"
#include "support/run_cli.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;

namespace {

// The error optimize() throws, with its message; fails the test when it does not throw.
std::pair<ErrorCode, std::string> refusal(ByteView jpeg, const Options& options = {}) {
  try {
    optimize(jpeg, options);
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  FAIL("optimize() accepted the file");
  return {ErrorCode::Internal, ""};
}

// Offset of the SOF0 marker's 0xFF in a make_jpeg() baseline file.
std::size_t sof_offset(ByteView jpeg) {
  for (std::size_t i = 2; i + 1 < jpeg.size(); ++i)
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0) return i;
  FAIL("no SOF0");
  return 0;
}

// A complete ICC_PROFILE APP2 payload: chunk 1 of 1 holding `profile_bytes` bytes.
Bytes icc_chunk(std::size_t profile_bytes) {
  Bytes payload = {'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I', 'L', 'E', 0, 1, 1};
  payload.resize(payload.size() + profile_bytes, 0x20);
  return payload;
}

void put32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void png_chunk(Bytes& out, const char* type, const Bytes& data) {
  put32(out, static_cast<std::uint32_t>(data.size()));
  Bytes body(type, type + 4);
  body.insert(body.end(), data.begin(), data.end());
  out.insert(out.end(), body.begin(), body.end());
  put32(out, static_cast<std::uint32_t>(crc32(0, body.data(), static_cast<uInt>(body.size()))));
}

Bytes deflate(const Bytes& raw) {
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  Bytes out(size);
  REQUIRE(compress(out.data(), &size, raw.data(), static_cast<uLong>(raw.size())) == Z_OK);
  out.resize(size);
  return out;
}

// An 8-bit grey PNG of width x height whose IDAT holds `rows` zero rows (fewer than height when
// the file only needs a valid header), with an optional iCCP chunk of `icc_bytes` zero bytes.
Bytes grey_png(std::uint32_t width, std::uint32_t height, std::uint32_t rows,
               std::size_t icc_bytes = 0) {
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes ihdr;
  put32(ihdr, width);
  put32(ihdr, height);
  ihdr.insert(ihdr.end(), {8, 0, 0, 0, 0});
  png_chunk(png, "IHDR", ihdr);
  if (icc_bytes > 0) {
    Bytes iccp = {'x', 0, 0};    // name "x", NUL, compression method 0
    Bytes header(icc_bytes, 0);  // zeros but for the profile size field libpng checks first
    for (int i = 0; i < 4; ++i)
      header[i] = static_cast<std::uint8_t>(icc_bytes >> (24 - 8 * i));
    const Bytes profile = deflate(header);
    iccp.insert(iccp.end(), profile.begin(), profile.end());
    png_chunk(png, "iCCP", iccp);
  }
  png_chunk(png, "IDAT", deflate(Bytes(static_cast<std::size_t>(rows) * (width + 1), 0)));
  png_chunk(png, "IEND", {});
  return png;
}

ErrorCode png_error(const Bytes& png, const Limits& limits, std::string& message) {
  try {
    png::read(png, limits, {255, 255, 255});
  } catch (const Error& e) {
    message = e.what();
    return e.code();
  }
  FAIL("png::read accepted the file");
  return ErrorCode::Internal;
}

}  // namespace

TEST_CASE("PNG dimensions and decompressed sizes are limited before allocation", "[limits][png]") {
  std::string message;
  SECTION("a 100000x100000 header with one row of data") {
    CHECK(png_error(grey_png(100'000, 100'000, 1), Limits{}, message) == ErrorCode::TooLarge);
  }
  SECTION("an IDAT inflating to 4 MB under a 1 MP limit") {
    const Bytes bomb = grey_png(2000, 2000, 2000);
    REQUIRE(bomb.size() < 10'000);
    Limits limits;
    limits.max_pixels = 1'000'000;
    CHECK(png_error(bomb, limits, message) == ErrorCode::TooLarge);
    limits.max_pixels = 4'000'000;
    const Image image = png::read(bomb, limits, {255, 255, 255});
    CHECK(image.width == 2000);
    CHECK(image.pixels.size() == 4'000'000);
  }
  SECTION("an iCCP profile inflating past the metadata limit") {
    Limits limits;
    limits.max_metadata_bytes = 100'000;
    const Bytes png = grey_png(4, 4, 4, 1'000'000);
    REQUIRE(png.size() < 10'000);
    CHECK(png_error(png, limits, message) == ErrorCode::MetadataLimit);
    CHECK(message == "PNG iCCP profile over the metadata limit of 100000 bytes");
  }
}

TEST_CASE("limits have safe defaults", "[limits]") {
  const Limits limits;
  CHECK(limits.max_pixels == 300'000'000);
  CHECK(limits.max_scans == 1000);
  CHECK(limits.max_memory == 2L << 30);
  CHECK(limits.max_metadata_bytes == 16u << 20);
}

TEST_CASE("the pixel limit refuses with too_large", "[limits]") {
  const Bytes jpeg = make_jpeg({.width = 100, .height = 100});
  Options options;
  options.limits.max_pixels = 9'999;
  const auto [code, message] = refusal(jpeg, options);
  CHECK(code == ErrorCode::TooLarge);
  CHECK(message == "100x100 is 10000 pixels, over the limit of 9999");
  options.limits.max_pixels = 10'000;
  CHECK_NOTHROW(optimize(jpeg, options));
}

TEST_CASE("the scan limit refuses with too_many_scans", "[limits]") {
  const Bytes jpeg = make_jpeg({.width = 64, .height = 64, .progressive = true});
  REQUIRE(JpegFile::parse(jpeg).scan_count() == 10);
  Options options;
  options.limits.max_scans = 9;
  const auto [code, message] = refusal(jpeg, options);
  CHECK(code == ErrorCode::TooManyScans);
  CHECK(message == "more than 9 scans");
  options.limits.max_scans = 10;
  CHECK_NOTHROW(optimize(jpeg, options));
}

TEST_CASE("the decoder memory limit refuses with out_of_memory", "[limits]") {
  // 512x512 4:2:0: 6 blocks of 128 bytes per 16x16 MCU, 1024 MCUs = 768 KiB of coefficients.
  for (const bool progressive : {false, true}) {
    const Bytes jpeg = make_jpeg({.width = 512, .height = 512, .progressive = progressive});
    Options options;
    options.limits.max_memory = 512L << 10;
    const auto [code, message] = refusal(jpeg, options);
    CHECK(code == ErrorCode::OutOfMemory);
    CHECK(message == "the image needs more decoder memory than the limit of 524288 bytes");
    options.limits.max_memory = 4L << 20;
    CHECK_NOTHROW(optimize(jpeg, options));
    options.limits.max_memory = 0;  // unlimited
    CHECK_NOTHROW(optimize(jpeg, options));
  }
}

TEST_CASE("an ICC profile over the metadata limit refuses with metadata_limit", "[limits]") {
  const Bytes jpeg = insert_segment(make_jpeg({}), 0xE2, icc_chunk(3000));
  Options options;
  options.limits.max_metadata_bytes = 2000;
  const auto [code, message] = refusal(jpeg, options);
  CHECK(code == ErrorCode::MetadataLimit);
  CHECK(message == "ICC profile chunks of 3014 bytes, over the metadata limit of 2000");
  options.limits.max_metadata_bytes = 3014;
  CHECK_NOTHROW(optimize(jpeg, options));
}

TEST_CASE("lossless - hierarchical - 12-bit and DNL-height files are unsupported", "[limits]") {
  const Bytes base = make_jpeg({.width = 32, .height = 16});
  const std::size_t sof = sof_offset(base);
  SECTION("SOF3 lossless") {
    Bytes jpeg = base;
    jpeg[sof + 1] = 0xC3;
    CHECK(refusal(jpeg) ==
          std::pair{ErrorCode::Unsupported, std::string("lossless JPEG (SOF3) is not supported")});
  }
  SECTION("SOF5 hierarchical") {
    Bytes jpeg = base;
    jpeg[sof + 1] = 0xC5;
    CHECK(refusal(jpeg) ==
          std::pair{ErrorCode::Unsupported, std::string("hierarchical JPEG is not supported")});
  }
  SECTION("12-bit samples") {
    Bytes jpeg = base;
    jpeg[sof + 4] = 12;
    CHECK(refusal(jpeg) ==
          std::pair{ErrorCode::Unsupported, std::string("12-bit JPEG is not supported")});
  }
  SECTION("height 0 with a DNL marker after the scan") {
    Bytes jpeg = base;
    jpeg[sof + 5] = 0;
    jpeg[sof + 6] = 0;
    const Bytes dnl = {0xFF, 0xDC, 0x00, 0x04, 0x00, 0x10};
    jpeg.insert(jpeg.end() - 2, dnl.begin(), dnl.end());
    CHECK(refusal(jpeg) ==
          std::pair{ErrorCode::Unsupported,
                    std::string("image height given by a DNL marker is not supported by "
                                "libjpeg-turbo")});
  }
  SECTION("height 0 without DNL is corrupt") {
    Bytes jpeg = base;
    jpeg[sof + 5] = 0;
    jpeg[sof + 6] = 0;
    CHECK(refusal(jpeg).first == ErrorCode::CorruptData);
  }
}

TEST_CASE("the CLI applies --max-memory and rejects bad values", "[limits][cli]") {
  TempDir dir;
  const auto file = dir / "big.jpg";
  write_bytes(file, make_jpeg({.width = 512, .height = 512}));
  const Bytes before = read_bytes(file);
  const auto refused = run_jpegopt({"--max-memory", "0", "--max-pixels", "100", file.string()});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err ==
        "jpegopt: " + file.string() + ": 512x512 is 262144 pixels, over the " + "limit of 100\n");
  CHECK(read_bytes(file) == before);
  const auto bad = run_jpegopt({"--max-memory", "-1", file.string()});
  CHECK(bad.exit_code == 2);
  CHECK(read_bytes(file) == before);
  const auto ok = run_jpegopt({"--max-memory", "16", "--quiet", file.string()});
  CHECK(ok.exit_code == 0);
}
