#include <catch2/catch.hpp>

#include "core/libjpeg.hpp"
#include "jpegopt/error.hpp"
#include "jpegopt/inspect.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using jpegopt::test::make_jpeg;
using jpegopt::test::SynthSpec;

namespace {

ErrorCode inspect_error(const Bytes& data) {
  try {
    inspect(data);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;
}

Bytes with_segment(const Bytes& jpeg, std::uint8_t marker, const std::string& payload) {
  Bytes out(jpeg.begin(), jpeg.begin() + 2);
  out.push_back(0xFF);
  out.push_back(marker);
  const std::size_t length = payload.size() + 2;
  out.push_back(static_cast<std::uint8_t>(length >> 8));
  out.push_back(static_cast<std::uint8_t>(length));
  out.insert(out.end(), payload.begin(), payload.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

}  // namespace

TEST_CASE("inspect reports the frame - sampling and coding", "[inspect]") {
  struct Case {
    int components, h, v;
    const char* sampling;
    const char* color_space;
  };
  const auto c = GENERATE(Case{3, 2, 2, "4:2:0", "YCbCr"}, Case{3, 2, 1, "4:2:2", "YCbCr"},
                          Case{3, 1, 1, "4:4:4", "YCbCr"}, Case{3, 1, 2, "4:4:0", "YCbCr"},
                          Case{1, 1, 1, "4:4:4", "Gray"}, Case{4, 1, 1, "4:4:4", "CMYK"});
  SynthSpec spec;
  spec.components = c.components;
  spec.h = c.h;
  spec.v = c.v;
  spec.quality = 75;
  spec.progressive = GENERATE(false, true);
  spec.restart_interval = 3;
  const Bytes data = make_jpeg(spec);
  const JpegInfo info = inspect(data);
  CHECK(info.width == 64);
  CHECK(info.height == 48);
  CHECK(info.sampling == c.sampling);
  CHECK(info.color_space == c.color_space);
  CHECK(info.coding == (spec.progressive ? "progressive" : "baseline"));
  CHECK(info.restart_interval == 3);
  CHECK(info.quality == 75);
  CHECK(info.quality_exact);
  CHECK(info.file_bytes == data.size());
  CHECK(info.image_bytes + info.metadata_bytes + info.trailer_bytes == data.size());
  REQUIRE(info.standard_huffman.has_value());
  CHECK(*info.standard_huffman == !spec.progressive);  // progressive output is always optimized
  CHECK(!info.decode_note);
}

TEST_CASE("inspect lists metadata segments with their kinds", "[inspect]") {
  Bytes data = make_jpeg({});
  data = with_segment(data, 0xFE, "hello");
  data = with_segment(data, 0xE1, std::string("http://ns.adobe.com/xap/1.0/\0<x/>", 34));
  data = with_segment(data, 0xEC, "Ducky....");
  const JpegInfo info = inspect(data);
  REQUIRE(info.segments.size() > 4);
  CHECK(info.segments[0].marker == "SOI");
  CHECK(info.segments[1].marker == "APP12");
  CHECK(info.segments[1].kind == "Ducky");
  CHECK(info.segments[1].meta_kind == "other");
  CHECK(info.segments[2].marker == "APP1");
  CHECK(info.segments[2].kind == "XMP");
  CHECK(info.segments[2].meta_kind == "xmp");
  CHECK(info.segments[3].marker == "COM");
  CHECK(info.segments[3].meta_kind == "com");
  CHECK(info.xmp_bytes == 4 + 34);
  CHECK(info.metadata_bytes == (4 + 9) + (4 + 34) + (4 + 5) + 18);  // + the JFIF APP0
}

TEST_CASE("inspect reports optimized Huffman tables and trailing bytes", "[inspect]") {
  SynthSpec spec;
  spec.optimize = true;
  Bytes data = make_jpeg(spec);
  data.insert(data.end(), {'t', 'a', 'i', 'l'});
  const JpegInfo info = inspect(data);
  CHECK(info.standard_huffman == false);
  CHECK(info.trailer_bytes == 4);
  CHECK(info.segments.back().marker == "TRAILER");
}

TEST_CASE("inspect rejects corrupt and truncated files with their codes", "[inspect]") {
  SynthSpec spec;
  spec.width = 256;
  spec.height = 256;
  const Bytes good = make_jpeg(spec);
  Bytes corrupt = good;
  // A restart marker where no restart interval was declared: libjpeg warns about corrupt data.
  corrupt[corrupt.size() / 2] = 0xFF;
  corrupt[corrupt.size() / 2 + 1] = 0xD3;
  CHECK(inspect_error(corrupt) == ErrorCode::CorruptData);
  Bytes truncated(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2));
  CHECK(inspect_error(truncated) == ErrorCode::Truncated);
  CHECK(inspect_error({'n', 'o', 'p', 'e'}) == ErrorCode::NotJpeg);
}

TEST_CASE("inspect handles every prefix of a small file without crashing", "[inspect]") {
  SynthSpec spec;
  spec.width = 24;
  spec.height = 16;
  const Bytes data = make_jpeg(spec);
  for (std::size_t n = 0; n < data.size(); ++n) {
    const Bytes prefix(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    const ErrorCode code = inspect_error(prefix);
    INFO("prefix " << n);
    CHECK((code == ErrorCode::NotJpeg || code == ErrorCode::Truncated));
  }
}

TEST_CASE("inspect describes every sample", "[inspect]") {
  for (const auto& path : test::sample_jpegs()) {
    INFO(path);
    const Bytes data = test::read_bytes(path);
    const JpegInfo info = inspect(data);
    CHECK(info.width > 0);
    CHECK(info.quality >= 1);
    CHECK(info.quality <= 100);
    CHECK(info.image_bytes + info.metadata_bytes + info.trailer_bytes == data.size());
  }
}
