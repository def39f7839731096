// Resizing for the re-encode path: the target size (fit inside, keep aspect ratio, orientation
// aware), the DCT-domain prescale libjpeg can do for free, and the resampler itself
// (stb_image_resize: Mitchell filter when shrinking, Catmull-Rom when enlarging, in linear light).
#pragma once

#include "core/image.hpp"
#include "jpegopt/options.hpp"

namespace jpegopt::resize {

struct Size {
  int width = 0, height = 0;
  bool operator==(const Size&) const = default;
};

// The target size in STORED orientation. --max-width/--max-height (and --resize WxH, which sets
// both) refer to the image as displayed: orientations 5..8 swap the axes. The aspect ratio is kept
// (one scale factor for both axes, each side rounded to nearest, at least 1 px); the image is
// never enlarged unless options.upscale. scale_percent multiplies both sides first; the max
// bounds then apply to that. Returns `stored` when nothing changes.
Size fit(Size stored, const ResizeOptions& options, int orientation);

// The largest of 1, 2, 4, 8 such that libjpeg's DCT-scaled decode (ceil(w/denom) × ceil(h/denom))
// is still at least as large as `target` in both axes, so the resampler only ever shrinks and
// still sees all the detail the target can hold. (Prescaling to exactly the target size would be
// sharper than a box filter but aliases; staying ≥ target keeps the final filter in charge.)
int dct_scale_denom(Size stored, Size target);

// Resamples to `target` (each side ≥ 1). Gray and Rgb are filtered in linear light (sRGB
// transfer curve); Cmyk channels are filtered as they are. icc and orientation are kept. Returns a
// copy when the size already matches. Throws Error(InvalidArgument) for a bad size.
Image resize(const Image& image, Size target);

}  // namespace jpegopt::resize
