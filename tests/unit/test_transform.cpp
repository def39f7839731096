#include <catch2/catch.hpp>

#include <array>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/jpeg_file.hpp"
#include "core/libjpeg.hpp"
#include "core/transform.hpp"
#include "support/synth.hpp"

using namespace jpegopt;
using jpegopt::test::make_jpeg;
using jpegopt::test::SynthSpec;

namespace {

struct Point {
  int x, y;
};

// Where output pixel (x, y) comes from in a w x h source, written independently of the library.
Point source_of(Transform t, int x, int y, int w, int h) {
  switch (t) {
    case Transform::None:
      return {x, y};
    case Transform::FlipH:
      return {w - 1 - x, y};
    case Transform::FlipV:
      return {x, h - 1 - y};
    case Transform::Transpose:
      return {y, x};
    case Transform::Transverse:
      return {w - 1 - y, h - 1 - x};
    case Transform::Rot90:
      return {y, h - 1 - x};
    case Transform::Rot180:
      return {w - 1 - x, h - 1 - y};
    case Transform::Rot270:
      return {w - 1 - y, x};
  }
  return {x, y};
}

bool swaps(Transform t) {
  return t == Transform::Transpose || t == Transform::Transverse || t == Transform::Rot90 ||
         t == Transform::Rot270;
}

constexpr std::array<Transform, 7> kTransforms = {
    Transform::FlipH, Transform::FlipV,  Transform::Transpose, Transform::Transverse,
    Transform::Rot90, Transform::Rot180, Transform::Rot270};

struct Plane {
  int width_blocks = 0, height_blocks = 0;
  int block_width = 8, block_height = 8;  // in image pixels (16 for subsampled chroma)
  std::vector<JCOEF> coefs;               // 64 per block, blocks row by row
  const JCOEF* block(int bx, int by) const {
    return coefs.data() + (static_cast<std::size_t>(by) * width_blocks + bx) * DCTSIZE2;
  }
};

struct Decoded {
  int width = 0, height = 0;
  std::vector<Plane> planes;
};

Decoded decode_coefficients(const Bytes& jpeg) {
  lj::Decompressor dec(jpeg, {});
  dec.bridge().warnings_fatal = true;
  dec.read_header();
  jvirt_barray_ptr* arrays = dec.read_coefficients();
  jpeg_decompress_struct* d = dec.get();
  Decoded out;
  out.width = static_cast<int>(d->image_width);
  out.height = static_cast<int>(d->image_height);
  out.planes.resize(static_cast<std::size_t>(d->num_components));
  for (int c = 0; c < d->num_components; ++c) {
    Plane& p = out.planes[static_cast<std::size_t>(c)];
    p.width_blocks = static_cast<int>(d->comp_info[c].width_in_blocks);
    p.height_blocks = static_cast<int>(d->comp_info[c].height_in_blocks);
    p.block_width = DCTSIZE * d->max_h_samp_factor / d->comp_info[c].h_samp_factor;
    p.block_height = DCTSIZE * d->max_v_samp_factor / d->comp_info[c].v_samp_factor;
    p.coefs.resize(static_cast<std::size_t>(p.width_blocks) * p.height_blocks * DCTSIZE2);
  }
  for (int c = 0; c < d->num_components; ++c) {
    Plane* p = &out.planes[static_cast<std::size_t>(c)];
    for (int by = 0; by < p->height_blocks; ++by) {
      JBLOCKARRAY row = nullptr;
      dec.run([&] {
        row = (*d->mem->access_virt_barray)(dec.common(), arrays[c], static_cast<JDIMENSION>(by), 1,
                                            FALSE);
      });
      for (int bx = 0; bx < p->width_blocks; ++bx)
        for (int k = 0; k < DCTSIZE2; ++k)
          p->coefs[(static_cast<std::size_t>(by) * p->width_blocks + bx) * DCTSIZE2 + k] =
              row[0][bx][k];
    }
  }
  return out;
}

// How much of the source the transform saw: all of it, or (after --trim) the whole iMCUs the
// output holds, which start at the source's top-left corner.
enum class SourceGrid { Full, Trimmed };

// Checks that every block of `out` is `t` applied to the block it comes from in `in`;
// (crop_x, crop_y) is a crop's origin in pixels of the transformed frame.
void check_coefficients(const Decoded& in, const Decoded& out, Transform t, int crop_x = 0,
                        int crop_y = 0, SourceGrid grid = SourceGrid::Full) {
  REQUIRE(in.planes.size() >= out.planes.size());
  // Sign of each output frequency axis and whether the axes swap, from the pixel mapping.
  const Point o = source_of(t, 0, 0, 2, 2);
  const Point px = source_of(t, 1, 0, 2, 2);
  const Point py = source_of(t, 0, 1, 2, 2);
  const bool swap = swaps(t);
  const int sign_l = swap ? (px.y - o.y) : (px.x - o.x);  // output horizontal frequency
  const int sign_k = swap ? (py.x - o.x) : (py.y - o.y);  // output vertical frequency
  std::size_t mismatches = 0;
  for (std::size_t c = 0; c < out.planes.size(); ++c) {
    const Plane& pi = in.planes[c];
    const Plane& po = out.planes[c];
    const int off_x = crop_x / po.block_width;
    const int off_y = crop_y / po.block_height;
    int src_w = pi.width_blocks, src_h = pi.height_blocks;
    if (grid == SourceGrid::Trimmed) {  // the output, swapped back to the source's orientation
      src_w = swap ? po.height_blocks : po.width_blocks;
      src_h = swap ? po.width_blocks : po.height_blocks;
    }
    REQUIRE(src_w <= pi.width_blocks);
    REQUIRE(src_h <= pi.height_blocks);
    for (int by = 0; by < po.height_blocks; ++by)
      for (int bx = 0; bx < po.width_blocks; ++bx) {
        const Point s = source_of(t, bx + off_x, by + off_y, src_w, src_h);
        const JCOEF* a = pi.block(s.x, s.y);
        const JCOEF* b = po.block(bx, by);
        for (int k = 0; k < DCTSIZE; ++k)
          for (int l = 0; l < DCTSIZE; ++l) {
            const int src_index = swap ? l * DCTSIZE + k : k * DCTSIZE + l;
            int expected = a[src_index];
            if (sign_l < 0 && l % 2 == 1) expected = -expected;
            if (sign_k < 0 && k % 2 == 1) expected = -expected;
            if (b[k * DCTSIZE + l] != expected) ++mismatches;
          }
      }
  }
  CHECK(mismatches == 0);
}

// Decoded samples in the file's own colour space (no colour conversion), accurate integer IDCT.
struct Image {
  int width = 0, height = 0, components = 0;
  std::vector<JSAMPLE> samples;
  int at(int x, int y, int c) const {
    return samples[(static_cast<std::size_t>(y) * width + x) * components + c];
  }
};

Image decode_pixels(const Bytes& jpeg) {
  lj::Decompressor dec(jpeg, {});
  dec.read_header();
  jpeg_decompress_struct* d = dec.get();
  d->out_color_space = d->jpeg_color_space;
  d->dct_method = JDCT_ISLOW;
  d->do_fancy_upsampling = FALSE;
  dec.run([&] { jpeg_start_decompress(d); });
  Image img;
  img.width = static_cast<int>(d->output_width);
  img.height = static_cast<int>(d->output_height);
  img.components = d->output_components;
  img.samples.resize(static_cast<std::size_t>(img.width) * img.height * img.components);
  const std::size_t stride = static_cast<std::size_t>(img.width) * img.components;
  JSAMPLE* base = img.samples.data();
  dec.run([&] {
    while (d->output_scanline < d->output_height) {
      JSAMPROW row = base + d->output_scanline * stride;
      jpeg_read_scanlines(d, &row, 1);
    }
    jpeg_finish_decompress(d);
  });
  return img;
}

// Largest difference between output pixels and the source pixels `t` moves there.
int max_pixel_difference(const Image& in, const Image& out, Transform t) {
  int worst = 0;
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      const Point s = source_of(t, x, y, in.width, in.height);
      for (int c = 0; c < out.components; ++c)
        worst = std::max(worst, std::abs(out.at(x, y, c) - in.at(s.x, s.y, c)));
    }
  return worst;
}

