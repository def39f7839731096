// optimize() with the default options (safe preset) over ../shared/corpus: real photos come out
// smaller with the same coefficients and the metadata the preset promises to keep; malformed
// edge files are refused with a proper error or give the same pixels.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "core/jpeg_file.hpp"
#include "core/mpf.hpp"
#include "corpus/manifest.hpp"
#include "jpegopt/error.hpp"
#include "jpegopt/inspect.hpp"
#include "jpegopt/optimize.hpp"
#include "support/run_cli.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;

namespace {

// Photos of 2 MB and more get the fast search so that a Debug build stays within minutes.
constexpr std::size_t kDefaultEffortBelow = 2'000'000;

Options options_for(std::size_t bytes) {
  Options o;  // safe preset, automatic coding, verification on
  if (bytes >= kDefaultEffortBelow) o.effort = Effort::Fast;
  return o;
}

// The description of has_icc values such as "yes (Display P3; 584 B)"; nullopt for "no".
std::optional<std::string> manifest_icc_description(const std::string& value) {
  static const std::regex kPattern(R"(^yes \((.*); (\d+) B(?: in (\d+) chunks)?\)$)");
  std::smatch m;
  if (!std::regex_match(value, m, kPattern)) return std::nullopt;
  return m[1].str();
}

const char* status_name(FileStatus s) {
  switch (s) {
    case FileStatus::Optimized:
      return "optimized";
    case FileStatus::Unchanged:
      return "unchanged";
    case FileStatus::Skipped:
      return "skipped";
  }
  return "?";
}

bool known_code(ErrorCode code) {
  switch (code) {
#define JPEGOPT_X(name, id, text) case ErrorCode::name:
    JPEGOPT_ERROR_CODES(JPEGOPT_X)
#undef JPEGOPT_X
    return true;
  }
  return false;
}

// The APP2 "MPF\0" segment of a file, when it has one.
const Part* mpf_segment(const JpegFile& file) {
  for (const Part* part : file.segments(0xE2)) {
    const ByteView payload = file.payload_of(*part);
    if (payload.size() >= 4 && std::memcmp(payload.data(), "MPF\0", 4) == 0) return part;
  }
  return nullptr;
}

// Every image an MPF index lists starts with SOI, and lies inside the file.
void check_mpf_targets(const JpegFile& file) {
  const Part* part = mpf_segment(file);
  REQUIRE(part != nullptr);
  const auto index = mpf::parse(file.payload_of(*part));
  REQUIRE(index.entries.size() >= 2);
  const std::size_t base = part->payload_offset() + 4;  // the MPF TIFF header
  const ByteView data(file.data());
  for (std::size_t i = 0; i < index.entries.size(); ++i) {
    const auto& e = index.entries[i];
    const std::size_t start = e.offset == 0 ? 0 : base + e.offset;
    INFO("MPF entry " << i << ": offset " << e.offset << ", size " << e.size << ", file "
                      << data.size());
    REQUIRE(start + 2 <= data.size());
    CHECK(data[start] == 0xFF);
    CHECK(data[start + 1] == 0xD8);
    CHECK(start + e.size <= data.size());
  }
  CHECK(index.entries[0].size == file.primary_end());
}

}  // namespace

TEST_CASE("corpus photos: optimize with the safe preset", "[optimize][corpus]") {
  const auto rows = read_manifest("photos");
  REQUIRE_FALSE(rows.empty());
  int optimized = 0, mpf_checked = 0, exiftool_checked = 0;
  const bool have_exiftool = have_program("exiftool");
  for (const auto& row : rows) {
    const std::string name = row["file"];
    INFO(name);
    const Bytes input = read_bytes(row.path);
    const Options options = options_for(input.size());
    Outcome o;
    try {
      o = optimize(input, options);
    } catch (const Error& e) {
      WARN(name << ": " << error_code_name(e.code()) << ": " << e.what());
      CHECK(known_code(e.code()));
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
      continue;
    }
    INFO("status " << status_name(o.status) << ", " << o.bytes_in << " -> " << o.bytes_out);
    CHECK(o.bytes_in == input.size());
    if (o.status == FileStatus::Skipped) {
      CHECK(o.reason);
      continue;
    }
    if (o.status == FileStatus::Unchanged) continue;
    REQUIRE(o.status == FileStatus::Optimized);
    ++optimized;
    CHECK(o.bytes_out < o.bytes_in);
    CHECK(o.bytes.size() == o.bytes_out);
    CHECK(o.pixels_identical);

    const JpegFile in_file = JpegFile::parse(input);
    std::optional<JpegFile> out_file;
    REQUIRE_NOTHROW(out_file = JpegFile::parse(o.bytes));
    CHECK(out_file->frame().width == in_file.frame().width);
    CHECK(out_file->frame().height == in_file.frame().height);
    const JpegInfo in_info = inspect(input);
    JpegInfo out_info;
    REQUIRE_NOTHROW(out_info = inspect(o.bytes));
    CHECK_FALSE(out_info.decode_note);

    // A profile that is not sRGB changes the colours: the safe preset keeps it.
    const auto icc = manifest_icc_description(row["has_icc"]);
    if (icc && icc->find("sRGB") == std::string::npos) {
      REQUIRE(out_info.icc);
      CHECK(out_info.icc->description == *icc);
      CHECK(out_info.icc->complete);
    }

    // The orientation survives EXIF stripping.
    const std::string orientation = row["exif_orientation"];
    if (orientation != "-" && orientation != "1") {
      REQUIRE(out_info.exif);
      CHECK(out_info.exif->orientation == std::stoi(orientation));
    }

    // GPS never survives the safe preset.
    CHECK((!out_info.exif || !out_info.exif->gps));

    // Bytes after EOI stay at the end, byte for byte.
    const ByteView in_trailer = in_file.trailer();
    const ByteView out_trailer = out_file->trailer();
    if (!in_trailer.empty()) {
      CHECK(Bytes(out_trailer.begin(), out_trailer.end()) ==
            Bytes(in_trailer.begin(), in_trailer.end()));
    }

    // Ultra HDR / MPO: the index points at the images after the rewrite.
    if (name.find("ultrahdr") != std::string::npos || in_info.mpf_images > 1) {
      ++mpf_checked;
      CHECK(out_info.mpf_images == in_info.mpf_images);
      check_mpf_targets(*out_file);
      if (have_exiftool) {
        TempDir tmp;
        const auto out_path = tmp / "out.jpg";
        write_bytes(out_path, o.bytes);
        const auto r = run_shell("exiftool -b -MPImage2 " + shell_quote(out_path.string()) +
                                 " | head -c 2 | od -An -tx1 | tr -d ' \\n'");
        CHECK(r.out == "ffd8");
        ++exiftool_checked;
      }
    }
  }
  CHECK(optimized >= static_cast<int>(rows.size()) / 2);
  CHECK(mpf_checked >= 2);
  if (!have_exiftool) WARN("exiftool not installed: MPImage2 extraction not checked");
}

