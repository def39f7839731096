// The optimizer's command-line arguments: raw values as typed (OptimizeArgs), bound to CLI11, and
// their validation into library Options (to_options), which is testable without a process.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "jpegopt/options.hpp"

namespace jpegopt::cli {

struct OptimizeArgs {
  std::vector<std::string> files;
  std::string output;        // -o FILE
  bool to_stdout = false;    // --stdout
  std::string strip;         // --strip PRESET|LIST
  std::string keep;          // --keep LIST
  bool progressive = false;  // --progressive
  bool baseline = false;     // --baseline
  bool arithmetic = false;
  bool huffman = false;
  std::string effort = "default";
  bool no_verify = false;
  std::string threshold;  // bytes ("1000") or percent ("1.5%")
  bool force = false;
  int rotate = 0;
  std::string flip;
  bool transpose = false;
  bool transverse = false;
  std::string crop;
  bool grayscale = false;
  bool perfect = false;
  bool trim = false;
  bool auto_orient = false;
  std::uint64_t max_pixels = Limits{}.max_pixels;
  int max_scans = Limits{}.max_scans;
  long max_memory_mib = Limits{}.max_memory >> 20;  // 0 = unlimited
  bool quiet = false;
  bool verbose = false;
  bool preserve = false;
  // Target size and visual target (docs/target-size.md).
  std::optional<std::string> target_size;  // -S/--target-size/--max-size SIZE
  std::string min_quality;                 // --min-quality Q
  bool no_resize = false;                  // --no-resize
  std::string min_ssim;                    // --min-ssim X
  bool visually_lossless = false;
  // Batch (issue 6): inputs, outputs, workers, reports.
  bool recursive = false;             // -r
  bool follow_symlinks = false;       // --follow-symlinks
  std::string files_from;             // --files-from FILE ("-" = stdin)
  bool null_separated = false;        // -0: --files-from is NUL-separated
  std::vector<std::string> excludes;  // --exclude GLOB
  std::string dest;                   // -d DIR
  std::string suffix;                 // --suffix STR
  bool overwrite = false;             // --overwrite
  bool copy_unchanged = false;        // --copy-unchanged
  bool dry_run = false;               // -n
  unsigned jobs = 0;                  // -j N (0: the number of hardware threads)
  bool json = false;                  // --json
  bool check = false;                 // --check
  // Re-encoding (issue 4).
  std::string quality;  // -q/--quality N (1..100, fractional allowed)
  bool force_reencode = false;
  std::string subsampling = "auto";
  std::string background;  // --background #rrggbb|white|black
  int max_width = 0;
  int max_height = 0;
  std::string resize;  // --resize WxH
  std::string scale;   // --scale PCT
  bool upscale = false;
  bool to_srgb = false;
};

// Adds the optimizer's options to `app`, bound to `args`.
void bind_optimize_args(CLI::App& app, OptimizeArgs& args);

// Validates and converts. Throws CLI::ValidationError with a one-line message on bad values.
Options to_options(const OptimizeArgs& args);

// Parses --strip/--keep values into `policy` (exposed for tests).
MetadataPolicy parse_metadata_policy(const std::string& strip, const std::string& keep);

}  // namespace jpegopt::cli