SynthSpec spec_of(int width, int height, int components, int h, int v) {
  SynthSpec s;
  s.width = width;
  s.height = height;
  s.components = components;
  s.h = h;
  s.v = v;
  return s;
}

TransformOptions with(Transform t) {
  TransformOptions o;
  o.transform = t;
  return o;
}

bool has_note(const TransformResult& r, const std::string& text) {
  for (const std::string& n : r.notes)
    if (n.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("orientation transforms and composition", "[transform]") {
  CHECK(orientation_transform(1) == Transform::None);
  CHECK(orientation_transform(2) == Transform::FlipH);
  CHECK(orientation_transform(3) == Transform::Rot180);
  CHECK(orientation_transform(4) == Transform::FlipV);
  CHECK(orientation_transform(5) == Transform::Transpose);
  CHECK(orientation_transform(6) == Transform::Rot90);
  CHECK(orientation_transform(7) == Transform::Transverse);
  CHECK(orientation_transform(8) == Transform::Rot270);
  CHECK(orientation_transform(0) == Transform::None);
  CHECK(orientation_transform(9) == Transform::None);

  CHECK(compose(Transform::Rot90, Transform::Rot90) == Transform::Rot180);
  CHECK(compose(Transform::Rot90, Transform::Rot270) == Transform::None);
  CHECK(compose(Transform::Rot180, Transform::FlipH) == Transform::FlipV);
  CHECK(compose(Transform::Transpose, Transform::Rot180) == Transform::Transverse);
  CHECK(compose(Transform::Transpose, Transform::FlipH) == Transform::Rot90);
  CHECK(compose(Transform::Transpose, Transform::FlipV) == Transform::Rot270);
  // compose agrees with applying the pixel mappings one after the other.
  for (Transform a : kTransforms)
    for (Transform b : kTransforms) {
      const Transform ab = compose(a, b);
      const int w = 5, h = 3;
      const int mw = swaps(a) ? h : w, mh = swaps(a) ? w : h;  // size after a
      const int ow = swaps(ab) ? h : w, oh = swaps(ab) ? w : h;
      for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x) {
          const Point m = source_of(b, x, y, mw, mh);
          const Point s1 = source_of(a, m.x, m.y, w, h);
          const Point s2 = source_of(ab, x, y, w, h);
          CHECK((s1.x == s2.x && s1.y == s2.y));
        }
    }
}

TEST_CASE("every transform moves 4:2:0 coefficients exactly", "[transform]") {
  for (const bool progressive : {false, true}) {
    SynthSpec spec = spec_of(64, 48, 3, 2, 2);
    spec.progressive = progressive;
    const Bytes src = make_jpeg(spec);
    const Decoded in = decode_coefficients(src);
    for (Transform t : kTransforms) {
      CAPTURE(progressive, static_cast<int>(t));
      const TransformResult r = apply_transform(src, with(t), std::nullopt);
      CHECK(r.transformed);
      CHECK_FALSE(r.imperfect_edges_dropped);
      CHECK_FALSE(r.remaining_orientation);
      CHECK(r.notes.empty());
      CHECK(r.width == (swaps(t) ? 48 : 64));
      CHECK(r.height == (swaps(t) ? 64 : 48));
      const Decoded out = decode_coefficients(r.jpeg);
      CHECK(out.width == r.width);
      CHECK(out.height == r.height);
      REQUIRE(out.planes.size() == 3);
      check_coefficients(in, out, t);
    }
  }
}

TEST_CASE("4:4:4 and grayscale pixels move exactly", "[transform]") {
  for (const int components : {1, 3}) {
    const Bytes src = make_jpeg(spec_of(48, 40, components, 1, 1));
    const Image in = decode_pixels(src);
    const Decoded in_coefs = decode_coefficients(src);
    for (Transform t : kTransforms) {
      CAPTURE(components, static_cast<int>(t));
      const TransformResult r = apply_transform(src, with(t), std::nullopt);
      const Image out = decode_pixels(r.jpeg);
      REQUIRE(out.width == (swaps(t) ? 40 : 48));
      REQUIRE(out.height == (swaps(t) ? 48 : 40));
      REQUIRE(out.components == components);
      check_coefficients(in_coefs, decode_coefficients(r.jpeg), t);
      // Flips only negate odd frequencies: the separable IDCT mirrors exactly. Transposes swap
      // the order of the row and column passes, whose intermediate rounding can move a sample
      // by one.
      const int diff = max_pixel_difference(in, out, t);
      if (swaps(t))
        CHECK(diff <= 1);
      else
        CHECK(diff == 0);
    }
  }
}

TEST_CASE("option --perfect refuses a transform that would lose edge blocks", "[transform]") {
  const Bytes src = make_jpeg(spec_of(70, 50, 3, 2, 2));
  TransformOptions o = with(Transform::Rot90);
  o.perfect = true;
  try {
    apply_transform(src, o, std::nullopt);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(std::string(e.what()).find("--trim") != std::string::npos);
  }
  // Transposing never moves a partial block to the top or left: it is always perfect.
  o.transform = Transform::Transpose;
  const TransformResult r = apply_transform(src, o, std::nullopt);
  CHECK(r.width == 50);
  CHECK(r.height == 70);
  // A flip of the width only needs the width to be a multiple of the iMCU.
  const Bytes tall = make_jpeg(spec_of(64, 50, 3, 2, 2));
  o.transform = Transform::FlipH;
  CHECK(apply_transform(tall, o, std::nullopt).width == 64);
  o.transform = Transform::FlipV;
  CHECK_THROWS_AS(apply_transform(tall, o, std::nullopt), Error);
}

TEST_CASE("option --trim drops the partial edge blocks", "[transform]") {
  const Bytes src = make_jpeg(spec_of(70, 50, 3, 2, 2));
  const Decoded in = decode_coefficients(src);
  TransformOptions o = with(Transform::Rot90);
  o.trim = true;
  TransformResult r = apply_transform(src, o, std::nullopt);
  // The 50 rows become the width: 48 whole iMCU rows survive. The 70 columns stay at the bottom.
  CHECK(r.width == 48);
  CHECK(r.height == 70);
  CHECK(r.imperfect_edges_dropped);
  CHECK(has_note(r, "trimmed from 50x70 to 48x70"));
  check_coefficients(in, decode_coefficients(r.jpeg), Transform::Rot90, 0, 0, SourceGrid::Trimmed);

  o.transform = Transform::Rot180;
  r = apply_transform(src, o, std::nullopt);
  CHECK(r.width == 64);
  CHECK(r.height == 48);
  CHECK(r.imperfect_edges_dropped);
  check_coefficients(in, decode_coefficients(r.jpeg), Transform::Rot180, 0, 0, SourceGrid::Trimmed);

  // Nothing to drop for a transpose.
  o.transform = Transform::Transpose;
  r = apply_transform(src, o, std::nullopt);
  CHECK(r.width == 50);
  CHECK(r.height == 70);
  CHECK_FALSE(r.imperfect_edges_dropped);
}

TEST_CASE("without --trim or --perfect the partial edge is left in place and noted",
          "[transform]") {
  const Bytes src = make_jpeg(spec_of(70, 50, 3, 2, 2));
  const TransformResult r = apply_transform(src, with(Transform::Rot90), std::nullopt);
  CHECK(r.width == 50);
  CHECK(r.height == 70);
  CHECK_FALSE(r.imperfect_edges_dropped);
  CHECK(has_note(r, "left untransformed"));
}

TEST_CASE("crop snaps its origin to the iMCU grid", "[transform]") {
  const Bytes src = make_jpeg(spec_of(64, 48, 3, 2, 2));
  const Decoded in = decode_coefficients(src);
  TransformOptions o;
  o.crop = Crop{20, 10, 10, 5};
  TransformResult r = apply_transform(src, o, std::nullopt);
  CHECK(r.width == 30);
  CHECK(r.height == 15);
  CHECK(has_note(r, "crop 30x15+0+0 (requested 20x10+10+5"));

  o.crop = Crop{32, 16, 16, 32};
  r = apply_transform(src, o, std::nullopt);
  CHECK(r.width == 32);
  CHECK(r.height == 16);
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes[0] == "crop 32x16+16+32");
  // Luma blocks (16, 32) / 8 onwards.
  {
    const Decoded out = decode_coefficients(r.jpeg);
    const Plane& y_in = in.planes[0];
    const Plane& y_out = out.planes[0];
    std::size_t mismatches = 0;
    for (int by = 0; by < y_out.height_blocks; ++by)
      for (int bx = 0; bx < y_out.width_blocks; ++bx)
        for (int k = 0; k < DCTSIZE2; ++k)
          if (y_out.block(bx, by)[k] != y_in.block(bx + 2, by + 4)[k]) ++mismatches;
    CHECK(mismatches == 0);
  }

  // The crop is in the transformed image's coordinates: 48 wide after a rotation.
  o.transform = Transform::Rot90;
  o.crop = Crop{48, 16, 0, 16};
  r = apply_transform(src, o, std::nullopt);
  CHECK(r.width == 48);
  CHECK(r.height == 16);
  check_coefficients(in, decode_coefficients(r.jpeg), Transform::Rot90, 0, 16);

  // Width and height 0 mean "to the edge".
  o.transform = Transform::None;
  o.crop = Crop{0, 0, 16, 16};
  r = apply_transform(src, o, std::nullopt);
  CHECK(r.width == 48);
  CHECK(r.height == 32);

  // 4:2:2 rotated: jpegtran wants the origin on the 8x16 output grid, TurboJPEG on the 16x8
  // source MCU grid; the origin snaps to both.
  const Bytes src422 = make_jpeg(spec_of(64, 48, 3, 2, 1));
  o.transform = Transform::Rot90;
  o.crop = Crop{16, 16, 8, 8};
  r = apply_transform(src422, o, std::nullopt);
  CHECK(r.width == 24);
  CHECK(r.height == 24);
  check_coefficients(decode_coefficients(src422), decode_coefficients(r.jpeg), Transform::Rot90);

  o.transform = Transform::None;
  o.crop = Crop{64, 48, 16, 0};
  CHECK_THROWS_AS(apply_transform(src, o, std::nullopt), Error);
  o.crop = Crop{-1, 8, 0, 0};
  CHECK_THROWS_AS(apply_transform(src, o, std::nullopt), Error);
}

