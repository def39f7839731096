#include "core/size_limit.hpp"

#include <cmath>
#include <string>

#include "jpegopt/error.hpp"

namespace jpegopt {

namespace {

constexpr const char* kForms =
    "use bytes (150000), 100KB, 1.5MB, 200KiB, 2MiB or a percentage (50%)";

[[noreturn]] void reject(std::string_view text, const std::string& why) {
  throw Error(ErrorCode::InvalidArgument, "invalid size '" + std::string(text) + "': " + why);
}

// The multiplier of a unit, 0 when the unit is unknown. Lower-case "kb", "mb" are refused: they
// read as kilobits and megabits, and "m" as milli.
double unit_factor(std::string_view unit) {
  if (unit.empty() || unit == "B") return 1;
  if (unit == "k" || unit == "K" || unit == "KB" || unit == "kB") return 1e3;
  if (unit == "M" || unit == "MB") return 1e6;
  if (unit == "KiB") return 1024;
  if (unit == "MiB") return 1048576;
  return 0;
}

}  // namespace

SizeLimit parse_size_limit(std::string_view text) {
  if (text.empty()) reject(text, std::string("empty; ") + kForms);
  std::size_t i = 0;
  const bool negative = text[0] == '-';
  if (negative || text[0] == '+') ++i;
  // Digits with at most one decimal point; no exponents, no "inf".
  const std::size_t number_begin = i;
  bool digits = false, point = false;
  double value = 0, scale = 1;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits = true;
      if (point) {
        scale /= 10;
        value += (c - '0') * scale;
      } else {
        value = value * 10 + (c - '0');
      }
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!digits || i == number_begin) reject(text, kForms);
  const bool spaced = i < text.size() && text[i] == ' ';
  if (spaced) ++i;
  const std::string_view unit = text.substr(i);
  if (spaced && unit.empty()) reject(text, kForms);
  if (unit == "%") {
    if (negative || !(value > 0 && value < 100))
      reject(text, "a percentage must be above 0 and below 100");
    return SizeLimit{0, value};
  }
  const double factor = unit_factor(unit);
  if (factor == 0) reject(text, kForms);
  if (negative) reject(text, "must be positive");
  if (unit.empty() && point && value != std::floor(value))
    reject(text, "a byte count must be a whole number");
  const double bytes = std::floor(value * factor);
  if (bytes < 1) reject(text, "must be at least 1 byte");
  if (bytes > 1e18) reject(text, "too large");
  return SizeLimit{static_cast<std::uint64_t>(bytes), 0};
}

}  // namespace jpegopt
