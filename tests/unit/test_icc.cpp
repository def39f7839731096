#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/icc.hpp"
#include "jpegopt/error.hpp"
#include "support/test_paths.hpp"

namespace {

using jpegopt::Bytes;
using jpegopt::ByteView;
using Xyz = std::array<double, 3>;

constexpr std::array<Xyz, 3> kSrgb = {
    {{0.4361, 0.2225, 0.0139}, {0.3851, 0.7169, 0.0971}, {0.1431, 0.0606, 0.7141}}};
constexpr std::array<Xyz, 3> kAdobeRgb = {
    {{0.6097, 0.3111, 0.0195}, {0.2053, 0.6257, 0.0609}, {0.1492, 0.0632, 0.7446}}};

void put_be32(Bytes& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
void add_be32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<std::uint8_t>(v >> (24 - 8 * i)));
}
void add_be16(Bytes& out, unsigned v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void add_text(Bytes& out, const std::string& text) {
  out.insert(out.end(), text.begin(), text.end());
}
void add_s15(Bytes& out, double v) {
  add_be32(out, static_cast<std::uint32_t>(static_cast<std::int32_t>(std::lround(v * 65536))));
}
void pad4(Bytes& out) {
  while (out.size() % 4 != 0)
    out.push_back(0);
}

Bytes desc_v2(const std::string& text) {
  Bytes tag;
  add_text(tag, "desc");
  add_be32(tag, 0);
  add_be32(tag, static_cast<std::uint32_t>(text.size() + 1));
  add_text(tag, text);
  tag.push_back(0);
  add_be32(tag, 0);  // Unicode language code
  add_be32(tag, 0);  // Unicode count
  add_be16(tag, 0);  // ScriptCode code
  tag.push_back(0);  // ScriptCode count
  tag.resize(tag.size() + 67, 0);
  return tag;
}

// A v4 multiLocalizedUnicode tag with the given UTF-16 code units as its first record.
Bytes desc_mluc(const std::vector<unsigned>& units) {
  Bytes tag;
  add_text(tag, "mluc");
  add_be32(tag, 0);
  add_be32(tag, 1);   // records
  add_be32(tag, 12);  // record size
  add_text(tag, "enUS");
  add_be32(tag, static_cast<std::uint32_t>(units.size() * 2));
  add_be32(tag, 28);
  for (unsigned u : units)
    add_be16(tag, u);
  return tag;
}

Bytes xyz_tag(const Xyz& xyz) {
  Bytes tag;
  add_text(tag, "XYZ ");
  add_be32(tag, 0);
  for (double v : xyz)
    add_s15(tag, v);
  return tag;
}

Bytes gamma_curve(double gamma) {
  Bytes tag;
  add_text(tag, "curv");
  add_be32(tag, 0);
  add_be32(tag, 1);
  add_be16(tag, static_cast<unsigned>(std::lround(gamma * 256)));
  return tag;
}

// The sRGB curve as a parametric curve of function type 3.
Bytes srgb_para_curve() {
  Bytes tag;
  add_text(tag, "para");
  add_be32(tag, 0);
  add_be16(tag, 3);
  add_be16(tag, 0);
  for (double v : {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045})
    add_s15(tag, v);
  return tag;
}

// The sRGB curve as a 1024-entry sampled curve.
Bytes srgb_table_curve() {
  Bytes tag;
  add_text(tag, "curv");
  add_be32(tag, 0);
  add_be32(tag, 1024);
  for (int i = 0; i < 1024; ++i) {
    const double x = i / 1023.0;
    const double y = x <= 0.04045 ? x / 12.92 : std::pow((x + 0.055) / 1.055, 2.4);
    add_be16(tag, static_cast<unsigned>(std::lround(y * 65535)));
  }
  return tag;
}

struct ProfileSpec {
  std::string color_space = "RGB ";
  int version = 2;
  std::optional<Bytes> desc;
  std::optional<std::array<Xyz, 3>> colorants;
  std::optional<Bytes> curve;  // shared by rTRC, gTRC and bTRC
};

// A minimal display profile: 128-byte header, tag table, tag data (4-byte aligned).
Bytes make_profile(const ProfileSpec& spec) {
  std::vector<std::pair<std::string, Bytes>> tags;
  if (spec.desc) tags.emplace_back("desc", *spec.desc);
  if (spec.colorants) {
    tags.emplace_back("rXYZ", xyz_tag((*spec.colorants)[0]));
    tags.emplace_back("gXYZ", xyz_tag((*spec.colorants)[1]));
    tags.emplace_back("bXYZ", xyz_tag((*spec.colorants)[2]));
  }
  if (spec.curve) {
    for (const char* name : {"rTRC", "gTRC", "bTRC"})
      tags.emplace_back(name, *spec.curve);
  }
  tags.emplace_back("wtpt", xyz_tag({0.9642, 1.0, 0.8249}));

  Bytes out(128, 0);
  put_be32(out, 8, static_cast<std::uint32_t>(spec.version) << 24);
  std::copy_n("mntr", 4, out.begin() + 12);
  std::copy_n(spec.color_space.begin(), 4, out.begin() + 16);
  std::copy_n("XYZ ", 4, out.begin() + 20);
  std::copy_n("acsp", 4, out.begin() + 36);
  add_be32(out, static_cast<std::uint32_t>(tags.size()));
  const std::size_t table_at = out.size();
  out.resize(out.size() + 12 * tags.size(), 0);
  for (std::size_t i = 0; i < tags.size(); ++i) {
    pad4(out);
    const std::size_t entry = table_at + 12 * i;
    std::copy_n(tags[i].first.begin(), 4, out.begin() + static_cast<std::ptrdiff_t>(entry));
    put_be32(out, entry + 4, static_cast<std::uint32_t>(out.size()));
    put_be32(out, entry + 8, static_cast<std::uint32_t>(tags[i].second.size()));
    out.insert(out.end(), tags[i].second.begin(), tags[i].second.end());
  }
  pad4(out);
  put_be32(out, 0, static_cast<std::uint32_t>(out.size()));
  return out;
}

Bytes srgb_profile() {
  ProfileSpec spec;
  spec.desc = desc_v2("sRGB IEC61966-2.1");
  spec.colorants = kSrgb;
  spec.curve = srgb_table_curve();
  return make_profile(spec);
}

Bytes chunk(int seq, int count, ByteView data) {
  Bytes out;
  add_text(out, std::string("ICC_PROFILE", 12));
  out.push_back(static_cast<std::uint8_t>(seq));
  out.push_back(static_cast<std::uint8_t>(count));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// The profile split into `count` nearly equal chunk payloads, in order.
std::vector<Bytes> split(const Bytes& profile, int count) {
  std::vector<Bytes> out;
  const std::size_t step = (profile.size() + count - 1) / count;
  for (int i = 0; i < count; ++i) {
    const std::size_t from = std::min(profile.size(), i * step);
    const std::size_t to = std::min(profile.size(), from + step);
    out.push_back(chunk(i + 1, count, ByteView(profile).subspan(from, to - from)));
  }
  return out;
}

std::vector<ByteView> views(const std::vector<Bytes>& payloads) {
  return {payloads.begin(), payloads.end()};
}

jpegopt::icc::IccInfo describe_spec(const ProfileSpec& spec) {
  return jpegopt::icc::describe(make_profile(spec));
}

}  // namespace

TEST_CASE("reassemble joins chunks in any order", "[icc]") {
  const Bytes profile = srgb_profile();
  std::vector<Bytes> chunks = split(profile, 3);
  std::vector<int> order = {0, 1, 2};
  do {
    std::vector<Bytes> shuffled;
    for (int i : order)
      shuffled.push_back(chunks[i]);
    const auto result = jpegopt::icc::reassemble(views(shuffled));
    REQUIRE(result);
    CHECK(result->complete);
    CHECK(result->chunks == 3);
    CHECK(result->profile == profile);
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST_CASE("reassemble ignores other APP2 payloads", "[icc]") {
  const Bytes profile = srgb_profile();
  std::vector<Bytes> payloads = split(profile, 2);
  Bytes mpf;
  add_text(mpf, std::string("MPF\0MM", 6));
  payloads.insert(payloads.begin() + 1, mpf);
  payloads.push_back(Bytes(std::begin("ICC_PROFILE"), std::end("ICC_PROFILE")));  // 12 bytes
  const auto result = jpegopt::icc::reassemble(views(payloads));
  REQUIRE(result);
  CHECK(result->complete);
  CHECK(result->chunks == 2);
  CHECK(result->profile == profile);

  CHECK_FALSE(jpegopt::icc::reassemble({}));
  CHECK_FALSE(jpegopt::icc::reassemble(views({mpf})));
}

TEST_CASE("reassemble flags a missing chunk", "[icc]") {
  const Bytes profile = srgb_profile();
  const std::vector<Bytes> chunks = split(profile, 3);
  for (int dropped = 0; dropped < 3; ++dropped) {
    std::vector<Bytes> kept;
    Bytes expected;
    for (int i = 2; i >= 0; --i) {  // reversed, to also test the ordering
      if (i != dropped) kept.push_back(chunks[i]);
    }
    for (int i = 0; i < 3; ++i) {
      if (i != dropped) expected.insert(expected.end(), chunks[i].begin() + 14, chunks[i].end());
    }
    const auto result = jpegopt::icc::reassemble(views(kept));
    REQUIRE(result);
    CHECK_FALSE(result->complete);
    CHECK(result->chunks == 2);
    CHECK(result->profile == expected);
  }
}

TEST_CASE("reassemble flags a duplicated chunk and keeps its first copy", "[icc]") {
  const Bytes profile = srgb_profile();
  std::vector<Bytes> chunks = split(profile, 3);
  Bytes altered = chunks[1];
  altered.back() ^= 0xff;
  chunks.push_back(altered);
  const auto result = jpegopt::icc::reassemble(views(chunks));
  REQUIRE(result);
  CHECK_FALSE(result->complete);
  CHECK(result->chunks == 4);
  CHECK(result->profile == profile);
}

TEST_CASE("reassemble flags bad sequence numbers and counts", "[icc]") {
  const Bytes profile = srgb_profile();
  SECTION("counts disagree") {
    std::vector<Bytes> chunks = split(profile, 2);
    chunks[1][13] = 3;
    const auto result = jpegopt::icc::reassemble(views(chunks));
    REQUIRE(result);
    CHECK_FALSE(result->complete);
    CHECK(result->profile == profile);
  }
  SECTION("sequence number 0") {
    const std::vector<Bytes> chunks = {chunk(0, 1, profile)};
    const auto result = jpegopt::icc::reassemble(views(chunks));
    REQUIRE(result);
    CHECK_FALSE(result->complete);
    CHECK(result->profile == profile);
  }
  SECTION("sequence number over the count") {
    const std::vector<Bytes> chunks = {chunk(1, 2, profile), chunk(3, 2, {})};
    CHECK_FALSE(jpegopt::icc::reassemble(views(chunks))->complete);
  }
  SECTION("count 0") {
    const std::vector<Bytes> chunks = {chunk(1, 0, profile)};
    CHECK_FALSE(jpegopt::icc::reassemble(views(chunks))->complete);
  }
  SECTION("a single chunk") {
    const std::vector<Bytes> chunks = {chunk(1, 1, profile)};
    const auto result = jpegopt::icc::reassemble(views(chunks));
    CHECK(result->complete);
    CHECK(result->profile == profile);
  }
}

TEST_CASE("describe reads the header and a v2 description", "[icc]") {
  const Bytes profile = srgb_profile();
  const auto info = jpegopt::icc::describe(profile);
  CHECK(info.size == profile.size());
  CHECK(info.declared_size == profile.size());
  CHECK(info.version_major == 2);
  CHECK(info.device_class == "mntr");
  CHECK(info.color_space == "RGB ");
  CHECK(info.description == "sRGB IEC61966-2.1");
  CHECK(info.is_srgb);

  Bytes longer = profile;
  longer.resize(longer.size() + 10, 0);
  const auto padded = jpegopt::icc::describe(longer);
  CHECK(padded.size == profile.size() + 10);
  CHECK(padded.declared_size == profile.size());
}

TEST_CASE("describe decodes a v4 mluc description to UTF-8", "[icc]") {
  ProfileSpec spec;
  spec.version = 4;
  // "sRGB é €" and U+1F600 as a surrogate pair, then a NUL and text that must be cut off.
  spec.desc = desc_mluc({'s', 'R', 'G', 'B', ' ', 0xe9, ' ', 0x20ac, 0xd83d, 0xde00, 0, 'x'});
  const auto info = describe_spec(spec);
  CHECK(info.version_major == 4);
  CHECK(info.description == "sRGB \xc3\xa9 \xe2\x82\xac\xf0\x9f\x98\x80");
  CHECK(info.is_srgb);  // no colorants: judged by the description

  spec.desc = desc_mluc({'D', 0xd800, 'x'});  // unpaired surrogate
  CHECK(describe_spec(spec).description == "D\xef\xbf\xbdx");
}

TEST_CASE("is_srgb prefers colorants to the description", "[icc]") {
  ProfileSpec spec;
  spec.curve = gamma_curve(2.2);

  spec.desc = desc_v2("sRGB (Minolta Co.,Ltd.)");
  spec.colorants = kSrgb;
  CHECK(describe_spec(spec).is_srgb);

  spec.desc = desc_v2("Camera RGB");
  CHECK(describe_spec(spec).is_srgb);  // sRGB colorants and a 2.2 gamma

  spec.desc = desc_v2("sRGB lookalike");
  spec.colorants = kAdobeRgb;
  CHECK_FALSE(describe_spec(spec).is_srgb);

  spec.desc = desc_v2("Adobe RGB (1998)");
  CHECK_FALSE(describe_spec(spec).is_srgb);

  SECTION("tone curves") {
    spec.colorants = kSrgb;
    spec.desc = desc_v2("sRGB linear");
    spec.curve = gamma_curve(1.0);
    CHECK_FALSE(describe_spec(spec).is_srgb);
    spec.curve = srgb_para_curve();
    CHECK(describe_spec(spec).is_srgb);
    spec.curve = srgb_table_curve();
    CHECK(describe_spec(spec).is_srgb);
    spec.curve.reset();  // no curves: the colorants decide
    CHECK(describe_spec(spec).is_srgb);
  }
  SECTION("no colorants: the description decides") {
    spec.colorants.reset();
    spec.desc = desc_v2("sRGB v4 ICC preference perceptual intent beta");
    CHECK(describe_spec(spec).is_srgb);
    spec.desc = desc_v2("Display P3");
    CHECK_FALSE(describe_spec(spec).is_srgb);
    spec.desc.reset();
    CHECK_FALSE(describe_spec(spec).is_srgb);
  }
  SECTION("only RGB profiles") {
    spec.colorants = kSrgb;
    spec.desc = desc_v2("sRGB");
    spec.color_space = "GRAY";
    CHECK_FALSE(describe_spec(spec).is_srgb);
    spec.color_space = "CMYK";
    CHECK_FALSE(describe_spec(spec).is_srgb);
  }
}

TEST_CASE("describe survives every truncation", "[icc]") {
  const Bytes profile = srgb_profile();
  for (std::size_t n = 0; n <= profile.size(); ++n) {
    const ByteView prefix = ByteView(profile).first(n);
    if (n < 128) {
      try {
        jpegopt::icc::describe(prefix);
        FAIL("no exception for a " << n << "-byte profile");
      } catch (const jpegopt::Error& e) {
        CHECK(e.code() == jpegopt::ErrorCode::CorruptMetadata);
      }
    } else {
      const auto info = jpegopt::icc::describe(prefix);
      CHECK(info.size == n);
      CHECK(info.color_space == "RGB ");
    }
  }
}

TEST_CASE("describe bounds the tag table", "[icc]") {
  Bytes profile = srgb_profile();
  SECTION("huge tag count") {
    put_be32(profile, 128, 0xffffffff);
    CHECK(jpegopt::icc::describe(profile).description == "sRGB IEC61966-2.1");
  }
  SECTION("offsets and sizes outside the profile") {
    const std::uint32_t tags = jpegopt::load_be32(&profile[128]);
    for (std::uint32_t i = 0; i < tags; ++i) {
      put_be32(profile, 132 + 12 * i + 4, 0xfffffff0);
      put_be32(profile, 132 + 12 * i + 8, 0x20);
    }
    const auto info = jpegopt::icc::describe(profile);
    CHECK(info.description.empty());
    CHECK_FALSE(info.is_srgb);
  }
  SECTION("corrupt description lengths") {
    ProfileSpec spec;
    Bytes desc = desc_v2("sRGB");
    put_be32(desc, 8, 0xffffffff);
    spec.desc = desc;
    CHECK(describe_spec(spec).description == "sRGB");
    Bytes mluc = desc_mluc({'A', 'B'});
    put_be32(mluc, 20, 0xffffffff);  // record length
    spec.desc = mluc;
    CHECK(describe_spec(spec).description.empty());
    mluc = desc_mluc({'A', 'B'});
    put_be32(mluc, 24, 0xfffffffe);  // record offset
    spec.desc = mluc;
    CHECK(describe_spec(spec).description.empty());
    spec.desc = Bytes{'m', 'l', 'u', 'c'};
    CHECK(describe_spec(spec).description.empty());
  }
  SECTION("damaged colorants or curves are not sRGB, whatever the description") {
    ProfileSpec spec;
    spec.desc = desc_v2("sRGB");
    spec.colorants = kSrgb;
    spec.curve = srgb_table_curve();
    const Bytes good = make_profile(spec);
    REQUIRE(jpegopt::icc::describe(good).is_srgb);
    // Shrink one tag's size field below what its type needs.
    const auto shrink = [&](const char* name, std::uint32_t size) {
      Bytes bytes = good;
      for (std::size_t at = 132; at + 12 <= 132 + 12 * jpegopt::load_be32(&bytes[128]); at += 12)
        if (std::equal(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                       bytes.begin() + static_cast<std::ptrdiff_t>(at) + 4, name))
          put_be32(bytes, at + 8, size);
      return bytes;
    };
    CHECK_FALSE(jpegopt::icc::describe(shrink("gXYZ", 12)).is_srgb);
    CHECK_FALSE(jpegopt::icc::describe(shrink("bTRC", 100)).is_srgb);
  }
}

TEST_CASE("describe recognizes installed sRGB and Adobe RGB profiles", "[icc]") {
  const std::filesystem::path dir = "/usr/share/color/icc/ghostscript";
  const auto srgb = dir / "srgb.icc";
  const auto a98 = dir / "a98.icc";
  if (!std::filesystem::exists(srgb) || !std::filesystem::exists(a98)) {
    WARN("no Ghostscript ICC profiles in " << dir << ": skipped");
    return;
  }
  const auto srgb_info = jpegopt::icc::describe(jpegopt::test::read_bytes(srgb));
  CHECK(srgb_info.color_space == "RGB ");
  CHECK(srgb_info.is_srgb);
  const auto a98_info = jpegopt::icc::describe(jpegopt::test::read_bytes(a98));
  CHECK(a98_info.color_space == "RGB ");
  CHECK_FALSE(a98_info.is_srgb);
}
