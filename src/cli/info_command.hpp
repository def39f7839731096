// `jpegopt info FILE...`: shows what is inside JPEG files.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jpegopt/inspect.hpp"

namespace jpegopt::cli {

struct InfoArgs {
  std::vector<std::string> files;
  bool json = false;
  bool segments = true;  // list every segment in the human report
};

// Prints one report per file (or one JSON object per line with --json). Returns the exit status:
// 0 when every file was read, 1 when some file failed.
int run_info(const InfoArgs& args);

// The human report of one file.
std::string format_info(const std::string& path, const JpegInfo& info, bool segments);

// The JSON object of one file (fields documented in docs/info-json.md).
nlohmann::json info_to_json(const std::string& path, const JpegInfo& info);

}  // namespace jpegopt::cli
