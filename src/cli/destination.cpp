#include "cli/destination.hpp"

#include <algorithm>
#include <system_error>

#include "jpegopt/error.hpp"

namespace jpegopt::cli {

namespace fs = std::filesystem;

bool replaces_input(const Input& input, const OutputMode& mode) {
  return mode.kind == OutputKind::InPlace && mode.suffix.empty() && !is_pixel_file_name(input.path);
}

namespace {

// The file name of the result: PNG becomes .jpg, a suffix goes before the extension.
fs::path result_name(const fs::path& name, const OutputMode& mode, bool original_bytes) {
  const bool png = is_pixel_file_name(name);
  if (mode.suffix.empty() && (!png || original_bytes)) return name;
  fs::path out = name.stem();
  out += mode.suffix;
  out += original_bytes ? name.extension() : fs::path(png || !mode.suffix.empty() ? ".jpg" : "");
  return out;
}

}  // namespace

fs::path output_path(const Input& input, const OutputMode& mode, bool original_bytes) {
  switch (mode.kind) {
    case OutputKind::Stdout:
      return "-";
    case OutputKind::File:
      return mode.file;
    case OutputKind::InPlace:
      if (input.path == "-") return "-";
      return input.path.parent_path() / result_name(input.path.filename(), mode, original_bytes);
    case OutputKind::Dest:
      break;
  }
  if (input.path == "-") return "-";
  const fs::path relative = input.relative.lexically_normal();
  if (relative.empty() || relative.has_root_path() || relative.has_root_name())
    throw Error(ErrorCode::InvalidArgument,
                "cannot place an absolute path under --dest; list it relative to a folder");
  for (const auto& part : relative)
    if (part == "..")
      throw Error(ErrorCode::InvalidArgument, "refusing a '..' path: it would leave --dest");
  return mode.dest / relative.parent_path() /
         result_name(relative.filename(), mode, original_bytes);
}

void prepare_dest_folders(const fs::path& dest, const fs::path& target, bool create) {
  const fs::path relative = target.lexically_relative(dest);
  if (relative.empty() || *relative.begin() == "..")
    throw Error(ErrorCode::Io, "refusing to write outside --dest");
  std::error_code dest_ec;
  if (create && !fs::is_directory(dest, dest_ec)) {
    fs::create_directories(dest, dest_ec);
    if (!fs::is_directory(dest))
      throw Error(ErrorCode::Io, "cannot create folder " + dest.string() +
                                     (dest_ec ? ": " + dest_ec.message() : std::string()));
  }
  fs::path folder = dest;
  const fs::path parent = relative.parent_path();
  for (const auto& part : parent) {
    folder /= part;
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(folder, ec);
    if (fs::is_symlink(status))
      throw Error(ErrorCode::Io,
                  "refusing to write through symlinked folder " + folder.string() + " in --dest");
    if (fs::is_directory(status)) continue;
    if (fs::exists(status))
      throw Error(ErrorCode::Io, folder.string() + " is in the way: not a folder");
    if (!create) continue;
    fs::create_directory(folder, ec);
    // Another worker may have created it meanwhile: check what is there now.
    const fs::file_status now = fs::symlink_status(folder, ec);
    if (!fs::is_directory(now) || fs::is_symlink(now))
      throw Error(ErrorCode::Io, "cannot create folder " + folder.string() +
                                     (ec ? ": " + ec.message() : std::string()));
  }
}

void refuse_same_file(const fs::path& input, const fs::path& output) {
  if (input == "-" || output == "-") return;
  std::error_code ec;
  const bool same = fs::equivalent(input, output, ec);
  if ((!ec && same) ||
      fs::absolute(input, ec).lexically_normal() == fs::absolute(output, ec).lexically_normal())
    throw Error(ErrorCode::InvalidArgument,
                "the output is the input file itself; leave out -o/--dest to optimize in place");
}

}  // namespace jpegopt::cli
