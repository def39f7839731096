#include <catch2/catch.hpp>

#include "core/jpeg_file.hpp"
#include "jpegopt/error.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using jpegopt::test::make_jpeg;
using jpegopt::test::SynthSpec;

namespace {

ErrorCode parse_error(const Bytes& data) {
  try {
    JpegFile::parse(data);
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("parse succeeded");
  return ErrorCode::Internal;
}

void check_tiles(const JpegFile& file) {
  std::size_t pos = 0;
  for (const auto& part : file.parts()) {
    REQUIRE(part.offset == pos);
    REQUIRE(part.size > 0);
    pos += part.size;
  }
  REQUIRE(pos == file.data().size());
}

}  // namespace

TEST_CASE("the model writes back synthetic files byte for byte", "[jpeg_file]") {
  SynthSpec spec;
  spec.progressive = GENERATE(false, true);
  spec.components = GENERATE(1, 3, 4);
  spec.restart_interval = GENERATE(0, 2);
  const Bytes data = make_jpeg(spec);
  const JpegFile file = JpegFile::parse(data);
  check_tiles(file);
  CHECK(file.write() == data);
  CHECK(file.frame().width == spec.width);
  CHECK(file.frame().height == spec.height);
  CHECK(file.frame().components.size() == static_cast<std::size_t>(spec.components));
  CHECK(file.frame().progressive() == spec.progressive);
  CHECK(file.restart_interval() == spec.restart_interval);
  CHECK(file.trailer().empty());
  if (!spec.progressive) CHECK(file.scan_count() == 1);
  if (spec.progressive && spec.components == 3) CHECK(file.scan_count() == 10);
}

TEST_CASE("the model writes back every sample byte for byte", "[jpeg_file]") {
  const auto samples = test::sample_jpegs();
  REQUIRE(!samples.empty());
  for (const auto& path : samples) {
    INFO(path);
    const Bytes data = test::read_bytes(path);
    const JpegFile file = JpegFile::parse(data);
    check_tiles(file);
    CHECK(file.write() == data);
    CHECK(file.frame().width > 0);
  }
}

TEST_CASE("bytes after EOI become the trailer", "[jpeg_file]") {
  Bytes data = make_jpeg({});
  const std::size_t primary = data.size();
  const Bytes extra = {0xFF, 0xD8, 0xFF, 0xD9, 'h', 'i', 0x00};
  data.insert(data.end(), extra.begin(), extra.end());
  const JpegFile file = JpegFile::parse(data);
  CHECK(file.primary_end() == primary);
  CHECK(Bytes(file.trailer().begin(), file.trailer().end()) == extra);
  CHECK(file.parts().back().type == PartType::Trailer);
  CHECK(file.write() == data);
}

TEST_CASE("garbage and fill bytes between segments are kept as gaps", "[jpeg_file]") {
  Bytes data = make_jpeg({});
  // After SOI: two fill bytes and three bytes of garbage before the next marker.
  const Bytes junk = {'x', 'y', 'z', 0xFF, 0xFF};
  data.insert(data.begin() + 2, junk.begin(), junk.end());
  const JpegFile file = JpegFile::parse(data);
  REQUIRE(file.parts().size() > 2);
  CHECK(file.parts()[1].type == PartType::Gap);
  // x y z and both inserted fill bytes; the segment's own 0xFF starts the marker.
  CHECK(file.parts()[1].size == 5);
  CHECK(file.write() == data);
}

TEST_CASE("malformed files give the matching error", "[jpeg_file]") {
  CHECK(parse_error({}) == ErrorCode::NotJpeg);
  CHECK(parse_error({'G', 'I', 'F', '8'}) == ErrorCode::NotJpeg);
  CHECK(parse_error({0xFF, 0xD8}) == ErrorCode::Truncated);
  CHECK(parse_error({0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01, 0xFF, 0xD9}) == ErrorCode::CorruptData);
  CHECK(parse_error({0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x00}) == ErrorCode::Truncated);
  // A frame header announcing more components than it holds.
  CHECK(parse_error({0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x08, 8, 0, 8, 0, 8, 3, 0xFF, 0xD9}) ==
        ErrorCode::CorruptData);
}

TEST_CASE("every prefix of a file is rejected cleanly", "[jpeg_file]") {
  SynthSpec spec;
  spec.progressive = GENERATE(false, true);
  const Bytes data = make_jpeg(spec);
  for (std::size_t n = 0; n < data.size(); ++n) {
    const Bytes prefix(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    const ErrorCode code = parse_error(prefix);
    INFO("prefix length " << n);
    CHECK((code == ErrorCode::NotJpeg || code == ErrorCode::Truncated));
  }
}

TEST_CASE("every prefix of the smallest sample is rejected cleanly", "[jpeg_file]") {
  auto samples = test::sample_jpegs();
  REQUIRE(!samples.empty());
  std::sort(samples.begin(), samples.end(), [](const auto& a, const auto& b) {
    return std::filesystem::file_size(a) < std::filesystem::file_size(b);
  });
  const Bytes data = test::read_bytes(samples.front());
  std::size_t rejected = 0;
  for (std::size_t n = 0; n < data.size(); ++n) {
    const Bytes prefix(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    const ErrorCode code = parse_error(prefix);
    rejected += (code == ErrorCode::NotJpeg || code == ErrorCode::Truncated) ? 1 : 0;
  }
  CHECK(rejected == data.size());
}

TEST_CASE("marker names", "[jpeg_file]") {
  CHECK(marker::name(0xD8) == "SOI");
  CHECK(marker::name(0xE1) == "APP1");
  CHECK(marker::name(0xC2) == "SOF2");
  CHECK(marker::name(0xD3) == "RST3");
  CHECK(marker::name(0xC4) == "DHT");
  CHECK(marker::name(0xFE) == "COM");
}
