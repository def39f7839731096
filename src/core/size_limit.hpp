// Parsing of size limits as users type them: "150000", "100KB", "1.5 MB", "200KiB", "50%".
#pragma once

#include <string_view>

#include "jpegopt/options.hpp"

namespace jpegopt {

// Bytes, or a decimal number with a unit: k/K/KB/kB = 1000, M/MB = 1,000,000, KiB = 1024,
// MiB = 1,048,576 (one optional space before the unit), or N% of the input (0 < N < 100).
// Fractional byte counts round down, so the limit is never looser than what was typed.
// Throws Error(InvalidArgument) with a one-line message naming the text.
SizeLimit parse_size_limit(std::string_view text);

}  // namespace jpegopt
