#include "cli/report.hpp"

#include <fmt/format.h>
#include <cmath>

#include "core/segment_kind.hpp"

namespace jpegopt::cli {

namespace {

std::string removed_text(const Outcome& o) {
  std::string text;
  for (std::size_t k = 0; k < kMetaKindCount; ++k)
    if (o.metadata_removed[k] > 0)
      text += fmt::format("{}{} {}", text.empty() ? "" : ", ",
                          meta_kind_name(static_cast<MetaKind>(k)), o.metadata_removed[k]);
  return text;
}

std::string_view mode_name(Mode mode) {
  switch (mode) {
    case Mode::Lossless:
      return "lossless";
    case Mode::Reencode:
      return "reencode";
    case Mode::Target:
      return "target";
  }
  return "lossless";
}

std::string_view status_name(ReportStatus status) {
  switch (status) {
    case ReportStatus::Optimized:
      return "optimized";
    case ReportStatus::Unchanged:
      return "unchanged";
    case ReportStatus::Skipped:
      return "skipped";
    case ReportStatus::Failed:
      return "failed";
  }
  return "failed";
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// A file name as JSON: the name itself when it is UTF-8, else (Unix names are bytes) the name
// with U+FFFD for each bad byte, plus `<field>_hex` holding the exact bytes.
void put_name(nlohmann::json& object, const std::string& field, const std::string& name) {
  object[field] = name;
  if (!is_valid_utf8(name)) object[field + "_hex"] = hex(name);
}

}  // namespace

ReportStatus FileReport::status() const {
  if (!outcome) return ReportStatus::Failed;
  switch (outcome->status) {
    case FileStatus::Optimized:
      return ReportStatus::Optimized;
    case FileStatus::Unchanged:
      return ReportStatus::Unchanged;
    case FileStatus::Skipped:
      return ReportStatus::Skipped;
  }
  return ReportStatus::Failed;
}

std::size_t FileReport::bytes_out() const {
  if (!outcome) return 0;
  return outcome->status == FileStatus::Optimized ? outcome->bytes_out : outcome->bytes_in;
}

void Totals::add(const FileReport& report) {
  ++files;
  switch (report.status()) {
    case ReportStatus::Optimized:
      ++optimized;
      break;
    case ReportStatus::Unchanged:
      ++unchanged;
      break;
    case ReportStatus::Skipped:
      ++skipped;
      break;
    case ReportStatus::Failed:
      ++failed;
      return;
  }
  bytes_in += report.bytes_in();
  bytes_out += report.bytes_out();
}

double percent_saved(std::size_t in, std::size_t out) {
  return in == 0 ? 0.0
                 : 100.0 * (static_cast<double>(in) - static_cast<double>(out)) /
                       static_cast<double>(in);
}

std::string format_outcome(const std::string& path, const Outcome& o, bool verbose) {
  std::string line;
  switch (o.status) {
    case FileStatus::Optimized:
      line = fmt::format("{}: {} -> {} bytes ({:+.1f}%), {}", path, o.bytes_in, o.bytes_out,
                         -percent_saved(o.bytes_in, o.bytes_out), o.coding);
      if (const auto removed = removed_text(o); !removed.empty()) line += ", removed " + removed;
      if (o.mode == Mode::Target && o.quality) {
        line += fmt::format("; quality {:g}, {}x{}, {} trial encodes", *o.quality, o.width,
                            o.height, o.trials);
      } else if (o.mode == Mode::Reencode) {
        line += fmt::format(", {}x{}, quality {:g}", o.width, o.height, o.quality.value_or(0));
        if (o.ssim) line += fmt::format(", SSIM {:.4f}", *o.ssim);
      } else {
        line += o.pixels_identical ? "; pixels identical" : "; not verified";
      }
      break;
    case FileStatus::Unchanged:
      line = fmt::format("{}: already optimal ({} bytes; best rewrite {} bytes)", path, o.bytes_in,
                         o.bytes_out);
      break;
    case FileStatus::Skipped:
      line = fmt::format("{}: skipped: {}", path, o.message);
      break;
  }
  if (verbose) {
    if (!o.scan_script.empty())
      line += fmt::format("\n  scans: {} ({} encodes)", o.scan_script, o.encodes);
    for (const auto& note : o.notes)
      line += "\n  note: " + note;
  } else if (o.status != FileStatus::Skipped) {
    for (const auto& note : o.notes)
      if (note.rfind("arithmetic", 0) == 0 || note.rfind("orientation", 0) == 0 ||
          note.rfind("not re-encoded", 0) == 0 || note.rfind("re-encoding gave", 0) == 0 ||
          note.rfind("visual target", 0) == 0 || note.rfind("downscaled", 0) == 0)
        line += "; " + note;
  }
  return line;
}

std::string format_summary(const Totals& t, double seconds) {
  return fmt::format(
      "{} files: {} optimized, {} already optimal, {} skipped, {} failed; {} -> {} bytes (saved "
      "{:.1f}%) in {:.2f} s",
      t.files, t.optimized, t.unchanged, t.skipped, t.failed, t.bytes_in, t.bytes_out,
      percent_saved(t.bytes_in, t.bytes_out), seconds);
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t value = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
      value = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      value = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      value = c & 0x07u;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      value = (value << 6) | (next & 0x3Fu);
    }
    if ((length == 3 && (value < 0x800 || (value >= 0xD800 && value <= 0xDFFF))) ||
        (length == 4 && (value < 0x10000 || value > 0x10FFFF)))
      return false;
    i += length;
  }
  return true;
}

