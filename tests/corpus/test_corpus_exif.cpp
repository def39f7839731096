#include <catch2/catch.hpp>
#include "core/exif.hpp"

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "corpus/manifest.hpp"
#include "corpus/marker_walk.hpp"
#include "jpegopt/error.hpp"
#include "support/run_cli.hpp"
#include "support/test_paths.hpp"

namespace {

using jpegopt::Bytes;
using jpegopt::ByteView;
namespace exif = jpegopt::exif;
namespace test = jpegopt::test;

// The TIFF structure of the first APP1 "Exif\0\0" segment of the header.
std::optional<ByteView> find_exif_tiff(ByteView data) {
  for (const auto& s : test::walk_segments(data, false))
    if (s.marker == 0xE1 && jpegopt::starts_with(s.payload, "Exif\0\0"))
      return s.payload.subspan(6);
  return std::nullopt;
}

// Files whose EXIF is deliberately broken: parse may throw jpegopt::Error or return partial data.
// exif-bad-ifd-gray.jpg: IFD0 claims 32 entries in a 132-byte TIFF (exiftool: "Bad IFD0
// directory"). corrupt-bad-huffman-code.jpg: TIFF magic 0x132A instead of 42 (exiftool warns and
// reads on; we refuse the header).
const std::set<std::string> kMalformed = {"exif-bad-ifd-gray.jpg", "corrupt-bad-huffman-code.jpg"};

std::vector<test::ManifestRow> exif_rows() {
  std::vector<test::ManifestRow> rows;
  for (const char* folder : {"photos", "edge"})
    for (auto& row : test::read_manifest(folder))
      if (row["has_exif"] == "yes") rows.push_back(std::move(row));
  return rows;
}

// "yes (3228 B)" -> 3228; "no" -> 0.
std::size_t manifest_thumbnail(const std::string& value) {
  if (value.rfind("yes (", 0) != 0) return 0;
  return static_cast<std::size_t>(std::stoul(value.substr(5)));
}

}  // namespace

TEST_CASE("corpus exif: parse agrees with the manifest", "[exif][corpus]") {
  const auto rows = exif_rows();
  if (rows.empty()) return;
  CHECK(rows.size() >= 60);
  for (const auto& row : rows) {
    const std::string name = row["file"];
    CAPTURE(name);
    const Bytes data = test::read_bytes(row.path);
    const auto tiff = find_exif_tiff(ByteView(data.data(), data.size()));
    REQUIRE(tiff);
    if (kMalformed.count(name) != 0) {
      try {
        const auto info = exif::parse(*tiff);
        CHECK_FALSE(info.orientation);
      } catch (const jpegopt::Error& e) {
        CHECK(e.code() == jpegopt::ErrorCode::CorruptMetadata);
      }
      continue;
    }
    const auto info = exif::parse(*tiff);

    const std::string orientation = row["exif_orientation"];
    if (orientation == "-") {
      CHECK_FALSE(info.orientation);
    } else {
      CHECK(info.orientation == std::stoi(orientation));
    }

    const std::string gps = row["has_gps"];
    if (gps == "yes") {
      CHECK(info.has_gps);
      CHECK(info.gps_has_position);
    } else if (gps == "ifd-no-position") {
      CHECK(info.has_gps);
      CHECK_FALSE(info.gps_has_position);
    } else {
      REQUIRE(gps == "no");
      CHECK_FALSE(info.gps_has_position);
      // "no" also covers an empty GPS IFD (exif-empty-gps-ifd.jpg).
      CHECK((!info.has_gps || info.gps_tag_count == 0));
    }

    CHECK(info.thumbnail_bytes == manifest_thumbnail(row["has_thumbnail"]));
  }
}

TEST_CASE("corpus exif: an empty GPS IFD is a GPS IFD with no tags", "[exif][corpus]") {
  const auto path = test::corpus_dir() / "edge" / "exif-empty-gps-ifd.jpg";
  if (!std::filesystem::exists(path)) return;
  const Bytes data = test::read_bytes(path);
  const auto tiff = find_exif_tiff(ByteView(data.data(), data.size()));
  REQUIRE(tiff);
  const auto info = exif::parse(*tiff);
  CHECK(info.has_gps);
  CHECK(info.gps_tag_count == 0);
  CHECK(info.make == "Xiaomi");
  CHECK(info.model == "Redmi Note 9S");
  CHECK(info.orientation == 6);
}

