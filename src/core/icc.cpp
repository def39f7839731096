#include "core/icc.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "jpegopt/error.hpp"

namespace jpegopt::icc {

namespace {

constexpr std::size_t kChunkHeaderSize = 14;  // "ICC_PROFILE\0", sequence number, count
constexpr std::size_t kProfileHeaderSize = 128;
constexpr std::size_t kTagEntrySize = 12;  // signature, offset, size

struct Chunk {
  int seq = 0;
  int count = 0;
  ByteView data;
};

// The 32-bit big-endian value of a four-character ICC signature such as "desc".
constexpr std::uint32_t signature(std::string_view text) {
  std::uint32_t value = 0;
  for (char c : text.substr(0, 4))
    value = (value << 8) | static_cast<std::uint8_t>(c);
  return value;
}

// Four header bytes as text, with anything unprintable replaced so the result is safe to show.
std::string four_cc(const std::uint8_t* p) {
  std::string out;
  for (int i = 0; i < 4; ++i)
    out.push_back(p[i] >= 0x20 && p[i] < 0x7f ? static_cast<char>(p[i]) : '?');
  return out;
}

double s15_fixed16(const std::uint8_t* p) {
  return static_cast<double>(static_cast<std::int32_t>(load_be32(p))) / 65536.0;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// ASCII up to the first NUL; bytes outside printable ASCII become '?'.
std::string ascii_text(ByteView text) {
  std::string out;
  for (std::uint8_t c : text) {
    if (c == 0) break;
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  return out;
}

// UTF-16BE up to the first NUL, as UTF-8; unpaired surrogates become U+FFFD.
std::string utf16be_text(ByteView text) {
  std::string out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    std::uint32_t unit = load_be16(&text[i]);
    if (unit == 0) break;
    if (unit >= 0xd800 && unit < 0xdc00 && i + 3 < text.size()) {
      const std::uint32_t low = load_be16(&text[i + 2]);
      if (low >= 0xdc00 && low < 0xe000) {
        append_utf8(out, 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00));
        i += 2;
        continue;
      }
    }
    if (unit >= 0xd800 && unit < 0xe000) unit = 0xfffd;
    if (unit < 0x20 || unit == 0x7f) unit = '?';
    append_utf8(out, unit);
  }
  return out;
}

// The tag directory, with each tag's data already checked to lie inside the profile.
class TagTable {
 public:
  explicit TagTable(ByteView profile) : profile_(profile) {
    if (profile.size() < kProfileHeaderSize + 4) return;
    const std::size_t declared = load_be32(&profile[kProfileHeaderSize]);
    const std::size_t fits = (profile.size() - kProfileHeaderSize - 4) / kTagEntrySize;
    count_ = std::min(declared, fits);
  }

  // The data of the first tag with this signature: nullopt when there is none, an empty view when
  // its offset or size points outside the profile.
  std::optional<ByteView> find(std::uint32_t sig) const {
    for (std::size_t i = 0; i < count_; ++i) {
      const std::uint8_t* entry = &profile_[kProfileHeaderSize + 4 + i * kTagEntrySize];
      if (load_be32(entry) != sig) continue;
      const std::uint64_t offset = load_be32(entry + 4);
      const std::uint64_t size = load_be32(entry + 8);
      if (offset > profile_.size() || size > profile_.size() - offset) return ByteView{};
      return profile_.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(size));
    }
    return std::nullopt;
  }

 private:
  ByteView profile_;
  std::size_t count_ = 0;
};

// Text of a 'desc' tag: textDescriptionType (v2), multiLocalizedUnicodeType (v4, first record) or
// plain textType. Empty when the tag cannot be read.
std::string description_text(ByteView tag) {
  if (tag.size() < 12) return {};
  const std::uint32_t type = load_be32(tag.data());
  if (type == signature("desc")) {
    const std::size_t length = load_be32(&tag[8]);
    return ascii_text(tag.subspan(12, std::min(length, tag.size() - 12)));
  }
  if (type == signature("text")) return ascii_text(tag.subspan(8));
  if (type == signature("mluc")) {
    // Header: type, reserved, record count, record size; records (language, country, length,
    // offset from the tag start) follow at byte 16 whatever the record size says.
    const std::uint32_t records = load_be32(&tag[8]);
    if (records == 0 || tag.size() < 16 + 12) return {};
    const std::uint8_t* record = &tag[16];
    const std::uint64_t length = load_be32(record + 4);
    const std::uint64_t offset = load_be32(record + 8);
    if (offset > tag.size() || length > tag.size() - offset) return {};
    return utf16be_text(
        tag.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(length)));
  }
  return {};
}

