#include <catch2/catch.hpp>

#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <cstdlib>
#include <string>
#include <vector>

#include <jpeglib.h>

#include "core/tables.hpp"
#include "jpegopt/error.hpp"

namespace {

using jpegopt::Bytes;
using jpegopt::ByteView;
using jpegopt::tables::HuffTable;
using jpegopt::tables::QuantTable;

struct EncodeOptions {
  int quality = 75;
  bool force_baseline = true;
  bool optimize = false;
  bool gray = false;
};

// Encodes a 16x16 gradient in memory with libjpeg's default error manager: encoding such an image
// cannot fail, so no setjmp is needed.
Bytes encode(const EncodeOptions& options) {
  constexpr int kSize = 16;
  const int channels = options.gray ? 1 : 3;
  std::vector<JSAMPLE> pixels(kSize * kSize * channels);
  for (std::size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<JSAMPLE>(i * 7 % 256);

  jpeg_compress_struct cinfo{};
  jpeg_error_mgr jerr{};
  cinfo.err = jpeg_std_error(&jerr);
  jerr.output_message = [](j_common_ptr) {};  // quiet the "too coarse for baseline" warning
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = kSize;
  cinfo.image_height = kSize;
  cinfo.input_components = channels;
  cinfo.in_color_space = options.gray ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, options.quality, options.force_baseline ? TRUE : FALSE);
  cinfo.optimize_coding = options.optimize ? TRUE : FALSE;
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = &pixels[cinfo.next_scanline * kSize * channels];
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  Bytes out(buffer, buffer + size);
  std::free(buffer);
  return out;
}

struct Segments {
  std::vector<QuantTable> dqt;
  std::vector<HuffTable> dht;
};

// DQT and DHT tables before the first SOS of a libjpeg-written (well-formed) stream.
Segments tables_of(const Bytes& jpeg) {
  Segments out;
  std::size_t pos = 2;
  while (pos + 4 <= jpeg.size() && jpeg[pos] == 0xff && jpeg[pos + 1] != 0xda) {
    const std::size_t length = jpegopt::load_be16(&jpeg[pos + 2]);
    const ByteView payload = ByteView(jpeg).subspan(pos + 4, length - 2);
    if (jpeg[pos + 1] == 0xdb) {
      for (const auto& t : jpegopt::tables::parse_dqt(payload))
        out.dqt.push_back(t);
    } else if (jpeg[pos + 1] == 0xc4) {
      for (const auto& t : jpegopt::tables::parse_dht(payload))
        out.dht.push_back(t);
    }
    pos += 2 + length;
  }
  return out;
}

const QuantTable& table_with_id(const std::vector<QuantTable>& tables, int id) {
  for (const auto& t : tables)
    if (t.id == id) return t;
  FAIL("no quantization table " << id);
  return tables.front();
}

jpegopt::tables::QualityEstimate estimate_for(const EncodeOptions& options) {
  const Segments segments = tables_of(encode(options));
  const QuantTable& luma = table_with_id(segments.dqt, 0);
  return jpegopt::tables::estimate_quality(
      luma, options.gray ? nullptr : &table_with_id(segments.dqt, 1));
}

template <typename F>
void check_corrupt(F&& parse) {
  try {
    parse();
    FAIL("no exception");
  } catch (const jpegopt::Error& e) {
    CHECK(e.code() == jpegopt::ErrorCode::CorruptData);
  }
}

}  // namespace

TEST_CASE("estimate_quality finds the libjpeg quality exactly", "[tables]") {
  for (int q : {1, 10, 25, 50, 75, 85, 90, 95, 100}) {
    INFO("quality " << q);
    const auto estimate = estimate_for({.quality = q});
    CHECK(estimate.quality == q);
    CHECK(estimate.exact);
    CHECK(estimate.luma == q);
    CHECK(estimate.chroma == q);
  }
}

