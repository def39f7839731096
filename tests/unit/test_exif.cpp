#include <catch2/catch.hpp>
#include "core/exif.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jpegopt/error.hpp"
#include "support/run_cli.hpp"
#include "support/test_paths.hpp"

namespace {

using jpegopt::Bytes;
using jpegopt::ByteView;
using jpegopt::Error;
using jpegopt::ErrorCode;
namespace exif = jpegopt::exif;
namespace test = jpegopt::test;

// ---- A small TIFF builder ----------------------------------------------------------------------

struct TestEntry {
  std::uint16_t tag = 0;
  std::uint16_t type = 0;
  std::uint32_t count = 0;
  Bytes value;  // already in the file's byte order
};

struct TestIfd {
  std::vector<TestEntry> entries;
};

struct TiffSpec {
  bool le = false;
  TestIfd ifd0;
  std::optional<TestIfd> exif;
  std::optional<TestIfd> gps;
  std::optional<TestIfd> ifd1;
  Bytes thumbnail;        // placed after IFD1 when IFD1 is present and this is not empty
  bool gps_last = false;  // place the GPS IFD after IFD1 and the thumbnail
};

class Encoder {
 public:
  explicit Encoder(bool le) : le_(le) {}
  Bytes u16(std::uint32_t v) const { return put(v, 2); }
  Bytes u32(std::uint32_t v) const { return put(v, 4); }
  Bytes rationals(std::initializer_list<std::uint32_t> parts) const {
    Bytes out;
    for (std::uint32_t p : parts)
      append(out, u32(p));
    return out;
  }
  void write16(Bytes& b, std::size_t pos, std::uint32_t v) const { write(b, pos, put(v, 2)); }
  void write32(Bytes& b, std::size_t pos, std::uint32_t v) const { write(b, pos, put(v, 4)); }
  std::uint32_t read16(const Bytes& b, std::size_t pos) const { return get(b, pos, 2); }
  std::uint32_t read32(const Bytes& b, std::size_t pos) const { return get(b, pos, 4); }

 private:
  Bytes put(std::uint32_t v, int n) const {
    Bytes out(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      const int shift = le_ ? 8 * i : 8 * (n - 1 - i);
      out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> shift);
    }
    return out;
  }
  std::uint32_t get(const Bytes& b, std::size_t pos, int n) const {
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      const int shift = le_ ? 8 * i : 8 * (n - 1 - i);
      v |= std::uint32_t{b.at(pos + static_cast<std::size_t>(i))} << shift;
    }
    return v;
  }
  static void write(Bytes& b, std::size_t pos, const Bytes& v) {
    std::copy(v.begin(), v.end(), b.begin() + static_cast<std::ptrdiff_t>(pos));
  }
  static void append(Bytes& out, const Bytes& v) { out.insert(out.end(), v.begin(), v.end()); }
  bool le_;
};

TestEntry ascii_entry(std::uint16_t tag, const std::string& text) {
  Bytes v(text.begin(), text.end());
  v.push_back(0);
  return {tag, 2, static_cast<std::uint32_t>(v.size()), v};
}
TestEntry short_entry(const Encoder& enc, std::uint16_t tag, std::uint32_t v) {
  return {tag, 3, 1, enc.u16(v)};
}
TestEntry long_entry(const Encoder& enc, std::uint16_t tag, std::uint32_t v) {
  return {tag, 4, 1, enc.u32(v)};
}

// Offset of the 12-byte entry for `tag` in the IFD at `ifd`.
std::size_t entry_pos(const Encoder& enc, const Bytes& b, std::size_t ifd, std::uint16_t tag) {
  const std::size_t n = enc.read16(b, ifd);
  for (std::size_t i = 0; i < n; ++i)
    if (enc.read16(b, ifd + 2 + 12 * i) == tag) return ifd + 2 + 12 * i;
  FAIL("tag not found");
  return 0;
}

struct Built {
  Bytes bytes;
  std::size_t ifd0 = 0, exif = 0, gps = 0, ifd1 = 0, thumbnail = 0;
};

