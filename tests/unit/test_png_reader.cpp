#include <catch2/catch.hpp>

#include <png.h>
#include <zlib.h>

#include <cmath>
#include <csetjmp>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/exif.hpp"
#include "core/jpeg_pixels.hpp"
#include "core/png_reader.hpp"
#include "jpegopt/error.hpp"
#include "support/run_cli.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;

namespace {

constexpr std::array<std::uint8_t, 3> kWhite{255, 255, 255};

// A PNG to write with libpng: `samples` holds the rows as PNG stores them (big-endian 16-bit
// samples, packed low bit depths), without filter bytes.
struct PngSpec {
  int width = 4, height = 3;
  int color_type = PNG_COLOR_TYPE_RGB;
  int bit_depth = 8;
  bool interlace = false;
  std::vector<png_color> palette;
  std::vector<std::uint8_t> palette_alpha;  // tRNS for palette images
  std::optional<png_color_16> trans_color;  // tRNS for grey and RGB images
  Bytes icc;
  Bytes exif;
  Bytes samples;
};

void append_to(png_structp png, png_bytep data, std::size_t size) {
  auto* out = static_cast<Bytes*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + size);
}
void no_flush(png_structp) {}

// Only trivially destructible locals between setjmp and the libpng calls.
bool write_png_into(const PngSpec& spec, Bytes* out, png_bytepp rows) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, out, append_to, no_flush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(spec.width),
               static_cast<png_uint_32>(spec.height), spec.bit_depth, spec.color_type,
               spec.interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!spec.palette.empty())
    png_set_PLTE(png, info, spec.palette.data(), static_cast<int>(spec.palette.size()));
  if (!spec.palette_alpha.empty())
    png_set_tRNS(png, info, spec.palette_alpha.data(), static_cast<int>(spec.palette_alpha.size()),
                 nullptr);
  if (spec.trans_color) png_set_tRNS(png, info, nullptr, 0, &*spec.trans_color);
  if (!spec.icc.empty())
    png_set_iCCP(png, info, "profile", PNG_COMPRESSION_TYPE_BASE, spec.icc.data(),
                 static_cast<png_uint_32>(spec.icc.size()));
  if (!spec.exif.empty())
    png_set_eXIf_1(png, info, static_cast<png_uint_32>(spec.exif.size()),
                   const_cast<png_bytep>(spec.exif.data()));
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return true;
}

Bytes write_png(const PngSpec& spec) {
  const int channels = spec.color_type == PNG_COLOR_TYPE_RGB          ? 3
                       : spec.color_type == PNG_COLOR_TYPE_RGB_ALPHA  ? 4
                       : spec.color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                                                                      : 1;
  const std::size_t rowbytes = (std::size_t(spec.width) * channels * spec.bit_depth + 7) / 8;
  REQUIRE(spec.samples.size() == rowbytes * std::size_t(spec.height));
  Bytes samples = spec.samples;
  std::vector<png_bytep> rows;
  for (int y = 0; y < spec.height; ++y)
    rows.push_back(samples.data() + y * rowbytes);
  Bytes out;
  REQUIRE(write_png_into(spec, &out, rows.data()));
  return out;
}

// `count` copies of `pixel`.
Bytes repeat(const Bytes& pixel, int count) {
  Bytes out;
  for (int i = 0; i < count; ++i)
    out.insert(out.end(), pixel.begin(), pixel.end());
  return out;
}

// The expected result of compositing, written independently with the sRGB formulas in double.
double to_linear(double v) {
  v /= 255;
  return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
}
int mix(int colour, int alpha, int background) {
  const double a = alpha / 255.0;
  const double lin = to_linear(colour) * a + to_linear(background) * (1 - a);
  const double v = lin <= 0.0031308 ? lin * 12.92 : 1.055 * std::pow(lin, 1 / 2.4) - 0.055;
  return static_cast<int>(std::lround(v * 255));
}

ErrorCode code_of(ByteView data, const Limits& limits = {}) {
  try {
    png::read(data, limits, kWhite);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;  // no error: the CHECK comparing codes then fails
}

// Replaces the CRC of the chunk that starts at `pos` (its length field) by the correct one.
void fix_crc(Bytes& png, std::size_t pos) {
  const std::uint32_t length = load_be32(png.data() + pos);
  const auto crc = crc32(crc32(0L, Z_NULL, 0), png.data() + pos + 4, length + 4);
  for (int i = 0; i < 4; ++i)
    png[pos + 8 + length + i] = static_cast<std::uint8_t>(crc >> (24 - 8 * i));
}

std::size_t find_chunk(const Bytes& png, const char* type) {
  std::size_t pos = 8;
  while (pos + 8 <= png.size()) {
    if (std::memcmp(png.data() + pos + 4, type, 4) == 0) return pos;
    pos += load_be32(png.data() + pos) + 12;
  }
  FAIL("no chunk " << type);
  return 0;
}

}  // namespace