TEST_CASE("grayscale keeps only the luma coefficients", "[transform]") {
  const Bytes src = make_jpeg(spec_of(64, 48, 3, 2, 2));
  const Decoded in = decode_coefficients(src);
  TransformOptions o;
  o.grayscale = true;
  TransformResult r = apply_transform(src, o, std::nullopt);
  CHECK(r.width == 64);
  CHECK(r.height == 48);
  CHECK(has_note(r, "grayscale"));
  Decoded out = decode_coefficients(r.jpeg);
  REQUIRE(out.planes.size() == 1);
  check_coefficients(in, out, Transform::None);

  // Together with a rotation.
  o.transform = Transform::Rot270;
  r = apply_transform(src, o, std::nullopt);
  out = decode_coefficients(r.jpeg);
  REQUIRE(out.planes.size() == 1);
  check_coefficients(in, out, Transform::Rot270);

  // Already grayscale: nothing to do.
  const Bytes gray = make_jpeg(spec_of(64, 48, 1, 1, 1));
  o.transform = Transform::None;
  r = apply_transform(gray, o, std::nullopt);
  CHECK_FALSE(r.transformed);
  CHECK(r.jpeg == gray);
  CHECK(has_note(r, "already grayscale"));

  // CMYK has no luma to keep.
  const Bytes cmyk = make_jpeg(spec_of(64, 48, 4, 1, 1));
  CHECK_THROWS_AS(apply_transform(cmyk, o, std::nullopt), Error);
}