TEST_CASE("corpus edge: optimize refuses with an error code or keeps the pixels",
          "[optimize][corpus]") {
  const auto rows = read_manifest("edge");
  REQUIRE_FALSE(rows.empty());
  for (const auto& row : rows) {
    const std::string clean = row["decodes_cleanly"];
    INFO(row["file"] << " (decodes_cleanly " << clean << ")");
    const Bytes input = read_bytes(row.path);
    Outcome o;
    try {
      o = optimize(input, Options{});
    } catch (const Error& e) {
      const std::string message = e.what();
      INFO(error_code_name(e.code()) << ": " << message);
      CHECK(known_code(e.code()));
      CHECK_FALSE(message.empty());
      CHECK(message.find('\n') == std::string::npos);
      continue;
    } catch (const std::exception& e) {
      FAIL("optimize threw a non-jpegopt exception: " << e.what());
      continue;
    }
    CHECK(o.bytes_in == input.size());
    if (o.status == FileStatus::Skipped) CHECK(o.reason);
    if (o.status != FileStatus::Optimized) continue;
    CHECK(o.bytes_out < o.bytes_in);
    CHECK(o.pixels_identical);
    // MPO frames and gain maps: the rewritten index still points at each image.
    if (inspect(input).mpf_images > 1) {
      std::optional<JpegFile> out_file;
      REQUIRE_NOTHROW(out_file = JpegFile::parse(o.bytes));
      check_mpf_targets(*out_file);
    }
    Bytes before, after;
    try {
      before = decode_pixels(input);
    } catch (const Error& e) {
      // The input only decodes with warnings: jpegopt read its coefficients anyway.
      WARN(row["file"] << ": the input does not decode here: " << e.what());
      continue;
    }
    REQUIRE_NOTHROW(after = decode_pixels(o.bytes));
    CHECK(after.size() == before.size());
    CHECK(after == before);
  }
}

// Not run by default: prints what parse, inspect and optimize make of each edge file.
TEST_CASE("corpus edge: report of outcomes", "[.report][corpus]") {
  std::printf("| file | decodes_cleanly | parse | inspect | optimize |\n|---|---|---|---|---|\n");
  for (const auto& row : read_manifest("edge")) {
    const Bytes input = read_bytes(row.path);
    const auto attempt = [&](auto&& f) -> std::string {
      try {
        return f();
      } catch (const Error& e) {
        return std::string(error_code_name(e.code())) + ": " + e.what();
      }
    };
    const std::string parse = attempt([&] {
      (void)JpegFile::parse(input);
      return std::string("ok");
    });
    const std::string info = attempt([&] {
      const JpegInfo i = inspect(input);
      return i.decode_note ? "note: " + *i.decode_note : std::string("ok");
    });
    const std::string opt = attempt([&] {
      const Outcome o = optimize(input, Options{});
      std::string s = status_name(o.status);
      if (o.status == FileStatus::Optimized)
        s += " " + std::to_string(o.bytes_in) + " -> " + std::to_string(o.bytes_out);
      if (o.reason) s += std::string(" (") + std::string(error_code_name(*o.reason)) + ")";
      return s;
    });
    std::printf("| %s | %s | %s | %s | %s |\n", row["file"].c_str(), row["decodes_cleanly"].c_str(),
                parse.c_str(), info.c_str(), opt.c_str());
  }
}