TEST_CASE("estimate_quality is exact for every quality - colour and gray", "[tables]") {
  for (int q = 1; q <= 100; ++q) {
    INFO("quality " << q);
    const auto colour = estimate_for({.quality = q});
    CHECK(colour.quality == q);
    CHECK(colour.exact);
    const auto gray = estimate_for({.quality = q, .gray = true});
    CHECK(gray.quality == q);
    CHECK(gray.exact);
    CHECK_FALSE(gray.chroma);
  }
}

TEST_CASE("estimate_quality reads 16-bit tables written without force_baseline", "[tables]") {
  for (int q : {1, 10, 15}) {  // above 15, every IJG entry fits in 8 bits
    INFO("quality " << q);
    const Segments segments = tables_of(encode({.quality = q, .force_baseline = false}));
    CHECK(table_with_id(segments.dqt, 0).precision == 1);
    const auto estimate = jpegopt::tables::estimate_quality(table_with_id(segments.dqt, 0),
                                                            &table_with_id(segments.dqt, 1));
    CHECK(estimate.quality == q);
    CHECK(estimate.exact);
  }
}

TEST_CASE("estimate_quality approximates tables that are not IJG's", "[tables]") {
  const Segments q80 = tables_of(encode({.quality = 80}));
  QuantTable luma = table_with_id(q80.dqt, 0);
  QuantTable chroma = table_with_id(q80.dqt, 1);

  SECTION("a few entries changed") {
    luma.zigzag[0] += 1;
    luma.zigzag[10] -= 1;
    chroma.zigzag[63] += 3;
    const auto estimate = jpegopt::tables::estimate_quality(luma, &chroma);
    CHECK_FALSE(estimate.exact);
    CHECK(estimate.quality >= 78);
    CHECK(estimate.quality <= 82);
  }
  SECTION("luma and chroma from different qualities") {
    const Segments q60 = tables_of(encode({.quality = 60}));
    const auto estimate = jpegopt::tables::estimate_quality(luma, &table_with_id(q60.dqt, 1));
    CHECK_FALSE(estimate.exact);
    CHECK(estimate.luma == 80);
    CHECK(estimate.chroma == 60);
    CHECK(estimate.quality >= 60);
    CHECK(estimate.quality <= 80);
  }
  SECTION("the q50 table scaled by 1.5 is near q33") {
    const Segments q50 = tables_of(encode({.quality = 50, .gray = true}));
    QuantTable scaled = table_with_id(q50.dqt, 0);
    for (auto& v : scaled.zigzag)
      v = static_cast<std::uint16_t>(v * 3 / 2);
    const auto estimate = jpegopt::tables::estimate_quality(scaled, nullptr);
    CHECK_FALSE(estimate.exact);
    CHECK(estimate.quality >= 31);
    CHECK(estimate.quality <= 35);
  }
  SECTION("one table for every component counts as luma only") {
    const auto estimate = jpegopt::tables::estimate_quality(luma, &luma);
    CHECK(estimate.exact);
    CHECK(estimate.quality == 80);
    CHECK_FALSE(estimate.chroma);
  }
  SECTION("zero entries do not break the estimate") {
    luma.zigzag.fill(0);
    const auto estimate = jpegopt::tables::estimate_quality(luma, nullptr);
    CHECK_FALSE(estimate.exact);
    CHECK(estimate.quality == 100);
  }
}

TEST_CASE("all_standard_huffman tells libjpeg's defaults from optimized tables", "[tables]") {
  const Segments standard = tables_of(encode({}));
  CHECK(standard.dht.size() == 4);
  CHECK(jpegopt::tables::all_standard_huffman(standard.dht));

  const Segments gray = tables_of(encode({.gray = true}));
  CHECK(gray.dht.size() == 2);
  CHECK(jpegopt::tables::all_standard_huffman(gray.dht));

  const Segments optimized = tables_of(encode({.optimize = true}));
  CHECK_FALSE(optimized.dht.empty());
  CHECK_FALSE(jpegopt::tables::all_standard_huffman(optimized.dht));

  CHECK(jpegopt::tables::all_standard_huffman({}));

  std::vector<HuffTable> altered = standard.dht;
  std::swap(altered[1].symbols[0], altered[1].symbols[1]);
  CHECK_FALSE(jpegopt::tables::all_standard_huffman(altered));

  altered = standard.dht;
  altered[0].table_class = 1 - altered[0].table_class;  // a DC table is not a standard AC table
  CHECK_FALSE(jpegopt::tables::all_standard_huffman(altered));
}

