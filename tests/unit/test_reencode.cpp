#include <catch2/catch.hpp>

#include <png.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "core/encoder.hpp"
#include "core/exif.hpp"
#include "core/jpeg_file.hpp"
#include "core/jpeg_pixels.hpp"
#include "core/libjpeg.hpp"
#include "core/metrics.hpp"
#include "core/reencode.hpp"
#include "core/segment_kind.hpp"
#include "core/tables.hpp"
#include "jpegopt/optimize.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using test::make_jpeg;
using test::SynthSpec;

namespace {

Options with_quality(double q) {
  Options o;
  o.reencode.quality = q;
  return o;
}

bool has_note(const Outcome& o, const std::string& note) {
  return std::find(o.notes.begin(), o.notes.end(), note) != o.notes.end();
}

const std::string* note_starting(const Outcome& o, const std::string& prefix) {
  for (const auto& n : o.notes)
    if (n.rfind(prefix, 0) == 0) return &n;
  return nullptr;
}

struct Decoded {
  int width = 0, height = 0, components = 0;
  std::vector<std::pair<int, int>> sampling;
  Bytes pixels;
};

Decoded decode(const Bytes& jpeg) {
  Decoded d;
  lj::Decompressor dec(jpeg, {});
  dec.read_header();
  const auto* c = dec.get();
  d.width = static_cast<int>(c->image_width);
  d.height = static_cast<int>(c->image_height);
  d.components = c->num_components;
  for (int i = 0; i < c->num_components; ++i)
    d.sampling.emplace_back(c->comp_info[i].h_samp_factor, c->comp_info[i].v_samp_factor);
  d.pixels = test::decode_pixels(jpeg);
  return d;
}

// Luma quantization table of a file, natural order.
std::array<std::uint16_t, 64> luma_table(const Bytes& jpeg) {
  lj::Decompressor dec(jpeg, {});
  dec.read_header();
  std::array<std::uint16_t, 64> t{};
  const auto* c = dec.get();
  for (int k = 0; k < 64; ++k)
    t[static_cast<std::size_t>(k)] = c->quant_tbl_ptrs[c->comp_info[0].quant_tbl_no]->quantval[k];
  return t;
}

std::vector<SegmentKind> kinds(const Bytes& jpeg) {
  std::vector<SegmentKind> out;
  for (const auto& seg : test::metadata_segments(jpeg))
    out.push_back(classify_segment(seg[1], ByteView(seg).subspan(4)).kind);
  return out;
}

std::optional<int> orientation_of(const Bytes& jpeg) {
  for (const auto& seg : test::metadata_segments(jpeg)) {
    const auto cls = classify_segment(seg[1], ByteView(seg).subspan(4));
    if (cls.kind == SegmentKind::Exif)
      return exif::parse(ByteView(seg).subspan(4 + cls.header_size)).orientation;
  }
  return std::nullopt;
}

// A PNG written with libpng: `channels` 1 (grey), 2 (grey+alpha), 3 (RGB), 4 (RGBA) at `depth`
// bits, or a palette image (palette = true, 8-bit indices) with an optional tRNS entry.
struct PngSpec {
  int width = 40, height = 30;
  int channels = 3;
  int depth = 8;
  bool palette = false;
  std::function<std::array<int, 4>(int x, int y)> pixel;  // RGBA or grey/alpha in 0..(2^depth - 1)
};

Bytes make_png(const PngSpec& spec) {
  Bytes out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, png_size_t n) {
        auto* v = static_cast<Bytes*>(png_get_io_ptr(p));
        v->insert(v->end(), data, data + n);
      },
      nullptr);
  int color_type = PNG_COLOR_TYPE_RGB;
  if (spec.palette)
    color_type = PNG_COLOR_TYPE_PALETTE;
  else if (spec.channels == 1)
    color_type = PNG_COLOR_TYPE_GRAY;
  else if (spec.channels == 2)
    color_type = PNG_COLOR_TYPE_GRAY_ALPHA;
  else if (spec.channels == 4)
    color_type = PNG_COLOR_TYPE_RGB_ALPHA;
  png_set_IHDR(png, info, static_cast<png_uint_32>(spec.width),
               static_cast<png_uint_32>(spec.height), spec.depth, color_type, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  // Palette: index i is colour (i * 40, 255 - i * 40, 100), index 0 transparent.
  std::vector<png_color> palette;
  if (spec.palette) {
    for (int i = 0; i < 4; ++i)
      palette.push_back({static_cast<png_byte>(i * 40), static_cast<png_byte>(255 - i * 40), 100});
    png_set_PLTE(png, info, palette.data(), static_cast<int>(palette.size()));
  }
  png_write_info(png, info);
  const int samples = spec.palette ? 1 : spec.channels;
  const int bytes_per = spec.depth == 16 ? 2 : 1;
  std::vector<png_byte> row(static_cast<std::size_t>(spec.width * samples * bytes_per));
  for (int y = 0; y < spec.height; ++y) {
    for (int x = 0; x < spec.width; ++x) {
      const auto px = spec.pixel(x, y);
      for (int c = 0; c < samples; ++c) {
        const std::size_t at = static_cast<std::size_t>((x * samples + c) * bytes_per);
        if (bytes_per == 2) {
          row[at] = static_cast<png_byte>(px[static_cast<std::size_t>(c)] >> 8);
          row[at + 1] = static_cast<png_byte>(px[static_cast<std::size_t>(c)] & 0xFF);
        } else {
          row[at] = static_cast<png_byte>(px[static_cast<std::size_t>(c)]);
        }
      }
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

// The mean of each channel over a patch of decoded pixels.
std::vector<double> patch_mean(const Decoded& d, int x0, int y0, int w, int h) {
  const int nc = static_cast<int>(d.pixels.size()) / (d.width * d.height);
  std::vector<double> sum(static_cast<std::size_t>(nc));
  for (int y = y0; y < y0 + h; ++y)
    for (int x = x0; x < x0 + w; ++x)
      for (int c = 0; c < nc; ++c)
        sum[static_cast<std::size_t>(c)] +=
            d.pixels[static_cast<std::size_t>((y * d.width + x) * nc + c)];
  for (auto& s : sum)
    s /= w * h;
  return sum;
}

}  // namespace

TEST_CASE("reencode: the guard keeps a lower-quality input lossless and says why", "[reencode]") {
  const Bytes input = make_jpeg({.width = 96, .height = 64, .quality = 60});
  const Outcome o = reencode(input, with_quality(80));
  CHECK(o.mode == Mode::Lossless);
  CHECK(has_note(o, reencoding::guard_note(60, 80)));
  CHECK(reencoding::guard_note(60, 80) ==
        "not re-encoded: the input's quality (about 60) is not above the requested 80 "
        "(re-encoding would only add loss); optimized losslessly instead (--force-reencode "
        "overrides)");
  SECTION("equal quality is guarded too") {
    CHECK(reencode(input, with_quality(60)).mode == Mode::Lossless);
  }
  SECTION("--force-reencode overrides") {
    Options opts = with_quality(80);
    opts.reencode.force = true;
    const Outcome forced = reencode(input, opts);
    CHECK(note_starting(forced, "not re-encoded") == nullptr);
    // Either the re-encode or (being bigger) the lossless result with its own note.
    if (forced.mode == Mode::Lossless) CHECK(note_starting(forced, "re-encoding gave") != nullptr);
  }
  SECTION("process() dispatches -q to the re-encoder") {
    CHECK(has_note(process(input, with_quality(80)), reencoding::guard_note(60, 80)));
  }
}

TEST_CASE("reencode: a high-quality JPEG is re-encoded at the requested quality", "[reencode]") {
  const Bytes input = make_jpeg({.width = 160, .height = 120, .quality = 97});
  const Outcome o = reencode(input, with_quality(50));
  REQUIRE(o.mode == Mode::Reencode);
  REQUIRE(o.status == FileStatus::Optimized);
  CHECK(o.quality == 50);
  CHECK(o.width == 160);
  CHECK(o.height == 120);
  CHECK(o.bytes_out == o.bytes.size());
  CHECK(o.bytes.size() < input.size());
  REQUIRE(o.ssim);
  CHECK(*o.ssim > 0.5);
  CHECK(*o.ssim < 1.0);
  CHECK(luma_table(o.bytes) == encoder::quant_table(0, 50, encoder::Tuning::best()));
  // The reported SSIM is metrics::compare()'s headline (luma) SSIM of the output's pixels.
  const Image source = jpeg_pixels::decode(input, Limits{});
  const Image output = jpeg_pixels::decode(o.bytes, Limits{});
  CHECK(*o.ssim == metrics::compare(source, output).ssim);
  const Decoded d = decode(o.bytes);
  CHECK(d.width == 160);
  CHECK(d.height == 120);
  SECTION("auto subsampling keeps the input's 4:2:0") {
    CHECK(d.sampling[0] == std::make_pair(2, 2));
  }
  SECTION("--subsampling 444 is honoured") {
    Options opts = with_quality(50);
    opts.reencode.subsampling = Subsampling::S444;
    CHECK(decode(reencode(input, opts).bytes).sampling[0] == std::make_pair(1, 1));
  }
  SECTION("a 4:2:2 input stays 4:2:2") {
    const Bytes in422 = make_jpeg({.width = 160, .height = 120, .h = 2, .v = 1, .quality = 97});
    CHECK(decode(reencode(in422, with_quality(50)).bytes).sampling[0] == std::make_pair(2, 1));
  }
  SECTION("grayscale stays one component") {
    const Bytes gray = make_jpeg({.width = 64, .height = 64, .components = 1, .quality = 97});
    CHECK(decode(reencode(gray, with_quality(50)).bytes).components == 1);
  }
}

TEST_CASE("reencode: the lossless result wins when re-encoding is not smaller", "[reencode]") {
  // Quality 30 with a forced re-encode at 31: the tables barely change and the re-encode adds
  // noise; the lossless result is smaller.
  const Bytes input = make_jpeg({.width = 128, .height = 96, .quality = 30});
  Options opts = with_quality(31);
  opts.reencode.force = true;
  const Outcome o = reencode(input, opts);
  CHECK(o.mode == Mode::Lossless);
  const std::string* note = note_starting(o, "re-encoding gave ");
  REQUIRE(note);
  CHECK(note->find("not smaller than the lossless result (" + std::to_string(o.bytes_out) +
                   " bytes): kept the lossless result") != std::string::npos);
  CHECK(reencoding::lossless_wins_note(1000, 900) ==
        "re-encoding gave 1000 bytes, not smaller than the lossless result (900 bytes): kept the "
        "lossless result");
}

TEST_CASE("reencode: resizing keeps the aspect ratio and the orientation", "[reencode]") {
  // Stored 200x100, displayed rotated (orientation 6): 100 wide, 200 high.
  const Bytes plain = make_jpeg({.width = 200, .height = 100, .quality = 95});
  const Bytes input = test::insert_segment(plain, 0xE1, exif::minimal_orientation_segment(6));
  Options opts = with_quality(80);
  opts.reencode.resize.max_width = 50;  // displayed width: halves both sides
  const Outcome o = reencode(input, opts);
  REQUIRE(o.mode == Mode::Reencode);
  CHECK(o.width == 100);
  CHECK(o.height == 50);
  const Decoded d = decode(o.bytes);
  CHECK(d.width == 100);
  CHECK(d.height == 50);
  CHECK(orientation_of(o.bytes) == 6);
  SECTION("--scale 25 on a JPEG uses DCT scaling and gives a quarter of each side") {
    Options s = with_quality(80);
    s.reencode.resize.scale_percent = 25;
    const Outcome q = reencode(input, s);
    CHECK(q.width == 50);
    CHECK(q.height == 25);
  }
  SECTION("no upscaling without --upscale") {
    Options s = with_quality(80);
    s.reencode.resize.max_width = 400;
    const Outcome q = reencode(input, s);
    CHECK(q.width == 200);
    CHECK(q.height == 100);
  }
}

TEST_CASE("reencode: the metadata policy applies (ICC kept - GPS-bearing EXIF reduced)",
          "[reencode]") {
  const Bytes rocket = test::read_bytes(test::samples_dir() / "skimage-rocket-640x427-444-icc.jpg");
  const Outcome o = reencode(rocket, with_quality(60));
  REQUIRE(o.mode == Mode::Reencode);
  const auto k = kinds(o.bytes);
  CHECK(std::count(k.begin(), k.end(), SegmentKind::Icc) >= 1);  // Adobe RGB: kept by safe
  Options all = with_quality(60);
  all.metadata = MetadataPolicy::all();
  const auto k_all = kinds(reencode(rocket, all).bytes);
  CHECK(std::count(k_all.begin(), k_all.end(), SegmentKind::Icc) == 0);
}

TEST_CASE("reencode: subsampling heuristic for pixels", "[reencode]") {
  Image img;
  img.width = 64;
  img.height = 64;
  img.pixels.resize(64 * 64 * 3);
  SECTION("smooth colour gradient: 4:2:0") {
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x) {
        img.row(y)[x * 3] = static_cast<std::uint8_t>(x * 4);
        img.row(y)[x * 3 + 1] = static_cast<std::uint8_t>(y * 4);
        img.row(y)[x * 3 + 2] = 128;
      }
    CHECK(reencoding::subsampling_for_pixels(img) == Subsampling::S420);
  }
  SECTION("red text-like stripes on white: 4:4:4") {
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x) {
        const bool ink = (x / 2 + y / 3) % 4 == 0;
        img.row(y)[x * 3] = 255;
        img.row(y)[x * 3 + 1] = ink ? 0 : 255;
        img.row(y)[x * 3 + 2] = ink ? 0 : 255;
      }
    CHECK(reencoding::subsampling_for_pixels(img) == Subsampling::S444);
  }
  SECTION("grey pixels never need chroma") {
    img.format = PixelFormat::Gray;
    CHECK(reencoding::subsampling_for_pixels(img) == Subsampling::S444);
  }
}

