#include "jpegopt/error.hpp"

namespace jpegopt {

std::string_view error_code_name(ErrorCode code) noexcept {
  switch (code) {
#define JPEGOPT_X(name, id, text) \
  case ErrorCode::name:           \
    return id;
    JPEGOPT_ERROR_CODES(JPEGOPT_X)
#undef JPEGOPT_X
  }
  return "internal";
}

std::string_view error_code_text(ErrorCode code) noexcept {
  switch (code) {
#define JPEGOPT_X(name, id, text) \
  case ErrorCode::name:           \
    return text;
    JPEGOPT_ERROR_CODES(JPEGOPT_X)
#undef JPEGOPT_X
  }
  return "internal error";
}

}  // namespace jpegopt
