// The marker model, inspect() and `jpegopt info` over every file of ../shared/corpus/{photos,edge}:
// nothing crashes, well-formed files round-trip byte for byte, and what inspect() reads agrees
// with the manifest.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/jpeg_file.hpp"
#include "corpus/manifest.hpp"
#include "jpegopt/error.hpp"
#include "jpegopt/inspect.hpp"
#include "support/run_cli.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;

namespace {

// Every file of a corpus folder except the manifest, sorted by name.
std::set<std::string> files_in(const std::string& folder) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(corpus_dir() / folder))
    if (entry.is_regular_file() && entry.path().filename() != "MANIFEST.tsv")
      names.insert(entry.path().filename().string());
  return names;
}

// Manifest descriptions are exiftool's; "?" and "(Binary data ...)" mean it found none, and
// non-ASCII ones are its reading of a damaged tag. Only plain text is compared.
bool comparable_description(const std::string& text) {
  if (text.empty() || text == "?" || text.rfind("(Binary data", 0) == 0) return false;
  return std::none_of(text.begin(), text.end(),
                      [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// The description of has_icc values such as "yes (sRGB IEC61966-2.1; 3144 B)" or
// "yes (TIFF RGB; 399788 B in 7 chunks)"; nullopt for "no".
std::optional<std::string> manifest_icc_description(const std::string& value) {
  static const std::regex kPattern(R"(^yes \((.*); (\d+) B(?: in (\d+) chunks)?\)$)");
  std::smatch m;
  if (!std::regex_match(value, m, kPattern)) return std::nullopt;
  return m[1].str();
}

bool one_line(const std::string& text) {
  return !text.empty() && text.find('\n') == std::string::npos;
}

}  // namespace

TEST_CASE("corpus: the manifests list every file", "[model][corpus]") {
  for (const std::string folder : {"photos", "edge"}) {
    INFO(folder);
    std::set<std::string> listed;
    for (const auto& row : read_manifest(folder))
      listed.insert(row["file"]);
    CHECK(listed == files_in(folder));
  }
}

TEST_CASE("corpus: JpegFile parses or refuses every file - and round-trips what it parses",
          "[model][corpus]") {
  for (const std::string folder : {"photos", "edge"}) {
    const auto rows = read_manifest(folder);
    REQUIRE_FALSE(rows.empty());
    int parsed = 0;
    for (const auto& row : rows) {
      INFO(folder << "/" << row["file"] << " (decodes_cleanly " << row["decodes_cleanly"] << ")");
      const Bytes data = read_bytes(row.path);
      std::optional<JpegFile> file;
      try {
        file = JpegFile::parse(data);
      } catch (const Error& e) {
        INFO("parse threw " << error_code_name(e.code()) << ": " << e.what());
        CHECK(row["decodes_cleanly"] != "yes");
        CHECK(one_line(e.what()));
        continue;
      }
      ++parsed;
      CHECK(file->data() == data);
      CHECK(file->write() == data);

      // The parts tile the file: contiguous, non-empty, from 0 to the end.
      const auto& parts = file->parts();
      REQUIRE_FALSE(parts.empty());
      CHECK(parts.front().type == PartType::Segment);
      CHECK(parts.front().marker == marker::kSoi);
      CHECK(parts.front().offset == 0);
      std::size_t pos = 0;
      int trailers = 0;
      for (const Part& part : parts) {
        CHECK(part.offset == pos);
        CHECK(part.size > 0);
        pos = part.offset + part.size;
        if (part.type == PartType::Trailer) ++trailers;
      }
      CHECK(pos == data.size());
      CHECK(trailers <= 1);
      if (trailers == 1) CHECK(parts.back().type == PartType::Trailer);

      // The primary image and the bytes after it make up the whole file.
      CHECK(file->primary_end() + file->trailer().size() == data.size());
      CHECK(file->primary_end() >= 4);
      CHECK(data[file->primary_end() - 2] == 0xFF);
      CHECK(data[file->primary_end() - 1] == marker::kEoi);
      if (!file->trailer().empty())
        CHECK(file->trailer().data() == file->data().data() + file->primary_end());
    }
    if (folder == "photos") CHECK(parsed == static_cast<int>(rows.size()));
  }
}

namespace {

struct PhotoCounts {
  int with_icc = 0, with_gps = 0, rotated = 0;
};

// What inspect() read from a photo against the manifest's columns (exiftool's reading).
void check_against_manifest(const ManifestRow& row, const JpegInfo& info, PhotoCounts& counts) {
  CHECK_FALSE(info.decode_note);
  CHECK(info.width == std::stoi(row["width"]));
  CHECK(info.height == std::stoi(row["height"]));
  CHECK(info.arithmetic == (row["arithmetic"] == "yes"));
  CHECK((info.coding == "progressive") == (row["progressive"] == "yes"));

  if (row["has_exif"] == "yes") {
    CHECK(info.exif);
    if (info.exif) CHECK_FALSE(info.exif->error);
  } else {
    CHECK_FALSE(info.exif);
  }
  const ExifSummary exif = info.exif.value_or(ExifSummary{});

  // exif_orientation: IFD0 Orientation as a number, "-" when absent.
  const std::string orientation = row["exif_orientation"];
  if (orientation == "-") {
    CHECK_FALSE(exif.orientation);
  } else {
    CHECK(exif.orientation == std::stoi(orientation));
    if (orientation != "1") ++counts.rotated;
  }

  // has_gps: "yes" = latitude and longitude, "ifd-no-position" = a GPS IFD without them.
  const std::string gps = row["has_gps"];
  if (gps == "yes") {
    CHECK(exif.gps);
    CHECK(exif.gps_position);
    ++counts.with_gps;
  } else if (gps == "ifd-no-position") {
    CHECK(exif.gps);
    CHECK_FALSE(exif.gps_position);
  } else {
    CHECK(gps == "no");
    CHECK_FALSE(exif.gps_position);
    CHECK((!exif.gps || exif.gps_tags == 0));
  }

  // has_icc: "yes (DESCRIPTION; N B[ in K chunks])" or "no".
  const auto icc = manifest_icc_description(row["has_icc"]);
  if (icc) {
    ++counts.with_icc;
    CHECK(info.icc);
    if (info.icc) {
      CHECK(info.icc->complete);
      if (comparable_description(*icc)) CHECK(info.icc->description == *icc);
      CHECK(info.icc->is_srgb == (icc->find("sRGB") != std::string::npos));
    }
  } else {
    CHECK(row["has_icc"] == "no");
    CHECK_FALSE(info.icc);
  }

  // notes: "MPF 2 images" for Ultra HDR files.
  const bool mpf = row["notes"].find("MPF ") != std::string::npos;
  CHECK((info.mpf_images > 1) == mpf);
}

}  // namespace

TEST_CASE("corpus: inspect describes or refuses every file - and agrees with the photo manifest",
          "[inspect][corpus]") {
  PhotoCounts counts;
  for (const std::string folder : {"photos", "edge"}) {
    const auto rows = read_manifest(folder);
    REQUIRE_FALSE(rows.empty());
    for (const auto& row : rows) {
      const std::string clean = row["decodes_cleanly"];
      INFO(folder << "/" << row["file"] << " (decodes_cleanly " << clean << ")");
      const Bytes data = read_bytes(row.path);
      std::optional<JpegInfo> info;
      try {
        info = inspect(data);
      } catch (const Error& e) {
        INFO("inspect threw " << error_code_name(e.code()) << ": " << e.what());
        CHECK(clean != "yes");
        CHECK(one_line(e.what()));
        continue;
      }
      CHECK(info->file_bytes == data.size());
      CHECK(info->metadata_bytes + info->image_bytes + info->trailer_bytes == data.size());
      CHECK(info->segments.size() > 1);
      // libjpeg-turbo refuses these, so a described file carries the reason.
      if (clean == "error") CHECK(info->decode_note);
      if (clean == "yes" && info->decode_note) WARN("decode note: " << *info->decode_note);
      if (info->decode_note) CHECK(one_line(*info->decode_note));
      if (folder == "photos") check_against_manifest(row, *info, counts);
    }
  }
  CHECK(counts.with_icc >= 5);
  CHECK(counts.with_gps >= 5);
  CHECK(counts.rotated >= 1);
}

TEST_CASE("corpus edge: `jpegopt info` on the whole folder reports each failure on one line",
          "[cli][corpus]") {
  const auto rows = read_manifest("edge");
  REQUIRE_FALSE(rows.empty());
  std::vector<std::string> args{"info"};
  std::set<std::string> failing;
  for (const auto& row : rows) {
    args.push_back(row.path.string());
    try {
      (void)inspect(read_bytes(row.path));
    } catch (const Error&) {
      failing.insert(row.path.string());
    }
  }
  REQUIRE_FALSE(failing.empty());
  const CommandResult r = run_jpegopt(args);
  CHECK(r.exit_code == (failing.empty() ? 0 : 1));

  std::vector<std::string> lines;
  std::istringstream err(r.err);
  for (std::string line; std::getline(err, line);)
    lines.push_back(line);
  CHECK((r.err.empty() || r.err.back() == '\n'));
  CHECK(lines.size() == failing.size());
  std::set<std::string> reported;
  for (const auto& line : lines) {
    INFO(line);
    REQUIRE(line.rfind("jpegopt: ", 0) == 0);
    const std::string rest = line.substr(9);
    // "jpegopt: PATH: message": the path is one of the files that inspect() refuses.
    const auto path = std::find_if(failing.begin(), failing.end(), [&](const std::string& p) {
      return rest.rfind(p + ": ", 0) == 0;
    });
    CHECK(path != failing.end());
    if (path != failing.end()) {
      CHECK(rest.size() > path->size() + 2);
      reported.insert(*path);
    }
  }
  CHECK(reported == failing);
  // Every file that is described appears on stdout.
  for (const auto& row : rows)
    if (!failing.count(row.path.string()))
      CHECK(r.out.find(row.path.string()) != std::string::npos);
}