TEST_CASE("png: RGB - grey and low bit depths give the stored values", "[png]") {
  PngSpec rgb;
  rgb.samples = repeat({10, 200, 77}, 12);
  const Image a = png::read(write_png(rgb), {}, kWhite);
  CHECK(a.format == PixelFormat::Rgb);
  CHECK(a.width == 4);
  CHECK(a.height == 3);
  CHECK(a.pixels == rgb.samples);
  CHECK(a.icc.empty());
  CHECK(a.orientation == 1);

  PngSpec grey;
  grey.color_type = PNG_COLOR_TYPE_GRAY;
  grey.samples = {0, 1, 128, 255, 7, 8, 9, 10, 11, 12, 13, 14};
  const Image g = png::read(write_png(grey), {}, kWhite);
  CHECK(g.format == PixelFormat::Gray);
  CHECK(g.pixels == grey.samples);

  PngSpec two_bit = grey;  // 2-bit grey: 0, 1, 2, 3 scale to 0, 85, 170, 255
  two_bit.bit_depth = 2;
  two_bit.samples = {0b00011011, 0b11100100, 0b01010101};
  const Image t = png::read(write_png(two_bit), {}, kWhite);
  CHECK(t.pixels == Bytes{0, 85, 170, 255, 255, 170, 85, 0, 85, 85, 85, 85});

  PngSpec sixteen = rgb;  // 16-bit: v·255/65535 rounded
  sixteen.bit_depth = 16;
  sixteen.samples = repeat({0x12, 0x34, 0xFF, 0xFF, 0x80, 0x80}, 12);
  const Image s = png::read(write_png(sixteen), {}, kWhite);
  CHECK(s.pixels == repeat({18, 255, 128}, 12));
}

TEST_CASE("png: palette with tRNS is composited in linear light", "[png]") {
  PngSpec spec;
  spec.color_type = PNG_COLOR_TYPE_PALETTE;
  spec.width = 3;
  spec.height = 1;
  spec.palette = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
  spec.palette_alpha = {255, 0, 128};
  spec.samples = {0, 1, 2};
  const Bytes file = write_png(spec);
  const Image white = png::read(file, {}, kWhite);
  REQUIRE(white.format == PixelFormat::Rgb);
  const int half = mix(0, 128, 255);  // 0 at alpha 128 on 255: 187 or 188, not 127
  CHECK((half == 187 || half == 188));
  CHECK(white.pixels ==
        Bytes{255, 0, 0, 255, 255, 255, std::uint8_t(half), std::uint8_t(half), 255});

  const Image grey_bg = png::read(file, {}, {40, 50, 60});
  CHECK(grey_bg.pixels == Bytes{255, 0, 0, 40, 50, 60, std::uint8_t(mix(0, 128, 40)),
                                std::uint8_t(mix(0, 128, 50)), std::uint8_t(mix(255, 128, 60))});
}

