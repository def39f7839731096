// Where each result is written (in place, -o, --stdout, --dest, --suffix) and the path-safety
// rules that keep --dest writes inside DEST.
#pragma once

#include <filesystem>
#include <string>

#include "cli/inputs.hpp"

namespace jpegopt::cli {

enum class OutputKind { InPlace, File, Stdout, Dest };

struct OutputMode {
  OutputKind kind = OutputKind::InPlace;
  std::filesystem::path file;  // -o FILE
  std::filesystem::path dest;  // -d DIR
  std::string suffix;          // --suffix STR (in place and --dest)
};

// The path the result of `input` goes to ("-" for standard output). A PNG input (by extension)
// gets a .jpg name, unless `original_bytes` (copying an unchanged file, which keeps its name).
// With --suffix the name is `stem + suffix + .jpg`. Throws Error(InvalidArgument) when a --dest
// path would leave DEST (an absolute path or a '..' component).
std::filesystem::path output_path(const Input& input, const OutputMode& mode, bool original_bytes);

// True when the result replaces the input file itself (in place, no suffix, not a PNG or PNM).
bool replaces_input(const Input& input, const OutputMode& mode);

// Checks every folder between `dest` and `target` (which must lie below it): each must be a real
// folder, not a symlink or a file. Missing folders are created when `create`, else accepted.
// Throws Error(Io) naming the offending folder.
void prepare_dest_folders(const std::filesystem::path& dest, const std::filesystem::path& target,
                          bool create);

// Throws Error(InvalidArgument) when `output` is the file `input` (same inode, or the same path).
void refuse_same_file(const std::filesystem::path& input, const std::filesystem::path& output);

}  // namespace jpegopt::cli