Built build(TiffSpec spec) {
  const Encoder enc(spec.le);
  if (spec.exif) spec.ifd0.entries.push_back(long_entry(enc, 0x8769, 0));
  if (spec.gps) spec.ifd0.entries.push_back(long_entry(enc, 0x8825, 0));
  if (spec.ifd1 && !spec.thumbnail.empty()) {
    spec.ifd1->entries.push_back(long_entry(enc, 0x0201, 0));
    spec.ifd1->entries.push_back(
        long_entry(enc, 0x0202, static_cast<std::uint32_t>(spec.thumbnail.size())));
  }
  Built out;
  Bytes& b = out.bytes;
  if (spec.le) {
    b = {'I', 'I', 42, 0, 8, 0, 0, 0};
  } else {
    b = {'M', 'M', 0, 42, 0, 0, 0, 8};
  }
  auto place = [&](const TestIfd& ifd) {
    const std::size_t off = b.size();
    const std::size_t n = ifd.entries.size();
    b.resize(off + 2 + 12 * n + 4, 0);
    enc.write16(b, off, static_cast<std::uint32_t>(n));
    for (std::size_t i = 0; i < n; ++i) {
      const TestEntry& e = ifd.entries[i];
      const std::size_t pos = off + 2 + 12 * i;
      enc.write16(b, pos, e.tag);
      enc.write16(b, pos + 2, e.type);
      enc.write32(b, pos + 4, e.count);
      if (e.value.size() <= 4) {
        std::copy(e.value.begin(), e.value.end(), b.begin() + static_cast<std::ptrdiff_t>(pos + 8));
      } else {
        enc.write32(b, pos + 8, static_cast<std::uint32_t>(b.size()));
        b.insert(b.end(), e.value.begin(), e.value.end());
        if (b.size() % 2 != 0) b.push_back(0);
      }
    }
    return off;
  };
  auto place_gps = [&] {
    out.gps = place(*spec.gps);
    enc.write32(b, entry_pos(enc, b, out.ifd0, 0x8825) + 8, static_cast<std::uint32_t>(out.gps));
  };
  out.ifd0 = place(spec.ifd0);
  if (spec.exif) {
    out.exif = place(*spec.exif);
    enc.write32(b, entry_pos(enc, b, out.ifd0, 0x8769) + 8, static_cast<std::uint32_t>(out.exif));
  }
  if (spec.gps && !spec.gps_last) place_gps();
  if (spec.ifd1) {
    out.ifd1 = place(*spec.ifd1);
    const std::size_t n0 = enc.read16(b, out.ifd0);
    enc.write32(b, out.ifd0 + 2 + 12 * n0, static_cast<std::uint32_t>(out.ifd1));
    if (!spec.thumbnail.empty()) {
      out.thumbnail = b.size();
      b.insert(b.end(), spec.thumbnail.begin(), spec.thumbnail.end());
      enc.write32(b, entry_pos(enc, b, out.ifd1, 0x0201) + 8,
                  static_cast<std::uint32_t>(out.thumbnail));
    }
  }
  if (spec.gps && spec.gps_last) place_gps();
  return out;
}

// Distinctive GPS values, so a test can look for them in the output.
constexpr std::uint32_t kLatDeg = 0x5A5A0031, kLatMin = 0x5A5A0032, kLonDeg = 0x5A5A0041;

TiffSpec camera_spec(bool le, bool gps_last = false) {
  const Encoder enc(le);
  TiffSpec s;
  s.le = le;
  s.gps_last = gps_last;
  s.ifd0.entries = {short_entry(enc, 0x0100, 4000), short_entry(enc, 0x0101, 3000),
                    ascii_entry(0x010F, "Canon"),   ascii_entry(0x0110, "Canon EOS 450D  "),
                    short_entry(enc, 0x0112, 6),    ascii_entry(0x0132, "2020:01:02 03:04:05")};
  s.exif = TestIfd{
      {ascii_entry(0x9003, "2019:12:31 23:59:58"),
       short_entry(enc, 0xA002, 4000),
       long_entry(enc, 0xA003, 3000),
       {0x927C, 7, 16, Bytes{'M', 'A', 'K', 'E', 'R', 'N', 'O', 'T', 'E', 1, 2, 3, 4, 5, 6, 7}}}};
  s.gps = TestIfd{{{0x0000, 1, 4, Bytes{2, 3, 0, 0}},
                   ascii_entry(0x0001, "N"),
                   {0x0002, 5, 3, enc.rationals({kLatDeg, 1, kLatMin, 1, 0x5A5A0033, 100})},
                   ascii_entry(0x0003, "E"),
                   {0x0004, 5, 3, enc.rationals({kLonDeg, 1, 0x5A5A0042, 1, 0x5A5A0043, 100})}}};
  s.ifd1 = TestIfd{{long_entry(enc, 0x0103, 6), {0x011A, 5, 1, enc.rationals({72, 1})}}};
  s.thumbnail = {0xFF, 0xD8, 0xFF, 0xDB, 0x7E, 0x7E, 0x7E, 0x7E, 0x7E, 0x7E, 0xFF, 0xD9};
  return s;
}

