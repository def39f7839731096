#include "core/resize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "jpegopt/error.hpp"

#define STB_IMAGE_RESIZE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_STATIC  // keep stb's symbols private to this file
#include <stb_image_resize.h>

namespace jpegopt::resize {

namespace {

bool swaps_axes(int orientation) {
  return orientation >= 5 && orientation <= 8;
}

int scaled(int side, double factor) {
  const double v = std::round(static_cast<double>(side) * factor);
  if (v < 1) return 1;
  if (v > std::numeric_limits<int>::max()) return std::numeric_limits<int>::max();
  return static_cast<int>(v);
}

int ceil_div(int v, int d) {
  return (v + d - 1) / d;
}

}  // namespace

Size fit(Size stored, const ResizeOptions& options, int orientation) {
  if (stored.width <= 0 || stored.height <= 0 || !options.any()) return stored;
  Size shown = stored;
  if (swaps_axes(orientation)) std::swap(shown.width, shown.height);

  // One factor for both axes: the smallest any bound asks for.
  double factor = std::numeric_limits<double>::infinity();
  if (options.scale_percent > 0) factor = options.scale_percent / 100.0;
  if (options.max_width > 0)
    factor = std::min(factor, static_cast<double>(options.max_width) / shown.width);
  if (options.max_height > 0)
    factor = std::min(factor, static_cast<double>(options.max_height) / shown.height);
  if (!options.upscale) factor = std::min(factor, 1.0);
  if (factor == 1.0) return stored;

  Size target{scaled(shown.width, factor), scaled(shown.height, factor)};
  // Rounding the long side of a tiny factor can still overshoot a bound by one; clamp.
  if (options.max_width > 0) target.width = std::min(target.width, options.max_width);
  if (options.max_height > 0) target.height = std::min(target.height, options.max_height);
  if (swaps_axes(orientation)) std::swap(target.width, target.height);
  return target;
}

int dct_scale_denom(Size stored, Size target) {
  for (int denom : {8, 4, 2})
    if (ceil_div(stored.width, denom) >= target.width &&
        ceil_div(stored.height, denom) >= target.height)
      return denom;
  return 1;
}

Image resize(const Image& image, Size target) {
  if (target.width <= 0 || target.height <= 0)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("cannot resize to {}x{}", target.width, target.height));
  if (image.width <= 0 || image.height <= 0 ||
      image.samples() != image.stride() * static_cast<std::size_t>(image.height))
    throw Error(ErrorCode::InvalidArgument, "cannot resize an empty or malformed image");
  if (target.width == image.width && target.height == image.height) return image;

  Image out;
  out.width = target.width;
  out.height = target.height;
  out.format = image.format;
  out.icc = image.icc;
  out.orientation = image.orientation;
  out.pixels.resize(out.stride() * static_cast<std::size_t>(out.height));

  // Gray and RGB samples are sRGB-encoded: filter in linear light so that dark and bright detail
  // keeps its balance. CMYK ink values have no such curve.
  const stbir_colorspace space =
      image.format == PixelFormat::Cmyk ? STBIR_COLORSPACE_LINEAR : STBIR_COLORSPACE_SRGB;
  const int ok = stbir_resize_uint8_generic(
      image.data(), image.width, image.height, static_cast<int>(image.stride()), out.pixels.data(),
      out.width, out.height, static_cast<int>(out.stride()), image.channels(),
      STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP, STBIR_FILTER_DEFAULT, space, nullptr);
  if (!ok) throw Error(ErrorCode::OutOfMemory, "out of memory while resizing");
  return out;
}

}  // namespace jpegopt::resize
