#include "core/tables.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "jpegopt/error.hpp"

namespace jpegopt::tables {

namespace {

// kZigzagToNatural[k] is the natural (row-major) position of the k-th coefficient in zigzag order.
constexpr std::array<int, 64> kZigzagToNatural = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

// JPEG Annex K.1 and K.2 example quantization tables, natural order (IJG's base tables).
constexpr std::array<int, 64> kLumaBase = {
    16, 11, 10, 16, 24,  40,  51,  61,   //
    12, 12, 14, 19, 26,  58,  60,  55,   //
    14, 13, 16, 24, 40,  57,  69,  56,   //
    14, 17, 22, 29, 51,  87,  80,  62,   //
    18, 22, 37, 56, 68,  109, 103, 77,   //
    24, 35, 55, 64, 81,  104, 113, 92,   //
    49, 64, 78, 87, 103, 121, 120, 101,  //
    72, 92, 95, 98, 112, 100, 103, 99,
};
constexpr std::array<int, 64> kChromaBase = {
    17, 18, 24, 47, 99, 99, 99, 99,  //
    18, 21, 26, 66, 99, 99, 99, 99,  //
    24, 26, 56, 99, 99, 99, 99, 99,  //
    47, 66, 99, 99, 99, 99, 99, 99,  //
    99, 99, 99, 99, 99, 99, 99, 99,  //
    99, 99, 99, 99, 99, 99, 99, 99,  //
    99, 99, 99, 99, 99, 99, 99, 99,  //
    99, 99, 99, 99, 99, 99, 99, 99,
};

constexpr int kMaxBaselineValue = 255;
constexpr int kMaxExtendedValue = 32767;

// JPEG Annex K.3 example Huffman tables (libjpeg's defaults).
struct StandardHuffman {
  int table_class;
  std::array<std::uint8_t, 16> counts;
  std::vector<std::uint8_t> symbols;
};

const std::array<StandardHuffman, 4>& standard_huffman() {
  static const std::array<StandardHuffman, 4> kTables = {{
      // K.3.3.1 DC luminance
      {0, {0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
      // K.3.3.1 DC chrominance
      {0, {0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
      // K.3.3.2 AC luminance
      {1,
       {0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d},
       {0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61,
        0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52,
        0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25,
        0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45,
        0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64,
        0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83,
        0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
        0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
        0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3,
        0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8,
        0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa}},
      // K.3.3.2 AC chrominance
      {1,
       {0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77},
       {0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61,
        0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33,
        0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18,
        0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44,
        0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63,
        0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a,
        0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
        0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
        0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
        0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
        0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa}},
  }};
  return kTables;
}

[[noreturn]] void corrupt(const std::string& what) {
  throw Error(ErrorCode::CorruptData, what);
}

// libjpeg's jpeg_quality_scaling(): the percentage applied to the base table.
int ijg_scale(int quality) {
  return quality < 50 ? 5000 / quality : 200 - 2 * quality;
}

// One entry of the IJG table for `quality` (jpeg_add_quant_table()), clamped to `max_value`.
int ijg_value(int base, int quality, int max_value) {
  const long value = (static_cast<long>(base) * ijg_scale(quality) + 50) / 100;
  return static_cast<int>(std::clamp<long>(value, 1, max_value));
}

// True when `table` is the IJG table for `quality`, with baseline (255) or extended (32767)
// clamping: libjpeg writes 16-bit tables only with force_baseline off.
bool matches_ijg(const QuantTable& table, const std::array<int, 64>& base, int quality) {
  for (int max_value : {kMaxBaselineValue, kMaxExtendedValue}) {
    bool equal = true;
    for (int k = 0; k < 64 && equal; ++k)
      equal = table.zigzag[k] == ijg_value(base[kZigzagToNatural[k]], quality, max_value);
    if (equal) return true;
  }
  return false;
}

// Distance to the IJG table for `quality`: the sum over the 64 entries of the squared log of
// actual/expected. Quantization steps scale multiplicatively with quality, so a ratio measure
// weighs small (low-frequency) and large (high-frequency) steps alike. The expected table is
// clamped the way the actual one must have been (255 for 8-bit tables).
double ijg_distance(const QuantTable& table, const std::array<int, 64>& base, int quality) {
  const int max_value = table.precision == 0 ? kMaxBaselineValue : kMaxExtendedValue;
  double sum = 0;
  for (int k = 0; k < 64; ++k) {
    const double actual = std::max<int>(table.zigzag[k], 1);  // 0 is invalid; keep log finite
    const double expected = ijg_value(base[kZigzagToNatural[k]], quality, max_value);
    const double d = std::log(actual / expected);
    sum += d * d;
  }
  return sum;
}

struct Fit {
  int quality = 0;
  bool exact = false;
};

// The quality in 1..100 whose IJG tables equal the given ones (either may be absent), else the
// one with the least summed distance (ties go to the lower quality).
Fit best_quality(const QuantTable* luma, const QuantTable* chroma) {
  for (int q = 1; q <= 100; ++q) {
    if ((!luma || matches_ijg(*luma, kLumaBase, q)) &&
        (!chroma || matches_ijg(*chroma, kChromaBase, q)))
      return {q, true};
  }
  Fit best;
  double best_distance = std::numeric_limits<double>::infinity();
  for (int q = 1; q <= 100; ++q) {
    double distance = 0;
    if (luma) distance += ijg_distance(*luma, kLumaBase, q);
    if (chroma) distance += ijg_distance(*chroma, kChromaBase, q);
    if (distance < best_distance) {
      best_distance = distance;
      best.quality = q;
    }
  }
  return best;
}

}  // namespace

std::vector<QuantTable> parse_dqt(ByteView payload) {
  if (payload.empty()) corrupt("empty DQT segment");
  std::vector<QuantTable> out;
  std::size_t pos = 0;
  while (pos < payload.size()) {
    QuantTable table;
    table.precision = payload[pos] >> 4;
    table.id = payload[pos] & 0x0f;
    ++pos;
    if (table.precision > 1)
      corrupt("DQT table precision " + std::to_string(table.precision) + " is not 0 or 1");
    if (table.id > 3) corrupt("DQT table id " + std::to_string(table.id) + " is over 3");
    const std::size_t entry_size = table.precision == 0 ? 1 : 2;
    if (payload.size() - pos < 64 * entry_size) corrupt("DQT segment truncated");
    for (std::size_t k = 0; k < 64; ++k) {
      table.zigzag[k] = entry_size == 1 ? payload[pos + k] : load_be16(&payload[pos + 2 * k]);
    }
    pos += 64 * entry_size;
    out.push_back(table);
  }
  return out;
}

std::vector<HuffTable> parse_dht(ByteView payload) {
  if (payload.empty()) corrupt("empty DHT segment");
  std::vector<HuffTable> out;
  std::size_t pos = 0;
  while (pos < payload.size()) {
    HuffTable table;
    table.table_class = payload[pos] >> 4;
    table.id = payload[pos] & 0x0f;
    ++pos;
    if (table.table_class > 1)
      corrupt("DHT table class " + std::to_string(table.table_class) + " is not 0 or 1");
    if (table.id > 3) corrupt("DHT table id " + std::to_string(table.id) + " is over 3");
    if (payload.size() - pos < 16) corrupt("DHT segment truncated");
    std::size_t total = 0;
    // Canonical code assignment (Annex C): more codes of some length than that length allows
    // cannot be decoded. libjpeg's stricter check (no all-ones code, "Bogus Huffman table
    // definition") is left to the decoder.
    std::uint32_t code = 0;
    for (std::size_t len = 0; len < 16; ++len) {
      table.counts[len] = payload[pos + len];
      total += table.counts[len];
      code += table.counts[len];
      if (code > (std::uint32_t{1} << (len + 1))) corrupt("DHT code lengths overflow");
      code <<= 1;
    }
    pos += 16;
    if (total > 256) corrupt("DHT table has " + std::to_string(total) + " symbols");
    if (payload.size() - pos < total) corrupt("DHT segment truncated");
    table.symbols.assign(payload.begin() + static_cast<std::ptrdiff_t>(pos),
                         payload.begin() + static_cast<std::ptrdiff_t>(pos + total));
    pos += total;
    out.push_back(std::move(table));
  }
  return out;
}

// Method: first look for a quality whose IJG tables (libjpeg's jpeg_set_quality() scaling of the
// Annex K tables) equal the file's, luma and chroma at the same quality; that answer is exact.
// Otherwise take the quality minimising the summed squared log-ratio between the file's and the
// IJG tables (see ijg_distance). A chroma table that is the luma table itself (same id and values,
// as when every component uses table 0) carries no chroma information and is ignored.
QualityEstimate estimate_quality(const QuantTable& luma, const QuantTable* chroma) {
  if (chroma && chroma->id == luma.id && chroma->zigzag == luma.zigzag) chroma = nullptr;
  QualityEstimate out;
  const Fit both = best_quality(&luma, chroma);
  out.quality = both.quality;
  out.exact = both.exact;
  out.luma = best_quality(&luma, nullptr).quality;
  if (chroma) out.chroma = best_quality(nullptr, chroma).quality;
  return out;
}

// An empty list counts as standard: a stream without DHT (Motion-JPEG) uses the Annex K tables.
bool all_standard_huffman(const std::vector<HuffTable>& tables) {
  return std::all_of(tables.begin(), tables.end(), [](const HuffTable& table) {
    return std::any_of(
        standard_huffman().begin(), standard_huffman().end(), [&](const StandardHuffman& standard) {
          return standard.table_class == table.table_class && standard.counts == table.counts &&
                 standard.symbols == table.symbols;
        });
  });
}

}  // namespace jpegopt::tables