ByteView view(const Bytes& b) {
  return ByteView(b.data(), b.size());
}

bool contains(const Bytes& haystack, const Bytes& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

ErrorCode parse_error_code(const Bytes& b) {
  try {
    (void)exif::parse(view(b));
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("parse did not throw");
  return ErrorCode::Internal;
}

// A JPEG with `payload` ("Exif\0\0" + TIFF) spliced in as an APP1 right after SOI.
std::optional<Bytes> jpeg_with_app1(const test::TempDir& dir, const Bytes& payload) {
  const auto ppm = dir / "in.ppm";
  const auto jpg = dir / "in.jpg";
  std::string header = "P6\n8 8\n255\n";
  Bytes pixels(header.begin(), header.end());
  pixels.resize(pixels.size() + 8 * 8 * 3, 0x80);
  test::write_bytes(ppm, view(pixels));
  test::CommandResult r;
  if (test::have_program("cjpeg")) {
    r = test::run_shell("cjpeg -outfile " + test::shell_quote(jpg.string()) + " " +
                        test::shell_quote(ppm.string()));
  } else if (test::have_program("convert")) {
    r = test::run_shell("convert " + test::shell_quote(ppm.string()) + " " +
                        test::shell_quote(jpg.string()));
  } else {
    return std::nullopt;
  }
  if (r.exit_code != 0) return std::nullopt;
  Bytes jpeg = test::read_bytes(jpg);
  REQUIRE(jpeg.size() > 2);
  Bytes app1 = {0xFF, 0xE1};
  jpegopt::append_be16(app1, static_cast<unsigned>(payload.size() + 2));
  app1.insert(app1.end(), payload.begin(), payload.end());
  jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
  return jpeg;
}

Bytes exif_payload(const Bytes& tiff) {
  // Sized up front: an initializer list followed by insert() trips a GCC 12 -O3 false positive.
  Bytes p(6 + tiff.size(), 0);
  const char id[] = "Exif";
  std::copy(id, id + 4, p.begin());
  std::copy(tiff.begin(), tiff.end(), p.begin() + 6);
  return p;
}

std::string exiftool(const test::TempDir& dir, const Bytes& jpeg, const std::string& args) {
  const auto path = dir / "probe.jpg";
  test::write_bytes(path, view(jpeg));
  const auto r = test::run_shell("exiftool " + args + " " + test::shell_quote(path.string()));
  REQUIRE(r.exit_code == 0);
  return r.out;
}

}  // namespace

// ---- parse -------------------------------------------------------------------------------------

TEST_CASE("exif: parse reads IFD0 - ExifIFD - GPS and IFD1 in both byte orders", "[exif]") {
  const bool le = GENERATE(false, true);
  const Built b = build(camera_spec(le));
  const auto info = exif::parse(view(b.bytes));
  CHECK(info.little_endian == le);
  CHECK(info.orientation == 6);
  CHECK(info.make == "Canon");
  CHECK(info.model == "Canon EOS 450D");
  CHECK(info.datetime == "2019:12:31 23:59:58");
  CHECK(info.has_gps);
  CHECK(info.gps_tag_count == 5);
  CHECK(info.gps_has_position);
  CHECK(info.thumbnail_bytes == 12);
  CHECK(info.ifd0_tag_count == 8);
  CHECK(info.image_width == 4000u);
  CHECK(info.image_height == 3000u);
  CHECK(info.pixel_width == 4000u);
  CHECK(info.pixel_height == 3000u);
}

TEST_CASE("exif: parse of a minimal IFD0 leaves the other fields empty", "[exif]") {
  TiffSpec s;
  s.le = true;
  s.ifd0.entries = {ascii_entry(0x0132, std::string("2001:02:03 04:05:06\0\0  ", 23))};
  const auto info = exif::parse(view(build(s).bytes));
  CHECK_FALSE(info.orientation);
  CHECK_FALSE(info.make);
  CHECK_FALSE(info.model);
  CHECK(info.datetime == "2001:02:03 04:05:06");  // IFD0 DateTime when there is no ExifIFD
  CHECK_FALSE(info.has_gps);
  CHECK(info.gps_tag_count == 0);
  CHECK(info.thumbnail_bytes == 0);
  CHECK(info.ifd0_tag_count == 1);
}

TEST_CASE("exif: strings are cut at NUL and trimmed - empty strings are absent", "[exif]") {
  TiffSpec s;
  s.ifd0.entries = {ascii_entry(0x010F, "NIKON   "),
                    {0x0110, 2, 8, Bytes{'E', '9', '5', '0', 0, 'x', 'y', 0}},
                    ascii_entry(0x0132, "    ")};
  const auto info = exif::parse(view(build(s).bytes));
  CHECK(info.make == "NIKON");
  CHECK(info.model == "E950");
  CHECK_FALSE(info.datetime);
}

TEST_CASE("exif: orientation outside 1..8 is ignored - LONG orientation is read", "[exif]") {
  const Encoder enc(false);
  TiffSpec s;
  s.ifd0.entries = {short_entry(enc, 0x0112, 9)};
  CHECK_FALSE(exif::parse(view(build(s).bytes)).orientation);
  s.ifd0.entries = {short_entry(enc, 0x0112, 0)};
  CHECK_FALSE(exif::parse(view(build(s).bytes)).orientation);
  s.ifd0.entries = {long_entry(enc, 0x0112, 8)};
  CHECK(exif::parse(view(build(s).bytes)).orientation == 8);
  s.ifd0.entries = {ascii_entry(0x0112, "6")};
  CHECK_FALSE(exif::parse(view(build(s).bytes)).orientation);
}

TEST_CASE("exif: a GPS IFD without latitude and longitude has no position", "[exif]") {
  const Encoder enc(true);
  TiffSpec s;
  s.le = true;
  s.gps = TestIfd{{{0x0000, 1, 4, Bytes{2, 2, 0, 0}},
                   ascii_entry(0x0001, "N"),
                   {0x0002, 5, 3, enc.rationals({1, 1, 2, 1, 3, 1})}}};
  auto info = exif::parse(view(build(s).bytes));
  CHECK(info.has_gps);
  CHECK(info.gps_tag_count == 3);
  CHECK_FALSE(info.gps_has_position);
  s.gps = TestIfd{};
  info = exif::parse(view(build(s).bytes));
  CHECK(info.has_gps);
  CHECK(info.gps_tag_count == 0);
  CHECK_FALSE(info.gps_has_position);
}

TEST_CASE("exif: unreadable header or IFD0 throws CorruptMetadata", "[exif]") {
  CHECK(parse_error_code(Bytes{}) == ErrorCode::CorruptMetadata);
  CHECK(parse_error_code(Bytes{'M', 'M', 0, 42}) == ErrorCode::CorruptMetadata);
  CHECK(parse_error_code(Bytes{'M', 'I', 0, 42, 0, 0, 0, 8, 0, 0}) == ErrorCode::CorruptMetadata);
  CHECK(parse_error_code(Bytes{'M', 'M', 0, 43, 0, 0, 0, 8, 0, 0}) == ErrorCode::CorruptMetadata);
  CHECK(parse_error_code(Bytes{'I', 'I', 0, 42, 8, 0, 0, 0, 0, 0}) == ErrorCode::CorruptMetadata);
  // IFD0 offset past the end, inside the header, or at the last byte.
  CHECK(parse_error_code(Bytes{'M', 'M', 0, 42, 0, 0, 1, 0, 0, 0}) == ErrorCode::CorruptMetadata);
  CHECK(parse_error_code(Bytes{'M', 'M', 0, 42, 0, 0, 0, 2, 0, 0}) == ErrorCode::CorruptMetadata);
  CHECK(parse_error_code(Bytes{'M', 'M', 0, 42, 0, 0, 0, 9, 0, 0}) == ErrorCode::CorruptMetadata);
  CHECK(parse_error_code(Bytes{'M', 'M', 0, 42, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}) ==
        ErrorCode::CorruptMetadata);
  // An IFD0 with no entries is valid.
  CHECK(exif::parse(view(Bytes{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0})).ifd0_tag_count ==
        0);
}

TEST_CASE("exif: an absurd entry count is refused", "[exif]") {
  const bool le = GENERATE(false, true);
  const Encoder enc(le);
  Built b = build(camera_spec(le));
  SECTION("in IFD0: throws") {
    enc.write16(b.bytes, b.ifd0, 0xFFFF);
    CHECK(parse_error_code(b.bytes) == ErrorCode::CorruptMetadata);
    CHECK_THROWS_AS(exif::remove_gps(view(b.bytes)), Error);
    CHECK_THROWS_AS(exif::remove_thumbnail(view(b.bytes)), Error);
    CHECK_THROWS_AS(exif::update_geometry(view(b.bytes), 1, 1, 1), Error);
  }
  SECTION("in ExifIFD: only the Exif fields are lost") {
    enc.write16(b.bytes, b.exif, 0xFFFF);
    const auto info = exif::parse(view(b.bytes));
    CHECK(info.datetime == "2020:01:02 03:04:05");  // falls back to IFD0 DateTime
    CHECK_FALSE(info.pixel_width);
    CHECK(info.make == "Canon");
    CHECK(info.gps_has_position);
  }
  SECTION("in the GPS IFD") {
    enc.write16(b.bytes, b.gps, 0xFFFF);
    const auto info = exif::parse(view(b.bytes));
    CHECK_FALSE(info.has_gps);
    CHECK(info.orientation == 6);
    CHECK(info.thumbnail_bytes == 12);
  }
}

TEST_CASE("exif: a huge IFD0 is over the entry limit", "[exif]") {
  const std::size_t n = 20000;
  Bytes b = {'M', 'M', 0, 42, 0, 0, 0, 8};
  jpegopt::append_be16(b, static_cast<unsigned>(n));
  for (std::size_t i = 0; i < n; ++i) {
    const Bytes e = {0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 1, 0, 0};
    b.insert(b.end(), e.begin(), e.end());
  }
  b.resize(b.size() + 4, 0);
  CHECK(parse_error_code(b) == ErrorCode::MetadataLimit);
}

TEST_CASE("exif: IFD loops are detected", "[exif]") {
  const bool le = GENERATE(false, true);
  const Encoder enc(le);
  Built b = build(camera_spec(le));
  const std::size_t n0 = enc.read16(b.bytes, b.ifd0);
  SECTION("IFD0 next points to IFD0") {
    enc.write32(b.bytes, b.ifd0 + 2 + 12 * n0, static_cast<std::uint32_t>(b.ifd0));
    const auto info = exif::parse(view(b.bytes));
    CHECK(info.thumbnail_bytes == 0);
    CHECK(info.orientation == 6);
    CHECK(exif::parse(view(exif::remove_thumbnail(view(b.bytes)))).orientation == 6);
  }
  SECTION("ExifIFD and GPS pointers point to IFD0") {
    enc.write32(b.bytes, entry_pos(enc, b.bytes, b.ifd0, 0x8769) + 8,
                static_cast<std::uint32_t>(b.ifd0));
    enc.write32(b.bytes, entry_pos(enc, b.bytes, b.ifd0, 0x8825) + 8,
                static_cast<std::uint32_t>(b.ifd0));
    const auto info = exif::parse(view(b.bytes));
    CHECK_FALSE(info.has_gps);
    CHECK_FALSE(info.pixel_width);
    CHECK(info.make == "Canon");
    // Removing the dangling GPS pointer must not erase IFD0.
    const Bytes out = exif::remove_gps(view(b.bytes));
    const auto after = exif::parse(view(out));
    CHECK(after.make == "Canon");
    CHECK(after.orientation == 6);
    CHECK(after.ifd0_tag_count == info.ifd0_tag_count - 1);
  }
  SECTION("GPS pointer points to ExifIFD; IFD1 points to the GPS IFD") {
    enc.write32(b.bytes, entry_pos(enc, b.bytes, b.ifd0, 0x8825) + 8,
                static_cast<std::uint32_t>(b.exif));
    enc.write32(b.bytes, b.ifd0 + 2 + 12 * n0, static_cast<std::uint32_t>(b.exif));
    const auto info = exif::parse(view(b.bytes));
    CHECK(info.pixel_width == 4000u);
    CHECK_FALSE(info.has_gps);
    CHECK(info.thumbnail_bytes == 0);
    // The ExifIFD is still in use: removing GPS and the thumbnail must keep it.
    CHECK(exif::parse(view(exif::remove_gps(view(b.bytes)))).pixel_width == 4000u);
    CHECK(exif::parse(view(exif::remove_thumbnail(view(b.bytes)))).pixel_width == 4000u);
  }
}

TEST_CASE("exif: out-of-range offsets leave fields empty", "[exif]") {
  const bool le = GENERATE(false, true);
  const Encoder enc(le);
  Built b = build(camera_spec(le));
  const auto far = static_cast<std::uint32_t>(b.bytes.size() + 100);
  SECTION("Make string") {
    enc.write32(b.bytes, entry_pos(enc, b.bytes, b.ifd0, 0x010F) + 8, far);
    CHECK_FALSE(exif::parse(view(b.bytes)).make);
  }
  SECTION("string count overflowing 32 bits") {
    enc.write32(b.bytes, entry_pos(enc, b.bytes, b.ifd0, 0x0110) + 4, 0xFFFFFFFF);
    enc.write16(b.bytes, entry_pos(enc, b.bytes, b.ifd0, 0x0132) + 2, 12);  // DOUBLE
    enc.write32(b.bytes, entry_pos(enc, b.bytes, b.ifd0, 0x0132) + 4, 0xFFFFFFFF);
    const auto info = exif::parse(view(b.bytes));
    CHECK_FALSE(info.model);
    CHECK(info.make == "Canon");
  }
  SECTION("ExifIFD pointer") {
    enc.write32(b.bytes, entry_pos(enc, b.bytes, b.ifd0, 0x8769) + 8, far);
    const auto info = exif::parse(view(b.bytes));
    CHECK_FALSE(info.pixel_width);
    CHECK(info.datetime == "2020:01:02 03:04:05");
  }
  SECTION("GPS pointer") {
    enc.write32(b.bytes, entry_pos(enc, b.bytes, b.ifd0, 0x8825) + 8, 0xFFFFFFF0);
    CHECK_FALSE(exif::parse(view(b.bytes)).has_gps);
    const Bytes out = exif::remove_gps(view(b.bytes));
    CHECK(exif::parse(view(out)).ifd0_tag_count == 7);
  }
  SECTION("IFD1 pointer") {
    const std::size_t n0 = enc.read16(b.bytes, b.ifd0);
    enc.write32(b.bytes, b.ifd0 + 2 + 12 * n0, far);
    CHECK(exif::parse(view(b.bytes)).thumbnail_bytes == 0);
  }
  SECTION("thumbnail past the end") {
    enc.write32(b.bytes, entry_pos(enc, b.bytes, b.ifd1, 0x0202) + 8, 1000);
    CHECK(exif::parse(view(b.bytes)).thumbnail_bytes == 0);
  }
}

TEST_CASE("exif: truncation at every length never crashes", "[exif]") {
  const bool le = GENERATE(false, true);
  const bool gps_last = GENERATE(false, true);
  const Built b = build(camera_spec(le, gps_last));
  const std::size_t n0 = Encoder(le).read16(b.bytes, b.ifd0);
  const std::size_t ifd0_end = b.ifd0 + 2 + 12 * n0;
  for (std::size_t len = 0; len <= b.bytes.size(); ++len) {
    CAPTURE(len);
    const Bytes cut(b.bytes.begin(), b.bytes.begin() + static_cast<std::ptrdiff_t>(len));
    std::optional<exif::ExifInfo> info;
    try {
      info = exif::parse(view(cut));
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::CorruptMetadata);
    }
    CHECK(info.has_value() == (len >= ifd0_end));
    if (!info) continue;
    if (info->has_gps) CHECK(info->gps_tag_count == 5);
    // The rewriters must cope with the same damage.
    const auto no_gps = exif::parse(view(exif::remove_gps(view(cut))));
    CHECK_FALSE(no_gps.has_gps);
    CHECK(exif::parse(view(exif::remove_thumbnail(view(cut)))).thumbnail_bytes == 0);
    CHECK(exif::parse(view(exif::update_geometry(view(cut), 3, 10, 20))).ifd0_tag_count ==
          info->ifd0_tag_count);
  }
}

