// JPEG pixel decoding for the re-encode path, through the guarded libjpeg Decompressor: accurate
// integer IDCT and fancy upsampling (djpeg's defaults, so the output equals `djpeg`'s), optional
// DCT-domain downscaling, the ICC profile and the EXIF orientation.
#pragma once

#include "core/bytes.hpp"
#include "core/image.hpp"
#include "core/lossless.hpp"
#include "jpegopt/limits.hpp"

namespace jpegopt::jpeg_pixels {

// What the frame header says, without decoding any pixels.
struct Header {
  int width = 0, height = 0;
  PixelFormat format = PixelFormat::Rgb;  // the format decode() returns
  int components = 0;
};

// Reads the header only (same errors as decode()).
Header read_header(ByteView jpeg, const Limits& limits);

// Decodes a JPEG to pixels. scale_denom (1, 2, 4 or 8; anything else → InvalidArgument) decodes at
// 1/scale_denom in the DCT domain; the result is ceil(width/scale_denom) ×
// ceil(height/scale_denom). Gray → Gray; YCbCr and RGB → Rgb; CMYK and YCCK → Cmyk (as libjpeg
// delivers them: Adobe files store inverted CMYK). Image::icc gets the reassembled APP2 profile
// (dropped when its chunks are incomplete), Image::orientation the EXIF orientation (1 when absent
// or unreadable). Corrupt-data warnings are errors (CorruptData / Truncated), so damaged data is
// never re-encoded.
Image decode(ByteView jpeg, const Limits& limits, int scale_denom = 1);

// metrics::ssim_luma(a, decode(jpeg, limits)), decoding a row at a time into the SSIM instead of
// holding the decoded image (no image-sized buffer, so no page faults for one). Same errors.
double ssim_luma(const Image& a, ByteView jpeg, const Limits& limits);

// ssim_luma(a, jpeg) and the lossless::coefficient_digest of `jpeg` from one decode: libjpeg's
// buffered-image mode reads every scan into coefficient arrays, which are digested, then makes the
// pixels from them (the same pixels as a plain decode, which also reads a progressive file whole
// first). Verification and the reported SSIM of a re-encode in one pass. Same errors.
struct SsimAndDigest {
  double ssim = 0;
  lossless::Digest digest;
};
SsimAndDigest ssim_luma_and_digest(const Image& a, ByteView jpeg, const Limits& limits);

}  // namespace jpegopt::jpeg_pixels