TEST_CASE("auto-orient applies the EXIF orientation", "[transform]") {
  const Bytes src = make_jpeg(spec_of(64, 48, 3, 2, 2));
  const Decoded in = decode_coefficients(src);
  TransformOptions o;
  o.auto_orient = true;

  for (int n = 2; n <= 8; ++n) {
    CAPTURE(n);
    const TransformResult r = apply_transform(src, o, n);
    CHECK(r.transformed);
    CHECK(r.remaining_orientation == 1);
    check_coefficients(in, decode_coefficients(r.jpeg), orientation_transform(n));
  }
  const TransformResult six = apply_transform(src, o, 6);
  CHECK(six.width == 48);
  CHECK(six.height == 64);

  // Orientation 1 or none: nothing to do.
  TransformResult r = apply_transform(src, o, 1);
  CHECK_FALSE(r.transformed);
  CHECK(r.jpeg == src);
  CHECK(r.remaining_orientation == 1);
  r = apply_transform(src, o, std::nullopt);
  CHECK_FALSE(r.transformed);
  CHECK_FALSE(r.remaining_orientation);

  // An invalid orientation is ignored with a note.
  r = apply_transform(src, o, 9);
  CHECK_FALSE(r.transformed);
  CHECK_FALSE(r.remaining_orientation);
  CHECK(has_note(r, "not valid"));
}

