// What the user sees of a run: the human line per file, the summary line, and the JSON Lines
// report (--json, schema in docs/json-report.md).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "jpegopt/optimize.hpp"

namespace jpegopt::cli {

inline constexpr int kJsonSchemaVersion = 1;

enum class ReportStatus { Optimized, Unchanged, Skipped, Failed };

// The result of one file, as reported. `outcome` holds no image bytes (freed after writing).
struct FileReport {
  std::string path;                     // as given or found ("-" is standard input)
  std::filesystem::path output;         // where the result went or would go; empty: nowhere
  bool written = false;                 // something was written to `output`
  std::optional<Outcome> outcome;       // absent when the file failed
  std::optional<ErrorCode> error_code;  // when failed
  std::string error;                    // when failed: the one-line message
  double elapsed_ms = 0;

  ReportStatus status() const;
  // Size of the file at `output` after the run (or that would be): the result when optimized,
  // else the input's size.
  std::size_t bytes_out() const;
  std::size_t bytes_in() const { return outcome ? outcome->bytes_in : 0; }
};

struct Totals {
  std::size_t files = 0;
  int optimized = 0, unchanged = 0, skipped = 0, failed = 0;
  std::size_t bytes_in = 0, bytes_out = 0;  // over the files that did not fail
  void add(const FileReport& report);
};

double percent_saved(std::size_t in, std::size_t out);

// The one-line human report of an outcome, e.g.
// "photo.jpg: 1048576 -> 901234 bytes (-14.1%), progressive, removed exif 12034; pixels identical"
std::string format_outcome(const std::string& path, const Outcome& outcome, bool verbose);

// "8 files: 8 optimized, 0 already optimal, 0 skipped, 0 failed; 1030036 -> 905803 bytes (saved
// 12.1%) in 3.42 s"
std::string format_summary(const Totals& totals, double seconds);

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or values over U+10FFFF).
bool is_valid_utf8(std::string_view text);

// One JSON object per file and the final summary (docs/json-report.md).
nlohmann::json file_json(const FileReport& report);
nlohmann::json summary_json(const Totals& totals, double seconds, bool dry_run, bool check);
// One line of JSON (no spaces, ending in '\n'); invalid UTF-8 is replaced by U+FFFD.
std::string json_line(const nlohmann::json& value);

}  // namespace jpegopt::cli
