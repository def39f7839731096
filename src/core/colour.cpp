#include "core/colour.hpp"

#include "core/icc.hpp"
#include "jpegopt/error.hpp"

namespace jpegopt::colour {

bool is_srgb_profile(ByteView icc) {
  if (icc.empty()) return true;
  try {
    return icc::describe(icc).is_srgb;
  } catch (const Error&) {
    return false;
  }
}

void to_srgb(Image& image) {
  if (image.icc.empty()) {
    if (image.format == PixelFormat::Cmyk)
      throw Error(ErrorCode::Unsupported,
                  "CMYK without an ICC profile: no conversion to sRGB is defined");
    return;
  }
  throw Error(ErrorCode::Unsupported, "--to-srgb is not implemented yet");
}

}  // namespace jpegopt::colour