TEST_CASE("exif: corrupted bytes never crash the reader or the rewriters", "[exif]") {
  const bool le = GENERATE(false, true);
  const Built b = build(camera_spec(le));
  // Flip every byte in turn to a few values that make offsets and counts absurd.
  for (std::size_t i = 0; i < b.bytes.size(); ++i) {
    for (std::uint8_t v : {std::uint8_t{0x00}, std::uint8_t{0x08}, std::uint8_t{0xFF}}) {
      Bytes m = b.bytes;
      m[i] = v;
      try {
        (void)exif::parse(view(m));
        (void)exif::remove_gps(view(m));
        (void)exif::remove_thumbnail(view(m));
        (void)exif::update_geometry(view(m), 2, 1, 1);
      } catch (const Error&) {
      }
    }
  }
  SUCCEED();
}

// ---- remove_gps --------------------------------------------------------------------------------

TEST_CASE("exif: remove_gps drops the GPS IFD and keeps everything else", "[exif]") {
  const bool le = GENERATE(false, true);
  const bool gps_last = GENERATE(false, true);
  const Encoder enc(le);
  const Built b = build(camera_spec(le, gps_last));
  const auto before = exif::parse(view(b.bytes));
  const Bytes out = exif::remove_gps(view(b.bytes));
  const auto after = exif::parse(view(out));

  CHECK_FALSE(after.has_gps);
  CHECK(after.gps_tag_count == 0);
  CHECK(after.ifd0_tag_count == before.ifd0_tag_count - 1);
  CHECK(after.make == before.make);
  CHECK(after.model == before.model);
  CHECK(after.orientation == before.orientation);
  CHECK(after.datetime == before.datetime);
  CHECK(after.pixel_width == before.pixel_width);
  CHECK(after.thumbnail_bytes == before.thumbnail_bytes);
  // No GPS value survives anywhere.
  CHECK_FALSE(contains(out, enc.u32(kLatDeg)));
  CHECK_FALSE(contains(out, enc.u32(kLatMin)));
  CHECK_FALSE(contains(out, enc.u32(kLonDeg)));
  // Nothing moved: the maker note and the thumbnail are where they were.
  const Bytes note = {'M', 'A', 'K', 'E', 'R', 'N', 'O', 'T', 'E'};
  CHECK(std::search(out.begin(), out.end(), note.begin(), note.end()) - out.begin() ==
        std::search(b.bytes.begin(), b.bytes.end(), note.begin(), note.end()) - b.bytes.begin());
  REQUIRE(out.size() >= b.thumbnail + 12);
  CHECK(std::equal(out.begin() + static_cast<std::ptrdiff_t>(b.thumbnail),
                   out.begin() + static_cast<std::ptrdiff_t>(b.thumbnail + 12),
                   b.bytes.begin() + static_cast<std::ptrdiff_t>(b.thumbnail)));
  if (gps_last) {
    CHECK(out.size() == b.gps);  // the GPS IFD and its values were the tail: trimmed
  } else {
    CHECK(out.size() == b.bytes.size());
  }
  // Idempotent.
  CHECK(exif::remove_gps(view(out)) == out);
}

