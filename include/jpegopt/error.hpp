// Error codes shared by the library, the human report and the JSON report.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace jpegopt {

// One list: the enum, its stable snake_case name (used in JSON and docs) and a short human text.
#define JPEGOPT_ERROR_CODES(X)                                                       \
  X(NotJpeg, "not_jpeg", "not a JPEG file")                                          \
  X(Truncated, "truncated", "truncated JPEG")                                        \
  X(CorruptData, "corrupt_data", "corrupt JPEG data")                                \
  X(CorruptMetadata, "corrupt_metadata", "corrupt metadata")                         \
  X(Unsupported, "unsupported", "unsupported JPEG variant")                          \
  X(TooLarge, "too_large", "image too large")                                        \
  X(TooManyScans, "too_many_scans", "too many progressive scans")                    \
  X(MetadataLimit, "metadata_limit", "metadata structure over its size limit")       \
  X(C2paSigned, "c2pa_signed", "C2PA-signed file; changing it breaks the signature") \
  X(TargetUnreachable, "target_unreachable", "target size unreachable")              \
  X(VerifyFailed, "verify_failed", "verification failed")                            \
  X(InvalidArgument, "invalid_argument", "invalid argument")                         \
  X(Io, "io", "I/O error")                                                           \
  X(OutOfMemory, "out_of_memory", "out of memory")                                   \
  X(Internal, "internal", "internal error")

enum class ErrorCode {
#define JPEGOPT_X(name, id, text) name,
  JPEGOPT_ERROR_CODES(JPEGOPT_X)
#undef JPEGOPT_X
};

// Stable identifier, e.g. "not_jpeg".
std::string_view error_code_name(ErrorCode code) noexcept;
// Short human description, e.g. "not a JPEG file".
std::string_view error_code_text(ErrorCode code) noexcept;

// The one exception type the core throws. what() is a complete one-line message.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace jpegopt