// sRGB's red, green and blue colorants after Bradford adaptation to the D50 profile connection
// space, as in the sRGB IEC61966-2.1 profile (X, Y, Z each).
constexpr std::array<std::array<double, 3>, 3> kSrgbColorants = {{
    {0.4361, 0.2225, 0.0139},
    {0.3851, 0.7169, 0.0971},
    {0.1431, 0.0606, 0.7141},
}};
// Profiles that call themselves sRGB differ from these in the fourth decimal at most; Adobe RGB,
// Display P3 and ProPhoto are over 0.05 away in some component, Canon's "Camera RGB Profile" 0.03.
constexpr double kColorantTolerance = 0.01;
// Largest difference from the sRGB transfer curve still shown the same; a plain 2.2 gamma (as in
// the Minolta profile) stays within 0.01 of it.
constexpr double kCurveTolerance = 0.02;

// XYZ of an XYZType tag, or nullopt.
std::optional<std::array<double, 3>> xyz_value(ByteView tag) {
  if (tag.size() < 20 || load_be32(tag.data()) != signature("XYZ ")) return std::nullopt;
  return std::array<double, 3>{s15_fixed16(&tag[8]), s15_fixed16(&tag[12]), s15_fixed16(&tag[16])};
}

// The value of a curveType or parametricCurveType tag at x in [0, 1], or nullopt when the tag is
// of another type or malformed.
std::optional<double> curve_value(ByteView tag, double x) {
  if (tag.size() < 12) return std::nullopt;
  const std::uint32_t type = load_be32(tag.data());
  if (type == signature("curv")) {
    const std::size_t n = load_be32(&tag[8]);
    if (n > (tag.size() - 12) / 2) return std::nullopt;
    if (n == 0) return x;  // identity
    if (n == 1) return std::pow(x, load_be16(&tag[12]) / 256.0);
    const double pos = x * static_cast<double>(n - 1);
    const auto i = std::min(static_cast<std::size_t>(pos), n - 2);
    const double frac = pos - static_cast<double>(i);
    const double a = load_be16(&tag[12 + 2 * i]);
    const double b = load_be16(&tag[12 + 2 * (i + 1)]);
    return (a + (b - a) * frac) / 65535.0;
  }
  if (type == signature("para")) {
    static constexpr std::array<std::size_t, 5> kParams = {1, 3, 4, 5, 7};
    const std::size_t function = load_be16(&tag[8]);
    if (function >= kParams.size() || tag.size() < 12 + 4 * kParams[function]) return std::nullopt;
    std::array<double, 7> p{};
    for (std::size_t i = 0; i < kParams[function]; ++i)
      p[i] = s15_fixed16(&tag[12 + 4 * i]);
    const double g = p[0], a = p[1], b = p[2], c = p[3], d = p[4], e = p[5], f = p[6];
    auto power = [&](double base) { return base > 0 ? std::pow(base, g) : 0.0; };
    switch (function) {
      case 0:
        return power(x);
      case 1:
        return a != 0 && x >= -b / a ? power(a * x + b) : 0.0;
      case 2:
        return a != 0 && x >= -b / a ? power(a * x + b) + c : c;
      case 3:
        return x >= d ? power(a * x + b) : c * x;
      default:
        return x >= d ? power(a * x + b) + e : c * x + f;
    }
  }
  return std::nullopt;
}

double srgb_curve(double x) {
  return x <= 0.04045 ? x / 12.92 : std::pow((x + 0.055) / 1.055, 2.4);
}