TEST_CASE("png: RGBA - grey+alpha and grey tRNS", "[png]") {
  PngSpec rgba;
  rgba.color_type = PNG_COLOR_TYPE_RGB_ALPHA;
  rgba.width = 4;
  rgba.height = 1;
  rgba.samples = {10, 20, 30, 255, 10, 20, 30, 0, 200, 100, 50, 64, 0, 0, 0, 191};
  const Image a = png::read(write_png(rgba), {}, {0, 128, 255});
  CHECK(a.pixels == Bytes{10, 20, 30, 0, 128, 255, std::uint8_t(mix(200, 64, 0)),
                          std::uint8_t(mix(100, 64, 128)), std::uint8_t(mix(50, 64, 255)),
                          std::uint8_t(mix(0, 191, 0)), std::uint8_t(mix(0, 191, 128)),
                          std::uint8_t(mix(0, 191, 255))});

  PngSpec rgba16 = rgba;  // 16-bit alpha scales to 8 bits before compositing
  rgba16.bit_depth = 16;
  rgba16.samples = {};
  for (std::uint8_t v : rgba.samples)
    rgba16.samples.insert(rgba16.samples.end(), {v, v});
  CHECK(png::read(write_png(rgba16), {}, {0, 128, 255}).pixels == a.pixels);

  PngSpec ga;
  ga.color_type = PNG_COLOR_TYPE_GRAY_ALPHA;
  ga.width = 3;
  ga.height = 1;
  ga.samples = {100, 255, 100, 0, 100, 128};
  const Image on_grey = png::read(write_png(ga), {}, {20, 20, 20});
  CHECK(on_grey.format == PixelFormat::Gray);
  CHECK(on_grey.pixels == Bytes{100, 20, std::uint8_t(mix(100, 128, 20))});
  const Image on_colour = png::read(write_png(ga), {}, {255, 0, 0});
  CHECK(on_colour.format == PixelFormat::Rgb);
  CHECK(on_colour.pixels == Bytes{100, 100, 100, 255, 0, 0, std::uint8_t(mix(100, 128, 255)),
                                  std::uint8_t(mix(100, 128, 0)), std::uint8_t(mix(100, 128, 0))});

  PngSpec keyed;  // grey with a transparent colour key
  keyed.color_type = PNG_COLOR_TYPE_GRAY;
  keyed.width = 3;
  keyed.height = 1;
  keyed.trans_color = png_color_16{0, 0, 0, 0, 7};
  keyed.samples = {7, 8, 9};
  CHECK(png::read(write_png(keyed), {}, kWhite).pixels == Bytes{255, 8, 9});
}

TEST_CASE("png: interlaced equals non-interlaced", "[png]") {
  PngSpec spec;
  spec.width = 37;
  spec.height = 23;
  for (int i = 0; i < 37 * 23 * 3; ++i)
    spec.samples.push_back(static_cast<std::uint8_t>(i * 7));
  const Image plain = png::read(write_png(spec), {}, kWhite);
  spec.interlace = true;
  const Bytes interlaced = write_png(spec);
  CHECK(png::read(interlaced, {}, kWhite).pixels == plain.pixels);
  CHECK(plain.pixels == spec.samples);
  CHECK(code_of(ByteView(interlaced).first(interlaced.size() - 30)) == ErrorCode::Truncated);
}

TEST_CASE("png: iCCP becomes the ICC profile - eXIf the orientation", "[png]") {
  const Bytes icc =
      jpeg_pixels::decode(read_bytes(samples_dir() / "skimage-rocket-640x427-444-icc.jpg"), {}).icc;
  REQUIRE(icc.size() > 128);
  const Bytes exif_segment = exif::minimal_orientation_segment(6);  // "Exif\0\0" + TIFF
  PngSpec spec;
  spec.samples = repeat({1, 2, 3}, 12);
  spec.icc = icc;
  spec.exif.assign(exif_segment.begin() + 6, exif_segment.end());
  const Bytes file = write_png(spec);
  const Image image = png::read(file, {}, kWhite);
  CHECK(image.icc == icc);
  CHECK(image.orientation == 6);

  spec.exif = exif_segment;  // some writers keep the JPEG identifier; libpng itself rejects it
  spec.icc.clear();
  Bytes prefixed;
  {
    // libpng refuses to write an eXIf that does not start with II/MM: patch one in afterwards.
    PngSpec plain = spec;
    plain.exif.assign(exif_segment.begin() + 6, exif_segment.end());
    prefixed = write_png(plain);
    const std::size_t pos = find_chunk(prefixed, "eXIf");
    const std::uint32_t length = load_be32(prefixed.data() + pos);
    prefixed.insert(prefixed.begin() + static_cast<std::ptrdiff_t>(pos + 8), exif_segment.begin(),
                    exif_segment.begin() + 6);
    const std::uint32_t grown = length + 6;
    for (int i = 0; i < 4; ++i)
      prefixed[pos + i] = static_cast<std::uint8_t>(grown >> (24 - 8 * i));
    fix_crc(prefixed, pos);
  }
  CHECK(png::read(prefixed, {}, kWhite).orientation == 6);

  // A damaged iCCP (CRC) is not silently dropped.
  Bytes damaged = file;
  damaged[find_chunk(damaged, "iCCP") + 20] ^= 0x55;
  CHECK(code_of(damaged) == ErrorCode::CorruptMetadata);
}