TEST_CASE("exif: remove_gps without GPS returns the input unchanged", "[exif]") {
  TiffSpec s = camera_spec(true);
  s.gps.reset();
  const Built b = build(s);
  CHECK(exif::remove_gps(view(b.bytes)) == b.bytes);
}

// ---- remove_thumbnail --------------------------------------------------------------------------

TEST_CASE("exif: remove_thumbnail drops IFD1 and the thumbnail", "[exif]") {
  const bool le = GENERATE(false, true);
  const bool gps_last = GENERATE(false, true);
  const Built b = build(camera_spec(le, gps_last));
  const auto before = exif::parse(view(b.bytes));
  const Bytes out = exif::remove_thumbnail(view(b.bytes));
  const auto after = exif::parse(view(out));
  CHECK(after.thumbnail_bytes == 0);
  CHECK(after.make == before.make);
  CHECK(after.model == before.model);
  CHECK(after.orientation == before.orientation);
  CHECK(after.datetime == before.datetime);
  CHECK(after.gps_has_position == before.gps_has_position);
  CHECK(after.ifd0_tag_count == before.ifd0_tag_count);
  CHECK_FALSE(contains(out, Bytes{0x7E, 0x7E, 0x7E, 0x7E}));
  if (gps_last) {
    CHECK(out.size() == b.bytes.size());  // the GPS IFD still follows
  } else {
    CHECK(out.size() == b.ifd1);  // IFD1 and the thumbnail were the tail: trimmed
  }
  CHECK(exif::remove_thumbnail(view(out)) == out);
  // Both removals together.
  const auto both = exif::parse(view(exif::remove_gps(view(out))));
  CHECK_FALSE(both.has_gps);
  CHECK(both.make == "Canon");
}