TEST_CASE("auto-orient then an explicit transform - as one transform", "[transform]") {
  const Bytes src = make_jpeg(spec_of(64, 48, 3, 2, 2));
  const Decoded in = decode_coefficients(src);
  TransformOptions o = with(Transform::FlipH);
  o.auto_orient = true;
  TransformResult r = apply_transform(src, o, 3);  // rotate 180, then flip: a vertical flip
  CHECK(r.remaining_orientation == 1);
  check_coefficients(in, decode_coefficients(r.jpeg), Transform::FlipV);

  o.transform = Transform::Rot270;
  r = apply_transform(src, o, 6);  // rotate 90, then back
  CHECK_FALSE(r.transformed);
  CHECK(r.jpeg == src);
  CHECK(r.remaining_orientation == 1);
}

TEST_CASE("auto-orient keeps an orientation it cannot apply without trimming", "[transform]") {
  const Bytes src = make_jpeg(spec_of(70, 50, 3, 2, 2));
  TransformOptions o;
  o.auto_orient = true;
  TransformResult r = apply_transform(src, o, 6);
  CHECK_FALSE(r.transformed);
  CHECK(r.jpeg == src);
  CHECK(r.remaining_orientation == 6);
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes[0] ==
        "orientation 6 kept: the 70x50 image cannot be rotated losslessly without trimming (use "
        "--trim)");

  // Transposing is always exact, so orientation 5 is applied.
  r = apply_transform(src, o, 5);
  CHECK(r.transformed);
  CHECK(r.remaining_orientation == 1);
  CHECK(r.width == 50);

  // With --trim the orientation is applied and the partial edge dropped.
  o.trim = true;
  r = apply_transform(src, o, 6);
  CHECK(r.transformed);
  CHECK(r.remaining_orientation == 1);
  CHECK(r.width == 48);
  CHECK(r.height == 70);
  CHECK(r.imperfect_edges_dropped);

  // Rotating 90 then flipping horizontally is a transpose, which is exact: applied.
  o.trim = false;
  o.transform = Transform::FlipH;
  r = apply_transform(src, o, 6);
  CHECK(r.remaining_orientation == 1);
  CHECK(r.width == 50);
  CHECK_FALSE(r.imperfect_edges_dropped);
  CHECK_FALSE(has_note(r, "left untransformed"));

  // Rotating 90 then flipping vertically is a transverse, which is not: the orientation is kept
  // and the tag adjusted so the result still displays as intended (flip-v o rotate 90 o flip-v =
  // rotate 270, orientation 8).
  o.transform = Transform::FlipV;
  r = apply_transform(src, o, 6);
  CHECK(r.transformed);
  CHECK(r.remaining_orientation == 8);
  CHECK(has_note(r, "orientation 6 kept"));
}

