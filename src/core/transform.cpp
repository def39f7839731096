#include "core/transform.hpp"

#include <turbojpeg.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <string_view>

#include <fmt/format.h>

#include "jpegopt/error.hpp"

namespace jpegopt {

namespace {

// ---- The eight transforms as 2x2 matrices acting on centred coordinates (y pointing down). ----

struct Matrix {
  int a, b, c, d;  // (x, y) -> (a x + b y, c x + d y)
  bool operator==(const Matrix&) const = default;
};

constexpr Transform kAllTransforms[] = {
    Transform::None,       Transform::FlipH, Transform::FlipV,  Transform::Transpose,
    Transform::Transverse, Transform::Rot90, Transform::Rot180, Transform::Rot270};

constexpr Matrix matrix_of(Transform t) {
  switch (t) {
    case Transform::None:
      return {1, 0, 0, 1};
    case Transform::FlipH:
      return {-1, 0, 0, 1};
    case Transform::FlipV:
      return {1, 0, 0, -1};
    case Transform::Transpose:
      return {0, 1, 1, 0};
    case Transform::Transverse:
      return {0, -1, -1, 0};
    case Transform::Rot90:  // clockwise: the top-left corner goes to the top-right
      return {0, -1, 1, 0};
    case Transform::Rot180:
      return {-1, 0, 0, -1};
    case Transform::Rot270:
      return {0, 1, -1, 0};
  }
  return {1, 0, 0, 1};
}

constexpr Matrix multiply(const Matrix& l, const Matrix& r) {  // l after r
  return {l.a * r.a + l.b * r.c, l.a * r.b + l.b * r.d, l.c * r.a + l.d * r.c,
          l.c * r.b + l.d * r.d};
}

constexpr Matrix inverse(const Matrix& m) {
  return {m.a, m.c, m.b, m.d};
}  // orthogonal

Transform transform_of(const Matrix& m) {
  for (Transform t : kAllTransforms)
    if (matrix_of(t) == m) return t;
  throw Error(ErrorCode::Internal, "transform composition left the dihedral group");
}

bool swaps_axes(Transform t) {
  return matrix_of(t).a == 0;
}

// The EXIF orientation whose display transform is `t` (the inverse of orientation_transform).
int orientation_of(Transform t) {
  for (int o = 1; o <= 8; ++o)
    if (orientation_transform(o) == t) return o;
  return 1;
}

int tj_op(Transform t) {
  switch (t) {
    case Transform::None:
      return TJXOP_NONE;
    case Transform::FlipH:
      return TJXOP_HFLIP;
    case Transform::FlipV:
      return TJXOP_VFLIP;
    case Transform::Transpose:
      return TJXOP_TRANSPOSE;
    case Transform::Transverse:
      return TJXOP_TRANSVERSE;
    case Transform::Rot90:
      return TJXOP_ROT90;
    case Transform::Rot180:
      return TJXOP_ROT180;
    case Transform::Rot270:
      return TJXOP_ROT270;
  }
  return TJXOP_NONE;
}

std::string_view transform_name(Transform t) {
  switch (t) {
    case Transform::None:
      return "none";
    case Transform::FlipH:
      return "flip-h";
    case Transform::FlipV:
      return "flip-v";
    case Transform::Transpose:
      return "transpose";
    case Transform::Transverse:
      return "transverse";
    case Transform::Rot90:
      return "rotate 90";
    case Transform::Rot180:
      return "rotate 180";
    case Transform::Rot270:
      return "rotate 270";
  }
  return "none";
}

// ---- TurboJPEG ownership and errors. ----

struct HandleDeleter {
  void operator()(void* handle) const noexcept { tjDestroy(handle); }
};
using Handle = std::unique_ptr<void, HandleDeleter>;

struct BufferDeleter {
  void operator()(unsigned char* buffer) const noexcept { tjFree(buffer); }
};
using Buffer = std::unique_ptr<unsigned char, BufferDeleter>;

// One line, without the trailing newline some TurboJPEG messages carry.
std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return text;
}

ErrorCode code_for_message(std::string_view m) {
  const auto has = [m](std::string_view s) { return m.find(s) != std::string_view::npos; };
  if (has("Not a JPEG file")) return ErrorCode::NotJpeg;
  if (has("Premature end") || has("Empty input") || has("insufficient data"))
    return ErrorCode::Truncated;
  if (has("more than") && has("scans")) return ErrorCode::TooManyScans;  // TJFLAG_LIMITSCANS
  if (has("Insufficient memory") || has("Memory allocation")) return ErrorCode::OutOfMemory;
  if (has("subsampling type") || has("Unsupported") || has("not supported") ||
      has("not implemented"))
    return ErrorCode::Unsupported;
  if (has("crop") || has("Invalid argument")) return ErrorCode::InvalidArgument;
  if (has("too big") || has("too wide")) return ErrorCode::TooLarge;
  return ErrorCode::CorruptData;
}

[[noreturn]] void throw_tj(void* handle, std::string_view what) {
  const std::string message = one_line(tjGetErrorStr2(handle));
  throw Error(code_for_message(message), fmt::format("{}: {}", what, message));
}

struct Header {
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
};

Header read_header(void* handle, ByteView jpeg) {
  Header h;
  if (tjDecompressHeader3(handle, jpeg.data(), static_cast<unsigned long>(jpeg.size()), &h.width,
                          &h.height, &h.subsamp, &h.colorspace) != 0)
    throw_tj(handle, "cannot read the JPEG header");
  if (h.subsamp < 0 || h.subsamp >= TJ_NUMSAMP)
    throw Error(ErrorCode::Unsupported, "unsupported chroma subsampling for lossless transforms");
  return h;
}

std::string_view colorspace_name(int cs) {
  switch (cs) {
    case TJCS_RGB:
      return "RGB";
    case TJCS_CMYK:
      return "CMYK";
    case TJCS_YCCK:
      return "YCCK";
    case TJCS_GRAY:
      return "grayscale";
    default:
      return "YCbCr";
  }
}

// ---- Geometry: which output edges a transform cannot produce exactly. ----

struct Geometry {
  int src_w = 0, src_h = 0;  // source image
  int mcu_w = 8, mcu_h = 8;  // iMCU of the output components, in source orientation
};

// The first coordinate of the output strip made of untransformed partial blocks along one output
// axis, or -1 when that axis is exact. `axis` selects the output axis (0: x, 1: y).
int bad_strip_start(const Geometry& g, Transform t, int axis) {
  const Matrix m = matrix_of(t);
  const int from_x = axis == 0 ? m.a : m.c;  // coefficient of the source x
  const int from_y = axis == 0 ? m.b : m.d;  // coefficient of the source y
  const bool along_x = from_x != 0;
  const bool reversed = (along_x ? from_x : from_y) < 0;
  const int len = along_x ? g.src_w : g.src_h;
  const int mcu = along_x ? g.mcu_w : g.mcu_h;
  if (!reversed || len % mcu == 0) return -1;
  return len / mcu * mcu;
}

struct Region {
  int x = 0, y = 0, w = 0, h = 0;
};

// Output size of `t` before any crop or trim.
Region full_output(const Geometry& g, Transform t) {
  return swaps_axes(t) ? Region{0, 0, g.src_h, g.src_w} : Region{0, 0, g.src_w, g.src_h};
}

// True when `region` of the output of `t` would contain untransformed partial edge blocks.
bool has_bad_edges(const Geometry& g, Transform t, const Region& region) {
  const int bx = bad_strip_start(g, t, 0);
  const int by = bad_strip_start(g, t, 1);
  return (bx >= 0 && region.x + region.w > bx) || (by >= 0 && region.y + region.h > by);
}

// The requested crop checked against the output of `t`, its origin moved down to the grid TurboJPEG
// and jpegtran require and its size grown to still cover the request.
Region snap_crop(const Crop& crop, const Region& out, int grid_x, int grid_y) {
  if (crop.x < 0 || crop.y < 0 || crop.width < 0 || crop.height < 0)
    throw Error(ErrorCode::InvalidArgument, "crop offsets and sizes must not be negative");
  Region r;
  r.w = crop.width == 0 ? out.w - crop.x : crop.width;  // 0: up to the edge
  r.h = crop.height == 0 ? out.h - crop.y : crop.height;
  if (crop.x >= out.w || crop.y >= out.h || r.w <= 0 || r.h <= 0 || r.w > out.w - crop.x ||
      r.h > out.h - crop.y)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("crop {}x{}+{}+{} does not fit in the {}x{} image", crop.width,
                            crop.height, crop.x, crop.y, out.w, out.h));
  r.x = crop.x / grid_x * grid_x;
  r.y = crop.y / grid_y * grid_y;
  r.w += crop.x - r.x;
  r.h += crop.y - r.y;
  return r;
}

}  // namespace

