// The whole job on one file held in memory: jpegopt's library entry point.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "jpegopt/error.hpp"
#include "jpegopt/options.hpp"

namespace jpegopt {

enum class FileStatus {
  Optimized,  // `bytes` holds the new file
  Unchanged,  // already optimal (or the saving is under the threshold): keep the input
  Skipped,    // deliberately not touched; `reason` says why
};

// Which path produced the result.
enum class Mode { Lossless, Reencode, Target };

struct Outcome {
  FileStatus status = FileStatus::Unchanged;
  std::vector<std::uint8_t> bytes;  // the new file when Optimized
  std::size_t bytes_in = 0;
  std::size_t bytes_out = 0;        // size of the best result found (even when not written)
  std::optional<ErrorCode> reason;  // for Skipped
  std::string message;              // one line: why skipped, or notes for the user
  std::string coding;               // "baseline", "progressive" or "arithmetic"
  std::string scan_script;          // the winning script, described
  bool pixels_identical = false;    // coefficients verified equal to the source's
  std::array<std::size_t, kMetaKindCount> metadata_removed{};  // bytes per kind
  int width = 0, height = 0;
  int encodes = 0;  // candidate encodes the search ran
  bool arithmetic_input = false;
  Mode mode = Mode::Lossless;
  std::optional<double> quality;  // the quality encoded at (re-encode and target modes)
  std::optional<double> ssim;     // SSIM of the result against the decoded source, when computed
  int trials = 0;                 // trial encodes of a target-size search
  std::vector<std::string> notes;
};

// Optimizes a JPEG held in memory. Throws jpegopt::Error when the input cannot be processed
// (not a JPEG, corrupt, truncated, over a limit, verification failed).
Outcome optimize(std::span<const std::uint8_t> input, const Options& options);

// The entry point for any input: a target (options.target) runs the target-size search, a quality
// (options.reencode.quality) or PNG input re-encodes, anything else is optimized losslessly.
// Throws jpegopt::Error like optimize().
Outcome process(std::span<const std::uint8_t> input, const Options& options);

// True when the bytes start with the PNG signature.
bool is_png(std::span<const std::uint8_t> input);

}  // namespace jpegopt
