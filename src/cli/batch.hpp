// `jpegopt [options] FILE|FOLDER...`: the optimizer over many files with a pool of worker threads,
// results reported in input order.
#pragma once

#include "cli/args.hpp"
#include "jpegopt/options.hpp"

namespace jpegopt::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitWouldShrink = 3;

// Runs the optimizer over the inputs of `args`. Returns the exit status: 0 success, 1 some file
// failed, 3 --check found files that would shrink. Throws CLI::ValidationError for usage errors
// found only once the inputs are known (-o with several files, two '-' inputs, ...).
int run_batch(const OptimizeArgs& args, const Options& options);

}  // namespace jpegopt::cli
