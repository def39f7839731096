#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/tables.hpp"
#include "corpus/manifest.hpp"
#include "corpus/marker_walk.hpp"
#include "jpegopt/error.hpp"
#include "support/test_paths.hpp"

namespace {

using jpegopt::Bytes;
using jpegopt::ByteView;
using jpegopt::tables::HuffTable;
using jpegopt::tables::QuantTable;

bool is_sof(std::uint8_t marker) {
  return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

struct FileTables {
  std::vector<QuantTable> quant;      // latest definition of each id before the frame header
  std::vector<HuffTable> huff;        // every DHT table in the file
  std::vector<int> component_tables;  // Tq of each frame component
};

FileTables tables_of(const Bytes& file) {
  FileTables out;
  bool seen_sof = false;
  for (const auto& s : jpegopt::test::walk_segments(file, true)) {
    if (s.marker == 0xdb && !seen_sof) {
      for (const QuantTable& t : jpegopt::tables::parse_dqt(s.payload)) {
        std::erase_if(out.quant, [&](const QuantTable& old) { return old.id == t.id; });
        out.quant.push_back(t);
      }
    } else if (s.marker == 0xc4) {
      for (HuffTable& t : jpegopt::tables::parse_dht(s.payload))
        out.huff.push_back(std::move(t));
    } else if (is_sof(s.marker) && !seen_sof && s.payload.size() >= 6) {
      seen_sof = true;
      const std::size_t components = s.payload[5];
      for (std::size_t i = 0; i < components && 6 + 3 * i + 2 < s.payload.size(); ++i)
        out.component_tables.push_back(s.payload[6 + 3 * i + 2]);
    }
  }
  return out;
}

const QuantTable* find_table(const FileTables& tables, std::size_t component) {
  if (component >= tables.component_tables.size()) return nullptr;
  for (const QuantTable& t : tables.quant)
    if (t.id == tables.component_tables[component]) return &t;
  return nullptr;
}

std::optional<jpegopt::tables::QualityEstimate> estimate(const FileTables& tables) {
  const QuantTable* luma = find_table(tables, 0);
  if (!luma) return std::nullopt;
  const QuantTable* chroma = tables.component_tables.size() >= 3 ? find_table(tables, 1) : nullptr;
  return jpegopt::tables::estimate_quality(*luma, chroma);
}

}  // namespace

TEST_CASE("corpus photos: tables parse and the quality estimate is sane", "[tables][corpus]") {
  const auto rows = jpegopt::test::read_manifest("photos");
  REQUIRE_FALSE(rows.empty());
  int q85_files = 0;
  for (const auto& row : rows) {
    INFO(row["file"]);
    const FileTables tables = tables_of(jpegopt::test::read_bytes(row.path));
    CHECK_FALSE(tables.quant.empty());
    const auto quality = estimate(tables);
    if (row["arithmetic"] == "no") CHECK_FALSE(tables.huff.empty());
    REQUIRE(quality);
    CHECK(quality->quality >= 1);
    CHECK(quality->quality <= 100);
    if (row["file"].find("-q85-") != std::string::npos) {
      ++q85_files;
      CHECK(quality->quality == 85);
      CHECK(quality->exact);
    }
  }
  CHECK(q85_files == 3);
}

TEST_CASE("corpus edge: table parsing never crashes", "[tables][corpus]") {
  for (const auto& row : jpegopt::test::read_manifest("edge")) {
    INFO(row["file"]);
    const Bytes file = jpegopt::test::read_bytes(row.path);
    try {
      const FileTables tables = tables_of(file);
      if (const auto quality = estimate(tables)) {
        CHECK(quality->quality >= 1);
        CHECK(quality->quality <= 100);
      }
      (void)jpegopt::tables::all_standard_huffman(tables.huff);
    } catch (const jpegopt::Error& e) {
      CHECK(e.code() == jpegopt::ErrorCode::CorruptData);
    }
  }
}

TEST_CASE("corpus edge: a 16-bit DQT is read", "[tables][corpus]") {
  const auto dir = jpegopt::test::corpus_dir() / "edge";
  const FileTables sixteen = tables_of(jpegopt::test::read_bytes(dir / "dqt-16bit-1x1.jpg"));
  REQUIRE_FALSE(sixteen.quant.empty());
  bool any_16bit = false;
  for (const QuantTable& t : sixteen.quant)
    any_16bit = any_16bit || t.precision == 1;
  CHECK(any_16bit);
  CHECK(estimate(sixteen));
}