TEST_CASE("transform errors become jpegopt errors", "[transform]") {
  const Bytes not_jpeg = {'G', 'I', 'F', '8', '9', 'a', 0, 0};
  CHECK_THROWS_AS(apply_transform(not_jpeg, with(Transform::Rot90), std::nullopt), Error);
  CHECK_THROWS_AS(apply_transform(Bytes{}, with(Transform::Rot90), std::nullopt), Error);

  SynthSpec spec = spec_of(256, 256, 3, 2, 2);
  Bytes data = make_jpeg(spec);
  for (std::size_t i = data.size() * 2 / 3; i < data.size() * 2 / 3 + 40; i += 3)
    data[i] ^= 0x5A;
  try {
    apply_transform(data, with(Transform::Rot90), std::nullopt);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::CorruptData);
  }

  Bytes truncated = make_jpeg(spec);
  truncated.resize(truncated.size() / 2);
  try {
    apply_transform(truncated, with(Transform::Rot90), std::nullopt);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Truncated);
  }

  Limits limits;
  limits.max_pixels = 100;
  try {
    apply_transform(make_jpeg({}), with(Transform::Rot90), std::nullopt, limits);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::TooLarge);
  }
}

TEST_CASE("arithmetic and restart-interval inputs transform - metadata is not copied",
          "[transform]") {
  for (const bool arithmetic : {false, true}) {
    CAPTURE(arithmetic);
    SynthSpec spec = spec_of(64, 48, 3, 2, 2);
    spec.arithmetic = arithmetic;
    spec.restart_interval = 2;
    Bytes src = make_jpeg(spec);
    // An APP1 and a COM after SOI: neither may reach the output (TJXOPT_COPYNONE).
    const Bytes extra = {0xFF, 0xE1, 0x00, 0x08, 'E',  'x', 'i', 'f', 0x00,
                         0x00, 0xFF, 0xFE, 0x00, 0x05, 'h', 'i', '!'};
    src.insert(src.begin() + 2, extra.begin(), extra.end());
    const TransformResult r = apply_transform(src, with(Transform::Rot90), std::nullopt);
    check_coefficients(decode_coefficients(src), decode_coefficients(r.jpeg), Transform::Rot90);
    const JpegFile file = JpegFile::parse(r.jpeg);
    CHECK(file.segments(0xE1).empty());
    CHECK(file.segments(marker::kCom).empty());
  }
}