Transform orientation_transform(int orientation) {
  switch (orientation) {
    case 2:
      return Transform::FlipH;
    case 3:
      return Transform::Rot180;
    case 4:
      return Transform::FlipV;
    case 5:
      return Transform::Transpose;
    case 6:
      return Transform::Rot90;
    case 7:
      return Transform::Transverse;
    case 8:
      return Transform::Rot270;
    default:
      return Transform::None;
  }
}

Transform compose(Transform first, Transform second) {
  return transform_of(multiply(matrix_of(second), matrix_of(first)));
}

TransformResult apply_transform(ByteView jpeg, const TransformOptions& opts,
                                std::optional<int> exif_orientation, const Limits& limits) {
  if (jpeg.empty()) throw Error(ErrorCode::NotJpeg, "empty input");
  const Handle handle(tjInitTransform());
  if (!handle)
    throw Error(ErrorCode::OutOfMemory, fmt::format("cannot create a TurboJPEG transformer: {}",
                                                    one_line(tjGetErrorStr2(nullptr))));

  const Header src = read_header(handle.get(), jpeg);
  if (static_cast<std::uint64_t>(src.width) * static_cast<std::uint64_t>(src.height) >
      limits.max_pixels)
    throw Error(ErrorCode::TooLarge, fmt::format("{}x{} is over the limit of {} pixels", src.width,
                                                 src.height, limits.max_pixels));

  TransformResult result;

  // Grayscale: only YCbCr images can drop their chroma losslessly.
  bool gray = false;
  if (opts.grayscale) {
    if (src.colorspace == TJCS_GRAY)
      result.notes.emplace_back("already grayscale");
    else if (src.colorspace == TJCS_YCbCr)
      gray = true;
    else
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("cannot convert a {} JPEG to grayscale losslessly (YCbCr only)",
                              colorspace_name(src.colorspace)));
  }

  Geometry geo;
  geo.src_w = src.width;
  geo.src_h = src.height;
  const bool one_component = gray || src.colorspace == TJCS_GRAY;
  geo.mcu_w = one_component ? 8 : tjMCUWidth[src.subsamp];
  geo.mcu_h = one_component ? 8 : tjMCUHeight[src.subsamp];

  // The output region of transform `t`: the crop (snapped) or the whole image.
  const auto region_for = [&](Transform t) {
    const Region out = full_output(geo, t);
    if (!opts.crop) return out;
    // jpegtran wants the origin on the output's iMCU grid; tjTransform checks the source's MCU
    // size instead. Both are powers of two times 8, so their lcm satisfies both.
    const bool swap = swaps_axes(t);
    const int grid_x = std::lcm(swap ? geo.mcu_h : geo.mcu_w, tjMCUWidth[src.subsamp]);
    const int grid_y = std::lcm(swap ? geo.mcu_w : geo.mcu_h, tjMCUHeight[src.subsamp]);
    return snap_crop(*opts.crop, out, grid_x, grid_y);
  };

  // Choose the one transform to run: the orientation first, then the explicit transform.
  Transform op = opts.transform;
  if (opts.auto_orient && exif_orientation) {
    const int n = *exif_orientation;
    if (n < 1 || n > 8) {
      result.notes.push_back(fmt::format("EXIF orientation {} is not valid (1..8): ignored", n));
    } else if (n == 1) {
      result.remaining_orientation = 1;
    } else {
      const Transform orient = orientation_transform(n);
      const Transform combined = compose(orient, opts.transform);
      const bool combined_exact = !has_bad_edges(geo, combined, region_for(combined));
      const bool orient_exact = !has_bad_edges(geo, orient, full_output(geo, orient));
      if (combined_exact || opts.trim || orient_exact) {
        op = combined;
        result.remaining_orientation = 1;
      } else {
        // Keep the orientation; the explicit transform alone changes which tag still displays
        // the result upright: O' = T o O o T^-1.
        const Matrix t = matrix_of(opts.transform);
        result.remaining_orientation =
            orientation_of(transform_of(multiply(multiply(t, matrix_of(orient)), inverse(t))));
        result.notes.push_back(fmt::format(
            "orientation {} kept: the {}x{} image cannot be rotated losslessly without trimming "
            "(use --trim)",
            n, src.width, src.height));
      }
    }
  }

  if (op == Transform::None && !opts.crop && !gray) {
    result.jpeg.assign(jpeg.begin(), jpeg.end());
    result.width = src.width;
    result.height = src.height;
    return result;
  }

  const Region region = region_for(op);
  std::optional<Region> snapped;
  if (opts.crop) snapped = region;
  const bool bad_edges = has_bad_edges(geo, op, region);
  if (bad_edges && opts.perfect)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("{} of the {}x{} image is not perfect: the partial edge blocks (iMCU "
                            "{}x{}) would be lost; use --trim to drop them",
                            transform_name(op), src.width, src.height, geo.mcu_w, geo.mcu_h));

  tjtransform xform{};
  xform.op = tj_op(op);
  xform.options = TJXOPT_COPYNONE;
  if (gray) xform.options |= TJXOPT_GRAY;
  if (opts.trim) xform.options |= TJXOPT_TRIM;
  // TurboJPEG's own check ignores the crop, so it only backs ours up on uncropped transforms.
  if (opts.perfect && !opts.crop) xform.options |= TJXOPT_PERFECT;
  if (snapped) {
    xform.options |= TJXOPT_CROP;
    xform.r = tjregion{snapped->x, snapped->y, snapped->w, snapped->h};
  }

  unsigned char* raw = nullptr;
  unsigned long raw_size = 0;
  const int rc = tjTransform(handle.get(), jpeg.data(), static_cast<unsigned long>(jpeg.size()), 1,
                             &raw, &raw_size, &xform, TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS);
  const Buffer owned(raw);
  if (rc != 0) {
    const std::string message = one_line(tjGetErrorStr2(handle.get()));
    if (message.find("not perfect") != std::string::npos)
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("{} of the {}x{} image is not perfect: partial edge blocks would be "
                              "lost; use --trim to drop them",
                              transform_name(op), src.width, src.height));
    throw Error(code_for_message(message), fmt::format("lossless transform failed: {}", message));
  }
  if (!raw || raw_size == 0)
    throw Error(ErrorCode::Internal, "lossless transform produced no output");
  result.jpeg.assign(raw, raw + raw_size);
  result.transformed = true;

  const Header out = read_header(handle.get(), result.jpeg);
  result.width = out.width;
  result.height = out.height;

  if (snapped) {
    const Crop& c = *opts.crop;
    if (snapped->x != c.x || snapped->y != c.y)
      result.notes.push_back(
          fmt::format("crop {}x{}+{}+{} (requested {}x{}+{}+{}; the origin moved to the iMCU grid)",
                      snapped->w, snapped->h, snapped->x, snapped->y, c.width, c.height, c.x, c.y));
    else
      result.notes.push_back(
          fmt::format("crop {}x{}+{}+{}", snapped->w, snapped->h, snapped->x, snapped->y));
  }
  if (gray) result.notes.emplace_back("converted to grayscale");
  if (out.width < region.w || out.height < region.h) {
    result.imperfect_edges_dropped = true;
    result.notes.push_back(fmt::format("trimmed from {}x{} to {}x{}: partial edge blocks dropped",
                                       region.w, region.h, out.width, out.height));
  } else if (bad_edges) {
    result.notes.push_back(fmt::format(
        "{}: the partial edge blocks of the {}x{} image were left untransformed (use --trim to "
        "drop them)",
        transform_name(op), src.width, src.height));
  }
  return result;
}

}  // namespace jpegopt
