// `jpegopt [options] FILE...`: optimize files in place, to -o FILE or to standard output.
#pragma once

#include <string>

#include "cli/args.hpp"
#include "jpegopt/optimize.hpp"

namespace jpegopt::cli {

// Runs the optimizer over args.files. Returns the exit status: 0 when no file failed, 1 otherwise.
int run_optimize(const OptimizeArgs& args, const Options& options);

// The one-line human report of an outcome, e.g.
// "photo.jpg: 1048576 -> 901234 bytes (-14.1%), progressive, removed exif 12034; pixels identical"
std::string format_outcome(const std::string& path, const Outcome& outcome, bool verbose);

}  // namespace jpegopt::cli