TEST_CASE("reencode: a little coloured text on a smooth background gets 4:4:4", "[reencode]") {
  // A 256x256 gradient with one 16x16 patch of one-pixel red and white columns: 0.2 % of the
  // neighbouring pairs jump (under the 0.5 % of the first sign) but 0.4 % of the pixels are far
  // from their 2x2 box's chroma average (over the 0.1 % of the second).
  Image img;
  img.width = 256;
  img.height = 256;
  img.pixels.resize(256 * 256 * 3);
  for (int y = 0; y < 256; ++y)
    for (int x = 0; x < 256; ++x) {
      std::uint8_t* px = img.row(y) + x * 3;
      px[0] = static_cast<std::uint8_t>(x);
      px[1] = static_cast<std::uint8_t>(y);
      px[2] = 128;
    }
  CHECK(reencoding::subsampling_for_pixels(img) == Subsampling::S420);
  for (int y = 200; y < 216; ++y)
    for (int x = 200; x < 216; ++x) {
      std::uint8_t* px = img.row(y) + x * 3;
      const bool ink = x % 2 == 0;
      px[0] = 255;
      px[1] = ink ? 0 : 255;
      px[2] = ink ? 0 : 255;
    }
  CHECK(reencoding::subsampling_for_pixels(img) == Subsampling::S444);
}