// Colorant verdict: nullopt when the profile has none of rXYZ/gXYZ/bXYZ (LUT-based profiles such
// as the sRGB v4 preference profile), otherwise whether all three match sRGB and so does every
// rTRC/gTRC/bTRC present. Damaged colorants or curves count as "not sRGB", so the profile is kept.
std::optional<bool> matches_srgb_colorants(const TagTable& tags) {
  static constexpr std::array<std::string_view, 3> kColorantTags = {"rXYZ", "gXYZ", "bXYZ"};
  static constexpr std::array<std::string_view, 3> kCurveTags = {"rTRC", "gTRC", "bTRC"};
  std::array<std::optional<ByteView>, 3> colorant_tags;
  for (std::size_t i = 0; i < 3; ++i)
    colorant_tags[i] = tags.find(signature(kColorantTags[i]));
  if (std::none_of(colorant_tags.begin(), colorant_tags.end(),
                   [](const auto& tag) { return tag.has_value(); }))
    return std::nullopt;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto xyz = colorant_tags[i] ? xyz_value(*colorant_tags[i]) : std::nullopt;
    if (!xyz) return false;
    for (std::size_t k = 0; k < 3; ++k)
      if (std::abs((*xyz)[k] - kSrgbColorants[i][k]) > kColorantTolerance) return false;
  }
  for (std::string_view curve_tag : kCurveTags) {
    const auto tag = tags.find(signature(curve_tag));
    if (!tag) continue;  // absent curve: judge by the colorants alone
    for (double x : {0.1, 0.25, 0.5, 0.75, 0.9}) {
      const auto y = curve_value(*tag, x);
      if (!y || std::abs(*y - srgb_curve(x)) > kCurveTolerance) return false;
    }
  }
  return true;
}

}  // namespace

std::optional<Reassembled> reassemble(const std::vector<ByteView>& app2_payloads) {
  std::vector<Chunk> chunks;
  for (const ByteView payload : app2_payloads) {
    if (payload.size() < kChunkHeaderSize || !starts_with(payload, "ICC_PROFILE\0")) continue;
    chunks.push_back(Chunk{payload[12], payload[13], payload.subspan(kChunkHeaderSize)});
  }
  if (chunks.empty()) return std::nullopt;

  // Stable, so that of two chunks with the same number the first in the file comes first.
  std::stable_sort(chunks.begin(), chunks.end(),
                   [](const Chunk& a, const Chunk& b) { return a.seq < b.seq; });

  Reassembled out;
  out.chunks = static_cast<int>(chunks.size());
  const int count = chunks.front().count;
  bool complete = count > 0 && out.chunks == count;
  int previous_seq = -1;
  for (const Chunk& chunk : chunks) {
    if (chunk.count != count) complete = false;
    if (chunk.seq == previous_seq) {
      complete = false;  // a duplicate: keep the first copy only
      continue;
    }
    previous_seq = chunk.seq;
    append(out.profile, chunk.data);
  }
  // With the right number of chunks and no duplicates, sequence numbers 1..count are all present
  // exactly when the first is 1 and the last is count.
  if (chunks.front().seq != 1 || chunks.back().seq != count) complete = false;
  out.complete = complete;
  return out;
}

// is_srgb: a profile is sRGB when its colour space is RGB and
//  - it has rXYZ/gXYZ/bXYZ colorants: they equal sRGB's D50-adapted primaries within
//    kColorantTolerance and every rTRC/gTRC/bTRC present is close to the sRGB curve. This is the
//    robust test: it accepts vendor copies such as "sRGB (Minolta Co.,Ltd.)" and rejects a
//    profile named "sRGB" with other primaries or a linear curve, which browsers show differently;
//  - it has no colorants (LUT-based profiles, e.g. "sRGB v4 ICC preference"): the description
//    contains "sRGB".
IccInfo describe(ByteView profile) {
  if (profile.size() < kProfileHeaderSize) {
    throw Error(ErrorCode::CorruptMetadata, "ICC profile shorter than its 128-byte header (" +
                                                std::to_string(profile.size()) + " bytes)");
  }
  IccInfo info;
  info.size = profile.size();
  info.declared_size = load_be32(profile.data());
  info.version_major = profile[8];
  info.device_class = four_cc(&profile[12]);
  info.color_space = four_cc(&profile[16]);

  const TagTable tags(profile);
  info.description = description_text(tags.find(signature("desc")).value_or(ByteView{}));
  if (info.color_space == "RGB ") {
    const auto colorants = matches_srgb_colorants(tags);
    info.is_srgb = colorants ? *colorants : info.description.find("sRGB") != std::string::npos;
  }
  return info;
}

}  // namespace jpegopt::icc