nlohmann::json file_json(const FileReport& r) {
  nlohmann::json j;
  j["schema_version"] = kJsonSchemaVersion;
  j["type"] = "file";
  put_name(j, "path", r.path);
  if (r.output.empty())
    j["output"] = nullptr;
  else
    put_name(j, "output", r.output.string());
  j["written"] = r.written;
  j["status"] = status_name(r.status());
  j["elapsed_ms"] = std::round(r.elapsed_ms * 10) / 10;  // 0.1 ms: finer is noise
  nlohmann::json removed = nlohmann::json::object();
  if (!r.outcome) {
    j["reason"] = r.error_code ? error_code_name(*r.error_code) : "internal";
    j["message"] = r.error;
    for (const char* field : {"bytes_in", "bytes_out", "mode", "coding", "quality", "width",
                              "height", "pixels_identical", "ssim", "trials"})
      j[field] = nullptr;
    j["metadata_removed"] = removed;
    return j;
  }
  const Outcome& o = *r.outcome;
  j["reason"] = o.reason ? nlohmann::json(error_code_name(*o.reason)) : nlohmann::json(nullptr);
  j["message"] = o.message;
  j["bytes_in"] = r.bytes_in();
  j["bytes_out"] = r.bytes_out();
  j["mode"] = mode_name(o.mode);
  j["coding"] = o.coding.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.coding);
  j["quality"] = o.quality ? nlohmann::json(*o.quality) : nlohmann::json(nullptr);
  j["width"] = o.width;
  j["height"] = o.height;
  j["pixels_identical"] = o.pixels_identical;
  j["ssim"] = o.ssim ? nlohmann::json(*o.ssim) : nlohmann::json(nullptr);
  j["trials"] = o.trials;  // trial encodes of a target-size search (0 otherwise)
  for (std::size_t k = 0; k < kMetaKindCount; ++k)
    removed[std::string(meta_kind_name(static_cast<MetaKind>(k)))] = o.metadata_removed[k];
  j["metadata_removed"] = removed;
  return j;
}

nlohmann::json summary_json(const Totals& t, double seconds, bool dry_run, bool check) {
  nlohmann::json j;
  j["schema_version"] = kJsonSchemaVersion;
  j["type"] = "summary";
  j["files"] = t.files;
  j["optimized"] = t.optimized;
  j["unchanged"] = t.unchanged;
  j["skipped"] = t.skipped;
  j["failed"] = t.failed;
  j["bytes_in"] = t.bytes_in;
  j["bytes_out"] = t.bytes_out;
  j["saved_percent"] = percent_saved(t.bytes_in, t.bytes_out);
  j["elapsed_ms"] = seconds * 1000.0;
  j["dry_run"] = dry_run;
  j["check"] = check;
  return j;
}

std::string json_line(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace jpegopt::cli
