// Lossless geometric transforms (flips, rotations, transposes), crops and grayscale conversion on
// DCT coefficients, through TurboJPEG's tjTransform (jpegtran semantics). Pixels are never
// decoded. Every call owns its own TurboJPEG handle: nothing is shared, calls are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "jpegopt/limits.hpp"
#include "jpegopt/options.hpp"

namespace jpegopt {

struct TransformResult {
  // The transformed JPEG: the primary image only, no metadata (TJXOPT_COPYNONE) except the JFIF
  // or Adobe marker libjpeg writes for the colour space. When nothing was to be done this is a
  // copy of the input and `transformed` is false.
  Bytes jpeg;
  int width = 0;   // of `jpeg`
  int height = 0;  // of `jpeg`
  bool transformed = false;
  // Partial edge blocks were dropped (--trim on a size that is not a multiple of the iMCU).
  bool imperfect_edges_dropped = false;
  // The EXIF orientation the output must carry, when auto_orient was requested and the input has
  // a valid orientation: 1 once applied, otherwise the value that still displays the result
  // upright. std::nullopt: leave the orientation tag as it is.
  std::optional<int> remaining_orientation;
  // Human-readable remarks: the actual crop, kept orientation, trimmed or untransformed edges.
  std::vector<std::string> notes;
};

// Applies `opts` to `jpeg`. The crop is expressed in the coordinates of the transformed image
// (as in jpegtran); its origin snaps down to the iMCU grid and its size grows to cover the request.
// With auto_orient, the EXIF orientation is applied first and opts.transform after it, as one
// combined transform; an orientation that cannot be applied without losing edge blocks is kept
// (with a note) unless opts.trim is set.
// Throws Error(InvalidArgument) for an impossible crop, for --perfect on an imperfect transform
// and for --grayscale on a non-YCbCr image, Error(TooLarge) past limits.max_pixels, and the
// matching codes for undecodable input.
TransformResult apply_transform(ByteView jpeg, const TransformOptions& opts,
                                std::optional<int> exif_orientation, const Limits& limits = {});

// The transform that displays an image with this EXIF orientation upright (Transform::None for 1
// and for values outside 1..8).
Transform orientation_transform(int orientation);

// The transform equal to applying `first`, then `second`.
Transform compose(Transform first, Transform second);

}  // namespace jpegopt
