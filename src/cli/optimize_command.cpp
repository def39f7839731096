#include "cli/optimize_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>

#include "core/segment_kind.hpp"
#include "io/files.hpp"
#include "io/platform.hpp"

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

double percent_saved(std::size_t in, std::size_t out) {
  return in == 0 ? 0.0
                 : 100.0 * (static_cast<double>(in) - static_cast<double>(out)) /
                       static_cast<double>(in);
}

struct Totals {
  int optimized = 0, unchanged = 0, skipped = 0, failed = 0;
  std::size_t bytes_in = 0, bytes_out = 0;
};

}  // namespace

std::string format_outcome(const std::string& path, const Outcome& o, bool verbose) {
  std::string line;
  switch (o.status) {
    case FileStatus::Optimized:
      line = fmt::format("{}: {} -> {} bytes ({:+.1f}%), {}", path, o.bytes_in, o.bytes_out,
                         -percent_saved(o.bytes_in, o.bytes_out), o.coding);
      if (const auto removed = removed_text(o); !removed.empty()) line += ", removed " + removed;
      line += o.pixels_identical ? "; pixels identical" : "; not verified";
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
      if (note.rfind("arithmetic", 0) == 0 || note.rfind("orientation", 0) == 0)
        line += "; " + note;
  }
  return line;
}

int run_optimize(const OptimizeArgs& args, const Options& options) {
  const auto started = std::chrono::steady_clock::now();
  Totals totals;
  std::set<std::filesystem::path> cleaned;
  // With --stdout, reports go to stderr so that standard output carries only the image.
  const bool image_on_stdout =
      args.to_stdout || (args.output.empty() &&
                         std::find(args.files.begin(), args.files.end(), "-") != args.files.end());
  std::FILE* report = image_on_stdout ? stderr : stdout;
  for (const auto& path : args.files) {
    try {
      const bool in_place = !args.to_stdout && args.output.empty() && path != "-";
      if (in_place) {
        // Temporary files left by a killed run carry a recognizable name: clear them once per
        // folder, whether or not this run ends up writing there.
        const auto folder = std::filesystem::absolute(path).parent_path();
        if (cleaned.insert(folder).second) io::remove_stale_temp_files(folder);
      }
      const Bytes input = io::read_file(path);
      const Outcome outcome = process(input, options);
      const ByteView result =
          outcome.status == FileStatus::Optimized ? ByteView(outcome.bytes) : ByteView(input);
      if (args.to_stdout || (path == "-" && args.output.empty())) {
        io::write_stdout(result);
      } else if (!args.output.empty()) {
        io::write_new_file(args.output, result, true);
      } else if (outcome.status == FileStatus::Optimized) {
        io::write_atomic(path, outcome.bytes, io::WriteOptions{args.preserve, true});
      }
      totals.bytes_in += outcome.bytes_in;
      totals.bytes_out += result.size();
      if (outcome.status == FileStatus::Optimized) ++totals.optimized;
      if (outcome.status == FileStatus::Unchanged) ++totals.unchanged;
      if (outcome.status == FileStatus::Skipped) ++totals.skipped;
      if (!args.quiet)
        std::fprintf(report, "%s\n", format_outcome(path, outcome, args.verbose).c_str());
    } catch (const io::BrokenPipe&) {
      return totals.failed > 0 ? 1 : 0;  // the reader went away: end quietly
    } catch (const Error& e) {
      ++totals.failed;
      std::fflush(report);
      std::fprintf(stderr, "jpegopt: %s: %s\n", path.c_str(), e.what());
    } catch (const std::bad_alloc&) {
      ++totals.failed;
      std::fprintf(stderr, "jpegopt: %s: out of memory\n", path.c_str());
    } catch (const std::exception& e) {
      ++totals.failed;
      std::fprintf(stderr, "jpegopt: %s: internal error: %s\n", path.c_str(), e.what());
    }
  }
  if (args.files.size() > 1 && !args.quiet) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(
        report,
        "%zu files: %d optimized, %d already optimal, %d skipped, %d failed; %zu -> %zu bytes "
        "(saved %.1f%%) in %.2f s\n",
        args.files.size(), totals.optimized, totals.unchanged, totals.skipped, totals.failed,
        totals.bytes_in, totals.bytes_out, percent_saved(totals.bytes_in, totals.bytes_out),
        seconds);
  }
  return totals.failed > 0 ? 1 : 0;
}

}  // namespace jpegopt::cli