// ---- update_geometry ---------------------------------------------------------------------------

TEST_CASE("exif: update_geometry rewrites orientation and dimensions in place", "[exif]") {
  const bool le = GENERATE(false, true);
  const Built b = build(camera_spec(le));
  const Bytes out = exif::update_geometry(view(b.bytes), 1, 3000, 4000);
  CHECK(out.size() == b.bytes.size());
  const auto info = exif::parse(view(out));
  CHECK(info.orientation == 1);
  CHECK(info.image_width == 3000u);
  CHECK(info.image_height == 4000u);
  CHECK(info.pixel_width == 3000u);
  CHECK(info.pixel_height == 4000u);
  CHECK(info.make == "Canon");
  CHECK(info.gps_has_position);
  CHECK(info.thumbnail_bytes == 12);

  // A SHORT that cannot hold the value becomes a LONG.
  const auto big = exif::parse(view(exif::update_geometry(view(b.bytes), 8, 70000, 65535)));
  CHECK(big.orientation == 8);
  CHECK(big.image_width == 70000u);
  CHECK(big.image_height == 65535u);
  CHECK(big.pixel_width == 70000u);
  CHECK(big.pixel_height == 65535u);

  CHECK_THROWS_AS(exif::update_geometry(view(b.bytes), 0, 1, 1), Error);
  CHECK_THROWS_AS(exif::update_geometry(view(b.bytes), 9, 1, 1), Error);
}