TEST_CASE("reencode: PNG input gives valid JPEGs with the expected size and colours",
          "[reencode][png]") {
  // Left half a flat colour, right half a gradient.
  auto flat_left = [](std::array<int, 4> colour) {
    return [colour](int x, int y) -> std::array<int, 4> {
      if (x < 20) return colour;
      return {(x * 6) % 256, (y * 8) % 256, 90, 255};
    };
  };
  struct Case {
    const char* name;
    PngSpec spec;
    std::vector<double> expected;  // flat patch, decoded
  };
  std::vector<Case> cases;
  cases.push_back({"rgb", {.pixel = flat_left({200, 40, 60, 255})}, {200, 40, 60}});
  cases.push_back({"grey",
                   {.channels = 1, .pixel = [](int, int) -> std::array<int, 4> { return {77}; }},
                   {77}});
  cases.push_back({"16-bit rgb",
                   {.depth = 16, .pixel = flat_left({200 * 257, 40 * 257, 60 * 257, 65535})},
                   {200, 40, 60}});
  cases.push_back({"rgba half transparent on white",
                   {.channels = 4,
                    .pixel = [](int, int) -> std::array<int, 4> {
                      return {0, 0, 0, 0};
                    }},
                   {255, 255, 255}});
  cases.push_back({"palette",
                   {.palette = true, .pixel = [](int, int) -> std::array<int, 4> { return {2}; }},
                   {80, 175, 100}});
  for (const auto& c : cases) {
    INFO(c.name);
    const Bytes png = make_png(c.spec);
    Options options;
    options.reencode.resize.max_width = 1000;  // re-encode without -q: no upscale, so a no-op
    const Outcome o = process(png, options);
    REQUIRE(o.mode == Mode::Reencode);
    REQUIRE(o.status == FileStatus::Optimized);
    CHECK(o.quality == kDefaultPngQuality);
    const Decoded d = decode(o.bytes);
    CHECK(d.width == 40);
    CHECK(d.height == 30);
    const auto mean = patch_mean(d, 4, 4, 8, 8);
    REQUIRE(mean.size() >= c.expected.size());
    for (std::size_t i = 0; i < c.expected.size(); ++i)
      CHECK(std::abs(mean[i] - c.expected[i]) < 3);
  }
}