TEST_CASE("png: errors and limits", "[png]") {
  PngSpec spec;
  spec.width = 64;
  spec.height = 48;
  spec.samples = repeat({1, 2, 3}, 64 * 48);
  const Bytes file = write_png(spec);

  CHECK(code_of(Bytes{'G', 'I', 'F', '8', '9', 'a', 0, 0, 0}) == ErrorCode::InvalidArgument);
  CHECK(code_of(ByteView(file).first(file.size() / 2)) == ErrorCode::Truncated);
  CHECK(code_of(ByteView(file).first(20)) == ErrorCode::Truncated);
  CHECK(code_of(ByteView(file).first(file.size() - 6)) == ErrorCode::Truncated);  // no IEND

  Bytes bad_crc = file;
  bad_crc[find_chunk(bad_crc, "IDAT") + 10] ^= 0xFF;
  CHECK(code_of(bad_crc) == ErrorCode::CorruptData);
  Bytes bad_zlib = bad_crc;  // the same damage with a correct CRC: zlib notices
  fix_crc(bad_zlib, find_chunk(bad_zlib, "IDAT"));
  CHECK(code_of(bad_zlib) == ErrorCode::CorruptData);

  Limits small;
  small.max_pixels = 64 * 48 - 1;
  CHECK(code_of(file, small) == ErrorCode::TooLarge);
  small.max_pixels = 64 * 48;
  CHECK(png::read(file, small, kWhite).pixels == spec.samples);

  // A 60000×60000 header over a few bytes of data: refused before any pixel buffer exists.
  Bytes huge = file;
  for (int i = 0; i < 4; ++i) {
    huge[16 + i] = static_cast<std::uint8_t>(60000u >> (24 - 8 * i));
    huge[20 + i] = static_cast<std::uint8_t>(60000u >> (24 - 8 * i));
  }
  fix_crc(huge, 8);
  try {
    png::read(huge, {}, kWhite);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::TooLarge);
    CHECK(std::string(e.what()) == "60000x60000 is 3600000000 pixels, over the limit of 300000000");
  }
}

TEST_CASE("png: the sample PNGs", "[png]") {
  const Bytes cat = read_bytes(samples_dir() / "skimage-chelsea-cat-451x300-rgb.png");
  const Image image = png::read(cat, {}, kWhite);
  CHECK(image.format == PixelFormat::Rgb);
  CHECK(image.width == 451);
  CHECK(image.height == 300);

  const Image logo =
      png::read(read_bytes(samples_dir() / "skimage-logo-500x500-rgba.png"), {}, kWhite);
  CHECK(logo.format == PixelFormat::Rgb);
  CHECK(logo.width == 500);
  CHECK(logo.height == 500);

  if (!have_program("pngtopnm")) return;  // netpbm as an independent decoder
  TempDir dir;
  const auto ppm = dir / "cat.ppm";
  REQUIRE(run_shell("pngtopnm " +
                    shell_quote((samples_dir() / "skimage-chelsea-cat-451x300-rgb.png").string()) +
                    " > " + shell_quote(ppm.string()))
              .exit_code == 0);
  const Bytes pnm = read_bytes(ppm);
  const std::string header = "P6\n451 300\n255\n";
  REQUIRE(pnm.size() == header.size() + image.pixels.size());
  CHECK(std::equal(image.pixels.begin(), image.pixels.end(), pnm.begin() + header.size()));

  // The logo's alpha from netpbm (every pixel turns out opaque): opaque pixels keep their colour,
  // transparent ones become the background.
  const auto colour = dir / "logo.ppm";
  const auto alpha = dir / "logo.pgm";
  const std::string logo_path = (samples_dir() / "skimage-logo-500x500-rgba.png").string();
  REQUIRE(run_shell("pngtopnm " + shell_quote(logo_path) + " > " + shell_quote(colour.string()))
              .exit_code == 0);
  REQUIRE(
      run_shell("pngtopnm -alpha " + shell_quote(logo_path) + " > " + shell_quote(alpha.string()))
          .exit_code == 0);
  const Bytes rgb = read_bytes(colour), a = read_bytes(alpha);
  const std::size_t rgb_at = rgb.size() - 500 * 500 * 3, a_at = a.size() - 500 * 500;
  int opaque = 0, clear = 0, wrong = 0;
  for (std::size_t i = 0; i < 500 * 500; ++i) {
    if (a[a_at + i] == 255) {
      ++opaque;
      for (std::size_t c = 0; c < 3; ++c)
        wrong += logo.pixels[3 * i + c] != rgb[rgb_at + 3 * i + c];
    } else if (a[a_at + i] == 0) {
      ++clear;
      for (std::size_t c = 0; c < 3; ++c)
        wrong += logo.pixels[3 * i + c] != 255;
    }
  }
  CHECK(opaque + clear == 500 * 500);
  CHECK(wrong == 0);
}
