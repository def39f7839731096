// Colour management for --to-srgb: convert pixels from their embedded ICC profile to sRGB with
// lcms2 (relative colorimetric intent with black-point compensation) and drop the profile.
#pragma once

#include "core/bytes.hpp"
#include "core/image.hpp"

namespace jpegopt::colour {

// True when the profile is an sRGB profile (dropping it changes nothing). Empty → true (no
// profile means sRGB). Unreadable → false.
bool is_srgb_profile(ByteView icc);

// Converts image.pixels from image.icc to sRGB and clears image.icc.
// - RGB profile → Rgb in sRGB; grey profile → Gray with the sRGB tone curve; CMYK profile on a
//   Cmyk image (Adobe-inverted, as libjpeg delivers it) → Rgb in sRGB.
// - No profile, or an sRGB profile on Rgb/Gray pixels: pixels unchanged, icc cleared.
// - Cmyk without a profile → Error(Unsupported); a profile lcms2 cannot read, or whose colour space
//   does not match the pixels → Error(CorruptMetadata).
// Intent: relative colorimetric keeps in-gamut colours exact (perceptual tables are absent from
// matrix/shaper profiles anyway); black-point compensation maps the source black to sRGB black,
// which matters for CMYK print profiles whose black is far above zero (shadows would otherwise
// look washed out or crushed). Thread-safe: each call uses its own lcms2 context.
void to_srgb(Image& image);

}  // namespace jpegopt::colour
