// Reading whole files and writing them atomically.
#pragma once

#include <filesystem>

#include "core/bytes.hpp"

namespace jpegopt::io {

// Reads a whole file ("-" reads standard input). Throws Error(Io) with the OS's reason.
Bytes read_file(const std::filesystem::path& path);

}  // namespace jpegopt::io
