#include <catch2/catch.hpp>

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "core/icc.hpp"
#include "corpus/manifest.hpp"
#include "corpus/marker_walk.hpp"
#include "jpegopt/error.hpp"
#include "support/test_paths.hpp"

namespace {

using jpegopt::Bytes;
using jpegopt::ByteView;

// APP2 payloads of the header segments (up to the first SOS).
std::vector<ByteView> app2_payloads(const Bytes& file) {
  std::vector<ByteView> out;
  for (const auto& s : jpegopt::test::walk_segments(file, false))
    if (s.marker == 0xE2) out.push_back(s.payload);
  return out;
}

struct ManifestIcc {
  std::string description;
  std::size_t bytes = 0;
  std::optional<int> chunks;
};

// Parses has_icc values such as "yes (sRGB IEC61966-2.1; 3144 B)" or
// "yes (TIFF RGB; 399788 B in 7 chunks)".
std::optional<ManifestIcc> parse_has_icc(const std::string& value) {
  static const std::regex kPattern(R"(^yes \((.*); (\d+) B(?: in (\d+) chunks)?\)$)");
  std::smatch m;
  if (!std::regex_match(value, m, kPattern)) return std::nullopt;
  ManifestIcc out;
  out.description = m[1];
  out.bytes = std::stoul(m[2]);
  if (m[3].matched) out.chunks = std::stoi(m[3]);
  return out;
}

// Manifest descriptions are exiftool's; "?" and "(Binary data ...)" mean it found none, and
// non-ASCII ones are its reading of a damaged tag. Only plain text is compared.
bool comparable_description(const std::string& text) {
  if (text.empty() || text == "?" || text.rfind("(Binary data", 0) == 0) return false;
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

}  // namespace

TEST_CASE("corpus photos: ICC profiles reassemble and match the manifest", "[icc][corpus]") {
  const auto rows = jpegopt::test::read_manifest("photos");
  REQUIRE_FALSE(rows.empty());
  int with_icc = 0;
  for (const auto& row : rows) {
    INFO(row["file"]);
    const Bytes file = jpegopt::test::read_bytes(row.path);
    const auto payloads = app2_payloads(file);
    const auto result = jpegopt::icc::reassemble(payloads);
    const auto expected = parse_has_icc(row["has_icc"]);
    if (!expected) {
      CHECK(row["has_icc"] == "no");
      CHECK_FALSE(result);
      continue;
    }
    ++with_icc;
    REQUIRE(result);
    CHECK(result->complete);
    CHECK(result->profile.size() == expected->bytes);
    if (expected->chunks) CHECK(result->chunks == *expected->chunks);
    const auto info = jpegopt::icc::describe(result->profile);
    CHECK(info.size == expected->bytes);
    CHECK(info.declared_size == expected->bytes);
    CHECK(info.description == expected->description);
    CHECK(info.color_space == "RGB ");
    const bool srgb_name = info.description.find("sRGB") != std::string::npos;
    CHECK(info.is_srgb == srgb_name);
  }
  CHECK(with_icc >= 10);
}

TEST_CASE("corpus edge: ICC profiles - damaged ones included - never crash", "[icc][corpus]") {
  const auto rows = jpegopt::test::read_manifest("edge");
  REQUIRE_FALSE(rows.empty());
  for (const auto& row : rows) {
    INFO(row["file"]);
    const Bytes file = jpegopt::test::read_bytes(row.path);
    const auto result = jpegopt::icc::reassemble(app2_payloads(file));
    const auto expected = parse_has_icc(row["has_icc"]);
    if (!expected) {
      CHECK_FALSE(result);
      continue;
    }
    REQUIRE(result);
    if (expected->chunks) CHECK(result->chunks == *expected->chunks);
    // exiftool concatenates duplicated chunks (icc-after-sof.jpg repeats chunk 1 of 1); we keep
    // the first copy and report the profile incomplete.
    if (result->complete) {
      CHECK(result->profile.size() == expected->bytes);
    } else {
      CHECK(result->profile.size() <= expected->bytes);
    }
    try {
      const auto info = jpegopt::icc::describe(result->profile);
      CHECK(info.size == result->profile.size());
      if (comparable_description(expected->description))
        CHECK(info.description == expected->description);
    } catch (const jpegopt::Error& e) {
      CHECK(e.code() == jpegopt::ErrorCode::CorruptMetadata);
      CHECK(result->profile.size() < 128);
    }
  }
}

TEST_CASE("corpus edge: chunk order and gaps are reported", "[icc][corpus]") {
  const auto dir = jpegopt::test::corpus_dir() / "edge";
  const auto reassembled = [&](const char* name) {
    return jpegopt::icc::reassemble(app2_payloads(jpegopt::test::read_bytes(dir / name)));
  };
  const auto out_of_order = reassembled("icc-chunks-out-of-order.jpeg");
  REQUIRE(out_of_order);
  CHECK(out_of_order->complete);
  const auto missing = reassembled("icc-missing-chunk.jpeg");
  REQUIRE(missing);
  CHECK_FALSE(missing->complete);
  const auto swop = reassembled("ycck-swop-icc-557k-in-9-chunks.jpg");
  REQUIRE(swop);
  CHECK(swop->complete);
  const auto info = jpegopt::icc::describe(swop->profile);
  CHECK(info.color_space == "CMYK");
  CHECK_FALSE(info.is_srgb);
  const auto v4 = reassembled("icc-srgb-v4-61k-gps-ghost-town.jpg");
  REQUIRE(v4);
  CHECK(jpegopt::icc::describe(v4->profile).is_srgb);
}
