#include <catch2/catch.hpp>

#include <string>

#include "core/size_limit.hpp"
#include "jpegopt/error.hpp"

using namespace jpegopt;

namespace {

std::uint64_t bytes_of(const char* text) {
  const SizeLimit limit = parse_size_limit(text);
  CHECK(limit.percent == 0);
  return limit.bytes;
}

std::string rejection(const char* text) {
  try {
    parse_size_limit(text);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("size limits: bytes and decimal units count in 1000s", "[size]") {
  CHECK(bytes_of("150000") == 150000);
  CHECK(bytes_of("1") == 1);
  CHECK(bytes_of("150000B") == 150000);
  CHECK(bytes_of("100k") == 100000);
  CHECK(bytes_of("100K") == 100000);
  CHECK(bytes_of("100KB") == 100000);
  CHECK(bytes_of("100kB") == 100000);
  CHECK(bytes_of("100 KB") == 100000);
  CHECK(bytes_of("2M") == 2000000);
  CHECK(bytes_of("2MB") == 2000000);
  CHECK(bytes_of("1.5MB") == 1500000);
  CHECK(bytes_of("1.5 MB") == 1500000);
  CHECK(bytes_of("0.5K") == 500);
  CHECK(bytes_of(".5K") == 500);
  CHECK(bytes_of("2.") == 2);
}

TEST_CASE("size limits: binary units count in 1024s", "[size]") {
  CHECK(bytes_of("100KiB") == 102400);
  CHECK(bytes_of("100 KiB") == 102400);
  CHECK(bytes_of("1MiB") == 1048576);
  CHECK(bytes_of("1.5MiB") == 1572864);
}

TEST_CASE("size limits: fractional bytes round down - never up", "[size]") {
  CHECK(bytes_of("1.0005K") == 1000);
  CHECK(bytes_of("1.9999KiB") == 2047);
}

TEST_CASE("size limits: a percentage resolves against the input size", "[size]") {
  const SizeLimit half = parse_size_limit("50%");
  CHECK(half.bytes == 0);
  CHECK(half.percent == 50);
  CHECK(half.resolve(1000) == 500);
  CHECK(parse_size_limit("12.5%").resolve(1000) == 125);
  CHECK(parse_size_limit("33 %").resolve(1000) == 330);
  CHECK(parse_size_limit("99.9%").resolve(10000) == 9990);
  // Absolute limits ignore the input size.
  CHECK(parse_size_limit("100KB").resolve(5) == 100000);
}

TEST_CASE("size limits: rejects name the text and say why - on one line", "[size]") {
  const std::string forms = "use bytes (150000), 100KB, 1.5MB, 200KiB, 2MiB or a percentage (50%)";
  CHECK(rejection("0") == "invalid size '0': must be at least 1 byte");
  CHECK(rejection("0KB") == "invalid size '0KB': must be at least 1 byte");
  CHECK(rejection("0.0001K") == "invalid size '0.0001K': must be at least 1 byte");
  CHECK(rejection("-5KB") == "invalid size '-5KB': must be positive");
  CHECK(rejection("-5") == "invalid size '-5': must be positive");
  CHECK(rejection("12XB") == "invalid size '12XB': " + forms);
  CHECK(rejection("150%") == "invalid size '150%': a percentage must be above 0 and below 100");
  CHECK(rejection("100%") == "invalid size '100%': a percentage must be above 0 and below 100");
  CHECK(rejection("0%") == "invalid size '0%': a percentage must be above 0 and below 100");
  CHECK(rejection("-5%") == "invalid size '-5%': a percentage must be above 0 and below 100");
  CHECK(rejection("") == "invalid size '': empty; " + forms);
  CHECK(rejection("KB") == "invalid size 'KB': " + forms);
  CHECK(rejection("1.5") == "invalid size '1.5': a byte count must be a whole number");
  for (const char* bad : {"100kb", "100Kb", "100mb", "100m", "1e5", "inf", "nan", "1.2.3KB",
                          "100  KB", " 100KB", "100KB ", "100 ", "0x10", "10GB", "%", ".", "+"})
    CHECK(rejection(bad) == "invalid size '" + std::string(bad) + "': " + forms);
  CHECK(rejection("99999999999999999999") == "invalid size '99999999999999999999': too large");
}

TEST_CASE("size limits: every message is one line", "[size]") {
  for (const char* bad : {"0", "-5KB", "12XB", "150%", "", "KB", "1.5"})
    CHECK(rejection(bad).find('\n') == std::string::npos);
}