TEST_CASE("exif: update_geometry leaves absent tags absent", "[exif]") {
  TiffSpec s;
  s.ifd0.entries = {ascii_entry(0x010F, "Make")};
  const Built b = build(s);
  const Bytes out = exif::update_geometry(view(b.bytes), 6, 100, 200);
  CHECK(out == b.bytes);
  CHECK_FALSE(exif::parse(view(out)).orientation);
}

// ---- minimal_orientation_segment ---------------------------------------------------------------

TEST_CASE("exif: minimal_orientation_segment is a tiny valid EXIF payload", "[exif]") {
  for (int o = 1; o <= 8; ++o) {
    const Bytes seg = exif::minimal_orientation_segment(o);
    CHECK(seg.size() == 32);
    REQUIRE(jpegopt::starts_with(view(seg), "Exif\0\0"));
    const auto info = exif::parse(view(seg).subspan(6));
    CHECK(info.orientation == o);
    CHECK(info.ifd0_tag_count == 1);
    CHECK_FALSE(info.has_gps);
    CHECK(info.thumbnail_bytes == 0);
  }
  CHECK_THROWS_AS(exif::minimal_orientation_segment(0), Error);
  CHECK_THROWS_AS(exif::minimal_orientation_segment(9), Error);
}

// ---- exiftool cross-checks ---------------------------------------------------------------------