TEST_CASE("parse_dqt reads several tables of both precisions", "[tables]") {
  Bytes payload;
  payload.push_back(0x00);
  for (int k = 0; k < 64; ++k)
    payload.push_back(static_cast<std::uint8_t>(k + 1));
  payload.push_back(0x13);
  for (int k = 0; k < 64; ++k)
    jpegopt::append_be16(payload, 1000 + k);
  const auto tables = jpegopt::tables::parse_dqt(payload);
  REQUIRE(tables.size() == 2);
  CHECK(tables[0].id == 0);
  CHECK(tables[0].precision == 0);
  CHECK(tables[0].zigzag[0] == 1);
  CHECK(tables[0].zigzag[63] == 64);
  CHECK(tables[1].id == 3);
  CHECK(tables[1].precision == 1);
  CHECK(tables[1].zigzag[0] == 1000);
  CHECK(tables[1].zigzag[63] == 1063);

  SECTION("every truncation but the table boundaries throws") {
    for (std::size_t n = 0; n < payload.size(); ++n) {
      INFO("length " << n);
      if (n == 65) {
        CHECK(jpegopt::tables::parse_dqt(ByteView(payload).first(n)).size() == 1);
      } else {
        check_corrupt([&] { jpegopt::tables::parse_dqt(ByteView(payload).first(n)); });
      }
    }
  }
  SECTION("bad precision or id") {
    payload[0] = 0x20;
    check_corrupt([&] { jpegopt::tables::parse_dqt(payload); });
    payload[0] = 0x04;
    check_corrupt([&] { jpegopt::tables::parse_dqt(payload); });
  }
}

TEST_CASE("parse_dht reads several tables and rejects bad ones", "[tables]") {
  Bytes payload;
  std::vector<std::size_t> boundaries;
  const Bytes jpeg = encode({});
  // Re-serialize libjpeg's four tables into one payload.
  for (const auto& t : tables_of(jpeg).dht) {
    payload.push_back(static_cast<std::uint8_t>(t.table_class << 4 | t.id));
    payload.insert(payload.end(), t.counts.begin(), t.counts.end());
    payload.insert(payload.end(), t.symbols.begin(), t.symbols.end());
    boundaries.push_back(payload.size());
  }
  const auto tables = jpegopt::tables::parse_dht(payload);
  REQUIRE(tables.size() == 4);
  CHECK(jpegopt::tables::all_standard_huffman(tables));

  SECTION("every truncation but the table boundaries throws") {
    for (std::size_t n = 0; n < payload.size(); ++n) {
      INFO("length " << n);
      bool boundary = false;
      for (std::size_t b : boundaries)
        boundary = boundary || b == n;
      if (boundary) {
        CHECK_NOTHROW(jpegopt::tables::parse_dht(ByteView(payload).first(n)));
      } else {
        check_corrupt([&] { jpegopt::tables::parse_dht(ByteView(payload).first(n)); });
      }
    }
  }
  SECTION("bad class or id") {
    payload[0] = 0x20;
    check_corrupt([&] { jpegopt::tables::parse_dht(payload); });
    payload[0] = 0x04;
    check_corrupt([&] { jpegopt::tables::parse_dht(payload); });
  }
  SECTION("more codes than the lengths allow") {
    Bytes bad = {0x00, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3};
    check_corrupt([&] { jpegopt::tables::parse_dht(bad); });
    bad = {0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255};  // 510 symbols
    bad.resize(bad.size() + 510, 1);
    check_corrupt([&] { jpegopt::tables::parse_dht(bad); });
  }
}
