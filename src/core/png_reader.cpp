#include "core/png_reader.hpp"

#include <cstring>

#include "jpegopt/error.hpp"

namespace jpegopt::png {

bool is_png(ByteView data) {
  static constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  return data.size() >= 8 && std::memcmp(data.data(), kSignature, 8) == 0;
}

Image read(ByteView data, const Limits&, std::array<std::uint8_t, 3>) {
  if (!is_png(data)) throw Error(ErrorCode::InvalidArgument, "not a PNG file (bad signature)");
  throw Error(ErrorCode::Unsupported, "PNG input is not implemented yet");
}

}  // namespace jpegopt::png