TEST_CASE("exif: exiftool reads minimal_orientation_segment", "[exif][exiftool]") {
  if (!test::have_program("exiftool")) return;
  const test::TempDir dir;
  for (int o : {1, 3, 6, 8}) {
    const auto jpeg = jpeg_with_app1(dir, exif::minimal_orientation_segment(o));
    if (!jpeg) {
      WARN("no cjpeg or convert: skipped");
      return;
    }
    const std::string out = exiftool(dir, *jpeg, "-m -Orientation -n -s3");
    CHECK(out == std::to_string(o) + "\n");
    const std::string warnings = exiftool(dir, *jpeg, "-Warning -s3");
    CHECK(warnings.empty());
  }
}

TEST_CASE("exif: exiftool agrees after remove_gps - remove_thumbnail and update_geometry",
          "[exif][exiftool]") {
  if (!test::have_program("exiftool")) return;
  const test::TempDir dir;
  const bool le = GENERATE(false, true);
  const Built b = build(camera_spec(le));
  const auto original = jpeg_with_app1(dir, exif_payload(b.bytes));
  if (!original) {
    WARN("no cjpeg or convert: skipped");
    return;
  }
  CHECK(exiftool(dir, *original, "-GPSLatitudeRef -s3") == "North\n");
  // The fake maker note draws a warning; the rewrites must not add any.
  const std::string warnings = exiftool(dir, *original, "-Warning -s3");

  const auto no_gps = jpeg_with_app1(dir, exif_payload(exif::remove_gps(view(b.bytes))));
  REQUIRE(no_gps);
  CHECK(exiftool(dir, *no_gps, "-gps:all -s3").empty());
  CHECK(exiftool(dir, *no_gps, "-Make -s3") == "Canon\n");
  CHECK(exiftool(dir, *no_gps, "-Warning -s3") == warnings);

  const auto no_thumb = jpeg_with_app1(dir, exif_payload(exif::remove_thumbnail(view(b.bytes))));
  REQUIRE(no_thumb);
  CHECK(exiftool(dir, *no_thumb, "-ThumbnailLength -s3").empty());
  CHECK(exiftool(dir, *no_thumb, "-Model -s3") == "Canon EOS 450D\n");
  CHECK(exiftool(dir, *no_thumb, "-Warning -s3") == warnings);

  const auto turned =
      jpeg_with_app1(dir, exif_payload(exif::update_geometry(view(b.bytes), 1, 3000, 70000)));
  REQUIRE(turned);
  CHECK(exiftool(dir, *turned, "-n -s3 -Orientation -ExifImageWidth -ExifImageHeight") ==
        "1\n3000\n70000\n");
}