TEST_CASE("corpus exif: rewriters keep every EXIF readable", "[exif][corpus]") {
  for (const auto& row : exif_rows()) {
    const std::string name = row["file"];
    CAPTURE(name);
    const Bytes data = test::read_bytes(row.path);
    const auto tiff = find_exif_tiff(ByteView(data.data(), data.size()));
    REQUIRE(tiff);
    exif::ExifInfo before;
    try {
      before = exif::parse(*tiff);
    } catch (const jpegopt::Error&) {
      CHECK(kMalformed.count(name) != 0);
      CHECK_THROWS_AS(exif::remove_gps(*tiff), jpegopt::Error);
      continue;
    }
    const Bytes no_gps = exif::remove_gps(*tiff);
    CHECK(no_gps.size() <= tiff->size());
    const auto a = exif::parse(ByteView(no_gps.data(), no_gps.size()));
    CHECK_FALSE(a.has_gps);
    CHECK(a.make == before.make);
    CHECK(a.model == before.model);
    CHECK(a.orientation == before.orientation);
    CHECK(a.datetime == before.datetime);
    CHECK(a.thumbnail_bytes == before.thumbnail_bytes);
    CHECK(a.pixel_width == before.pixel_width);

    const Bytes no_thumb = exif::remove_thumbnail(*tiff);
    CHECK(no_thumb.size() <= tiff->size());  // padding after the thumbnail is kept
    const auto b = exif::parse(ByteView(no_thumb.data(), no_thumb.size()));
    CHECK(b.thumbnail_bytes == 0);
    CHECK(b.make == before.make);
    CHECK(b.orientation == before.orientation);
    CHECK(b.gps_has_position == before.gps_has_position);

    const Bytes turned = exif::update_geometry(*tiff, 3, 123, 45678);
    CHECK(turned.size() == tiff->size());
    const auto c = exif::parse(ByteView(turned.data(), turned.size()));
    if (before.orientation) CHECK(c.orientation == 3);
    if (before.pixel_width) CHECK(c.pixel_width == 123u);
    if (before.pixel_height) CHECK(c.pixel_height == 45678u);
    CHECK(c.make == before.make);
  }
}

// Replaces the first APP1 Exif payload of `jpeg` with "Exif\0\0" + `tiff`.
Bytes splice_exif(const Bytes& jpeg, ByteView old_tiff, const Bytes& tiff) {
  const auto start = static_cast<std::size_t>(old_tiff.data() - jpeg.data()) - 6 - 4;
  const std::size_t old_end = start + 4 + 6 + old_tiff.size();
  Bytes out(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(start));
  out.push_back(0xFF);
  out.push_back(0xE1);
  jpegopt::append_be16(out, static_cast<unsigned>(2 + 6 + tiff.size()));
  for (char c : {'E', 'x', 'i', 'f', '\0', '\0'})
    out.push_back(static_cast<std::uint8_t>(c));
  jpegopt::append(out, ByteView(tiff.data(), tiff.size()));
  out.insert(out.end(), jpeg.begin() + static_cast<std::ptrdiff_t>(old_end), jpeg.end());
  return out;
}

TEST_CASE("corpus exif: exiftool finds no GPS after remove_gps", "[exif][corpus][exiftool]") {
  if (!test::have_program("exiftool")) return;
  const test::TempDir dir;
  int checked = 0;
  for (const auto& row : exif_rows()) {
    if (row["has_gps"] != "yes") continue;
    const std::string name = row["file"];
    CAPTURE(name);
    const Bytes data = test::read_bytes(row.path);
    const auto tiff = find_exif_tiff(ByteView(data.data(), data.size()));
    REQUIRE(tiff);
    const Bytes cleaned = splice_exif(data, *tiff, exif::remove_gps(*tiff));
    const auto path = dir / "cleaned.jpg";
    test::write_bytes(path, ByteView(cleaned.data(), cleaned.size()));
    const std::string quoted = test::shell_quote(path.string());
    const auto gps = test::run_shell("exiftool -gps:all -s " + quoted);
    CHECK(gps.out == "");
    const auto make = test::run_shell("exiftool -Make -s3 " + quoted);
    const auto original =
        test::run_shell("exiftool -Make -s3 " + test::shell_quote(row.path.string()));
    CHECK(make.out == original.out);
    ++checked;
  }
  if (!exif_rows().empty()) CHECK(checked >= 5);
}

// exiftool's view of every EXIF tag outside GPS and IFD1, maker notes included, for two files.
std::pair<std::string, std::string> exiftool_tags(const std::string& a, const std::string& b) {
  const auto r =
      test::run_shell("exiftool -a -s -G1 -EXIF:all -MakerNotes:all --GPS:all --IFD1:all " +
                      test::shell_quote(a) + " " + test::shell_quote(b));
  std::pair<std::string, std::string> out;
  std::string* current = nullptr;
  std::size_t pos = 0;
  while (pos < r.out.size()) {
    std::size_t end = r.out.find('\n', pos);
    if (end == std::string::npos) end = r.out.size();
    const std::string line = r.out.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind("======== ", 0) == 0) {
      current = current == nullptr ? &out.first : &out.second;
    } else if (current != nullptr && line.find("files read") == std::string::npos) {
      *current += line + "\n";
    }
  }
  return out;
}

TEST_CASE("corpus exif: exiftool sees the other tags unchanged after both removals",
          "[exif][corpus][exiftool]") {
  if (!test::have_program("exiftool")) return;
  const test::TempDir dir;
  for (const auto& row : exif_rows()) {
    const std::string name = row["file"];
    if (kMalformed.count(name) != 0) continue;
    CAPTURE(name);
    const Bytes data = test::read_bytes(row.path);
    const auto tiff = find_exif_tiff(ByteView(data.data(), data.size()));
    REQUIRE(tiff);
    const Bytes no_gps = exif::remove_gps(*tiff);
    const Bytes cleaned_tiff = exif::remove_thumbnail(ByteView(no_gps.data(), no_gps.size()));
    const Bytes cleaned = splice_exif(data, *tiff, cleaned_tiff);
    const auto path = dir / "cleaned.jpg";
    test::write_bytes(path, ByteView(cleaned.data(), cleaned.size()));
    const auto [before, after] = exiftool_tags(row.path.string(), path.string());
    CHECK(before == after);  // some wallpapers have no EXIF tags outside IFD1: both empty
  }
}
