#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "jpegopt/error.hpp"

using namespace jpegopt;

TEST_CASE("error codes have distinct stable names", "[error]") {
  std::set<std::string> names;
  int count = 0;
#define JPEGOPT_X(name, id, text)                                  \
  CHECK(error_code_name(ErrorCode::name) == std::string_view(id)); \
  CHECK(!error_code_text(ErrorCode::name).empty());                \
  names.insert(id);                                                \
  ++count;
  JPEGOPT_ERROR_CODES(JPEGOPT_X)
#undef JPEGOPT_X
  CHECK(names.size() == static_cast<std::size_t>(count));
  CHECK(error_code_name(ErrorCode::VerifyFailed) == "verify_failed");
  CHECK(error_code_name(ErrorCode::TargetUnreachable) == "target_unreachable");
}

TEST_CASE("Error carries its code and message", "[error]") {
  const Error e(ErrorCode::Truncated, "cut short");
  CHECK(e.code() == ErrorCode::Truncated);
  CHECK(std::string(e.what()) == "cut short");
}
