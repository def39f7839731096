// Quantization and Huffman tables read from DQT/DHT payloads, the IJG quality estimate and the
// "standard Huffman tables" test.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"

namespace jpegopt::tables {

struct QuantTable {
  int id = 0;                              // Tq, 0..3
  int precision = 0;                       // 0 = 8-bit, 1 = 16-bit
  std::array<std::uint16_t, 64> zigzag{};  // values in the order stored in the file
};

struct HuffTable {
  int table_class = 0;                    // 0 = DC, 1 = AC
  int id = 0;                             // Th, 0..3
  std::array<std::uint8_t, 16> counts{};  // number of codes of length 1..16
  std::vector<std::uint8_t> symbols;
};

// Parse a DQT/DHT payload (the bytes after the 2-byte length), which may hold several tables.
// Throws Error(CorruptData) on a bad precision/class or id, a truncated table, more than 256
// Huffman symbols or more codes of some length than that length allows.
std::vector<QuantTable> parse_dqt(ByteView payload);
std::vector<HuffTable> parse_dht(ByteView payload);

struct QualityEstimate {
  int quality = 0;            // 1..100 on the IJG scale, nearest estimate
  bool exact = false;         // every table equals the IJG table scaled for `quality`
  std::optional<int> luma;    // estimate from the luma table alone
  std::optional<int> chroma;  // estimate from the chroma table alone (absent for grayscale
                              // or when chroma shares the luma table)
};

// Estimate the IJG quality from the luma table (used by component 0) and, when present, the
// chroma table (used by component 1). An exact match at one quality wins; otherwise the quality
// minimising the squared log-ratio to the IJG tables. A chroma table that is the luma table itself
// (same id and values) is ignored.
QualityEstimate estimate_quality(const QuantTable& luma, const QuantTable* chroma);

// True when every table is one of the four example tables of JPEG Annex K.3 (libjpeg's defaults,
// i.e. the file was written without Huffman optimization).
bool all_standard_huffman(const std::vector<HuffTable>& tables);

}  // namespace jpegopt::tables
