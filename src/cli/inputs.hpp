// The files one run works on: command-line arguments, folders walked with -r, --files-from lists,
// filtered by extension and --exclude, in a deterministic order.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace jpegopt::cli {

struct InputOptions {
  bool recursive = false;             // -r: walk folder arguments
  bool follow_symlinks = false;       // --follow-symlinks: walk into symlinked folders
  bool include_png = false;           // re-encoding: folders also yield .png files
  std::vector<std::string> excludes;  // --exclude GLOB
};

struct Input {
  std::filesystem::path path;  // as opened ("-" is standard input)
  // Where the file goes under --dest: relative to the folder argument it was found in, the file
  // name for a file given directly, the path as listed for --files-from (checked when used).
  std::filesystem::path relative;
  std::string error;  // non-empty: this input fails with this message (folder without -r, ...)
};

// One input per file, in order: arguments as given, each folder's files sorted by relative path
// (byte order). A file reached twice is kept once. Folders that cannot be read and folder
// arguments without -r become inputs with an error, so the rest of the batch goes on.
std::vector<Input> collect_inputs(const std::vector<std::string>& arguments,
                                  const std::vector<std::string>& listed,
                                  const InputOptions& options);

// Splits a --files-from list: one path a line (a trailing '\r' is dropped) or, with `nul`,
// NUL-separated. Empty entries are ignored.
std::vector<std::string> split_file_list(std::string_view text, bool nul);

// True for .png .ppm .pgm .pnm in any letter case: pixel input, whose result gets a .jpg name.
bool is_pixel_file_name(const std::filesystem::path& path);
// True for .jpg .jpeg .jpe .jfif, and the pixel-file names when `include_png`, in any letter case.
bool has_image_extension(const std::filesystem::path& path, bool include_png);

// Shell-style match of a whole string: `*` any run of characters but '/', `?` one character but
// '/', `[abc]`, `[a-z]`, `[!abc]` a set; `**` also crosses '/'. A backslash quotes the next
// character.
bool glob_match(std::string_view pattern, std::string_view text);

// Whether --exclude patterns drop `relative` (generic form, '/' separated): a pattern without '/'
// is matched against each component (so a folder name excludes its whole subtree), a pattern with
// '/' against the whole relative path.
bool is_excluded(const std::filesystem::path& relative, const std::vector<std::string>& patterns);

}  // namespace jpegopt::cli