TEST_CASE("reencode: the reported SSIM is that of the written file's pixels", "[reencode][pnm]") {
  for (const bool gray : {false, true})
    for (const Subsampling s : {Subsampling::S420, Subsampling::S444, Subsampling::S422}) {
      CAPTURE(gray, static_cast<int>(s));
      const int w = 67, h = 45, nc = gray ? 1 : 3;
      const std::string header = fmt::format("P{}\n{} {}\n255\n", gray ? 5 : 6, w, h);
      Bytes pnm(header.begin(), header.end());
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          for (int c = 0; c < nc; ++c)
            pnm.push_back(static_cast<std::uint8_t>((x * 7 + y * 3 + c * 50 + (x * y) % 23) % 256));
      Options opts = with_quality(70);
      opts.reencode.subsampling = s;
      const Outcome o = reencode(pnm, opts);
      REQUIRE(o.status == FileStatus::Optimized);
      REQUIRE(o.ssim);
      Image source;
      source.width = w;
      source.height = h;
      source.format = gray ? PixelFormat::Gray : PixelFormat::Rgb;
      source.pixels.assign(pnm.begin() + static_cast<std::ptrdiff_t>(header.size()), pnm.end());
      CHECK(*o.ssim == metrics::compare(source, jpeg_pixels::decode(o.bytes, Limits{})).ssim);
    }
}
