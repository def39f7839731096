#include "core/scan_cost.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace jpegopt::scan_cost {

namespace {

// Zigzag index -> natural (row-major) index, as libjpeg's jpeg_natural_order.
constexpr std::array<int, 64> kNaturalOrder = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

constexpr unsigned kMaxEobRun = 0x7FFF;
// jcphuff.c: MAX_CORR_BITS - DCTSIZE2 + 1, the buffered correction bits that force an EOB out.
constexpr unsigned kMaxBufferedBits = 1000 - 64 + 1;

// Natural index -> zigzag index, the inverse of kNaturalOrder.
constexpr std::array<std::uint8_t, 64> kZigzagOf = [] {
  std::array<std::uint8_t, 64> z{};
  for (std::size_t k = 0; k < 64; ++k)
    z[static_cast<std::size_t>(kNaturalOrder[k])] = static_cast<std::uint8_t>(k);
  return z;
}();

// kZigzagBits[r][m]: the zigzag positions of the natural-order coefficients 8 r + j for the bits
// j of m (row r of the block, one bit per column).
constexpr auto kZigzagBits = [] {
  std::array<std::array<std::uint64_t, 256>, 8> t{};
  for (std::size_t r = 0; r < 8; ++r)
    for (std::size_t m = 0; m < 256; ++m)
      for (std::size_t j = 0; j < 8; ++j)
        if (m >> j & 1) t[r][m] |= std::uint64_t{1} << kZigzagOf[8 * r + j];
  return t;
}();

// Bit k set when zigzag coefficient k of the block is nonzero: one byte of nonzero flags per row
// (SSE2 compares on x86-64), moved to their zigzag positions by table.
std::uint64_t zigzag_nonzero_mask(const JCOEF* block) {
  static_assert(sizeof(JCOEF) == 2);
  std::uint64_t mask = 0;
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128();
  for (std::size_t r = 0; r < 8; r += 2) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 8 * r));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 8 * r + 8));
    const auto zeros = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_packs_epi16(_mm_cmpeq_epi16(a, zero), _mm_cmpeq_epi16(b, zero))));
    const unsigned nonzero = ~zeros & 0xFFFF;
    mask |= kZigzagBits[r][nonzero & 0xFF] | kZigzagBits[r + 1][nonzero >> 8];
  }
#else
  for (std::size_t r = 0; r < 8; ++r) {
    unsigned m = 0;
    for (std::size_t j = 0; j < 8; ++j)
      m |= static_cast<unsigned>(block[8 * r + j] != 0) << j;
    mask |= kZigzagBits[r][m];
  }
#endif
  return mask;
}

// Without the popcnt instruction (not in the x86-64 baseline), std::popcount is a libgcc call.
int popcount64(std::uint64_t v) {
  v -= (v >> 1) & 0x5555555555555555ull;
  v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
  v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return static_cast<int>((v * 0x0101010101010101ull) >> 56);
}

int bit_length(unsigned v) {
  return v == 0 ? 0 : static_cast<int>(std::bit_width(v));
}

// Symbol statistics of one Huffman table plus the raw bits written next to its symbols.
struct Stats {
  std::array<std::uint64_t, 256> freq{};
  std::uint64_t raw_bits = 0;
};

// The entropy-coded bytes of a scan, as jcphuff.c's emit_bits writes them: counts bytes and the
// 0xFF bytes that get a stuffed zero, 32 bits at a time.
struct BitSink {
  std::uint64_t acc = 0;  // the low n bits are pending (n < 32 between calls)
  int n = 0;
  std::uint64_t bytes = 0, ff = 0;

  // 0xFF bytes in w: zero bytes of ~w, counted exactly with the carry-free test.
  static int ff_bytes(std::uint32_t w) {
    const std::uint32_t t = ~w;
    const std::uint32_t zero = ~((((t & 0x7F7F7F7Fu) + 0x7F7F7F7Fu) | t) | 0x7F7F7F7Fu);
    return static_cast<int>(((zero >> 7) * 0x01010101u) >> 24);  // no popcnt instruction needed
  }
  void put(std::uint64_t value, int size) {  // size <= 32
    acc = (acc << size) | (value & ((std::uint64_t{1} << size) - 1));
    n += size;
    if (n >= 32) {
      n -= 32;
      ff += static_cast<unsigned>(ff_bytes(static_cast<std::uint32_t>(acc >> n)));
      bytes += 4;
    }
  }
  void put_long(std::uint64_t value, int size) {  // size <= 64
    if (size > 32) {
      put(value >> 32, size - 32);
      size = 32;
    }
    put(value, size);
  }
  std::uint64_t finish() {
    put(0x7F, 7);  // flush_bits: fill the partial byte with ones; the rest is dropped
    for (; n >= 8; n -= 8) {
      ++bytes;
      if (((acc >> (n - 8)) & 0xFF) == 0xFF) ++ff;
    }
    return bytes + ff;
  }
};

// Statistics mode of the coders below (jcphuff.c's gather pass).
struct Gather {
  static constexpr bool kValues = false;
  Stats* stats = nullptr;
  void symbol(int s) { ++stats->freq[static_cast<std::size_t>(s)]; }
  void bits(std::uint64_t /*value*/, int size) { stats->raw_bits += static_cast<unsigned>(size); }
};

// Output mode: the real codes into a BitSink.
struct Emit {
  static constexpr bool kValues = true;
  const HuffmanLengths* table = nullptr;
  BitSink* sink = nullptr;
  void symbol(int s) {
    sink->put(table->code[static_cast<std::size_t>(s)], table->length[static_cast<std::size_t>(s)]);
  }
  void bits(std::uint64_t value, int size) { sink->put_long(value, size); }
};

// Entropy-coded bytes for `bits` bits, padded to a byte, plus the estimated stuffed zeros.
std::uint64_t estimated_data_bytes(std::uint64_t bits) {
  const std::uint64_t bytes = (bits + 7) / 8;
  return bytes + (bytes + 128) / 256;
}

// Bits of the coded symbols under `h`; adds the DHT segment size to `tables`.
std::uint64_t coded_bits(const Stats& stats, const HuffmanLengths& h, std::size_t& tables) {
  std::uint64_t bits = stats.raw_bits;
  for (int s = 0; s < 256; ++s)
    bits += stats.freq[static_cast<std::size_t>(s)] * h.length[static_cast<std::size_t>(s)];
  // FF C4, length, class/id, 16 counts, the symbols: one segment per table (jcmarker emit_dht).
  tables += 2 + 2 + 1 + 16 + static_cast<std::size_t>(h.symbols);
  return bits;
}

std::size_t sos_bytes(std::size_t components) {
  return 2 + 2 + 1 + 2 * components + 3;
}

// One AC scan of one component (jcphuff.c encode_mcu_AC_first / encode_mcu_AC_refine), fed block
// by block; `Out` is Gather or Emit.
template <class Out>
struct AcCoder {
  Out out;
  int ss = 1, se = 63, al = 0;
  bool refine = false;
  std::uint64_t band = 0;  // zigzag positions ss..se
  unsigned eobrun = 0;
  unsigned buffered = 0;  // BE: correction bits waiting for the next EOB run symbol
  // Their values (Emit only), one chunk per block: bits, count.
  std::vector<std::pair<std::uint64_t, int>> be_chunks;

  AcCoder(Out o, const lossless::Scan& s)
      : out(o), ss(s.ss), se(s.se), al(s.al), refine(s.ah != 0) {
    band = (se >= 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (se + 1)) - 1) &
           ~((std::uint64_t{1} << ss) - 1);
  }

  void emit_eobrun() {
    if (eobrun == 0) return;
    const int nbits = bit_length(eobrun) - 1;
    out.symbol(nbits << 4);
    out.bits(eobrun, nbits);
    if constexpr (Out::kValues) {
      for (const auto& [value, count] : be_chunks)
        out.bits(value, count);
      be_chunks.clear();
    } else {
      out.bits(0, static_cast<int>(buffered));
    }
    eobrun = 0;
    buffered = 0;
  }

  void block(const JCOEF* blk, std::uint64_t gt_al, std::uint64_t gt_al1) {
    if (!refine)
      first(blk, gt_al);
    else if constexpr (Out::kValues)
      refinement(blk, gt_al, gt_al1);
    else
      refinement_stats(gt_al, gt_al1);
  }

  // `gt_al`: positions with |coef| >> al != 0.
  void first(const JCOEF* blk, std::uint64_t gt_al) {
    std::uint64_t x = gt_al & band;
    if (x == 0) {
      if (++eobrun == kMaxEobRun) emit_eobrun();
      return;
    }
    emit_eobrun();
    int prev = ss - 1;
    while (x) {
      const int k = std::countr_zero(x);
      x &= x - 1;
      int r = k - prev - 1;
      prev = k;
      for (; r > 15; r -= 16)
        out.symbol(0xF0);
      const int v = blk[kNaturalOrder[static_cast<std::size_t>(k)]];
      const unsigned a = static_cast<unsigned>(v < 0 ? -v : v) >> al;
      const int size = bit_length(a);
      out.symbol((r << 4) + size);
      out.bits(v < 0 ? ~a : a, size);
    }
    if (prev < se && ++eobrun == kMaxEobRun) emit_eobrun();
  }

  // The statistics refinement() gathers, from the masks alone and visiting only the newly-nonzero
  // coefficients. Between two of them (or from Ss), the run counts the positions that are zero
  // at this point transform (the earlier-nonzero ones between only add correction bits), and
  // the ZRLs before a symbol take 16 of it each. The block ends in an EOB run when something
  // follows its last newly-nonzero coefficient (zeros, or correction bits, which wait in the
  // buffer).
  void refinement_stats(std::uint64_t gt_al, std::uint64_t gt_al1) {
    const std::uint64_t x = gt_al & band;
    const std::uint64_t old = gt_al1 & band;
    const std::uint64_t fresh = x & ~old;
    int eob = ss - 1;  // the last newly-nonzero position
    if (fresh) {
      emit_eobrun();
      for (std::uint64_t f = fresh; f; f &= f - 1) {
        const int k = std::countr_zero(f);
        const std::uint64_t between =
            ((std::uint64_t{1} << k) - 1) & ~((std::uint64_t{1} << (eob + 1)) - 1);
        const int r = k - eob - 1 - popcount64(old & between);
        for (int z = r; z > 15; z -= 16)
          out.symbol(0xF0);
        out.symbol(((r & 15) << 4) + 1);
        out.bits(0, 1);
        eob = k;
      }
      out.bits(0, popcount64(old & ((std::uint64_t{2} << eob) - 1)));
    }
    if (eob < se) {
      ++eobrun;
      buffered += static_cast<unsigned>(popcount64(old & ~((std::uint64_t{2} << eob) - 1)));
      if (eobrun == kMaxEobRun || buffered > kMaxBufferedBits) emit_eobrun();
    }
  }

  // `gt_al1`: |coef| >> al > 1, i.e. nonzero in earlier scans (they get correction bits).
  void refinement(const JCOEF* blk, std::uint64_t gt_al, std::uint64_t gt_al1) {
    std::uint64_t x = gt_al & band;
    const std::uint64_t old = gt_al1 & band;
    const std::uint64_t fresh = x & ~old;
    const int eob = fresh ? 63 - std::countl_zero(fresh) : -1;  // last newly-nonzero position
    int r = 0;
    int br = 0;                 // correction bits buffered in this block
    std::uint64_t br_bits = 0;  // their values, first in the highest position
    auto flush_br = [&] {
      out.bits(br_bits, br);
      br = 0;
      br_bits = 0;
    };
    int prev = ss - 1;
    while (x) {
      const int k = std::countr_zero(x);
      x &= x - 1;
      r += k - prev - 1;
      prev = k;
      while (r > 15 && k <= eob) {
        emit_eobrun();
        out.symbol(0xF0);
        r -= 16;
        flush_br();
      }
      const int v = blk[kNaturalOrder[static_cast<std::size_t>(k)]];
      const unsigned a = static_cast<unsigned>(v < 0 ? -v : v) >> al;
      if (old >> k & 1) {
        if constexpr (Out::kValues) br_bits = br_bits << 1 | (a & 1);
        ++br;
        continue;
      }
      emit_eobrun();
      out.symbol((r << 4) + 1);
      out.bits(v < 0 ? 0 : 1, 1);
      flush_br();
      r = 0;
    }
    r += se - prev;
    if (r > 0 || br > 0) {
      ++eobrun;
      if constexpr (Out::kValues)
        if (br) be_chunks.emplace_back(br_bits, br);
      buffered += static_cast<unsigned>(br);
      if (eobrun == kMaxEobRun || buffered > kMaxBufferedBits) emit_eobrun();
    }
  }
};

// DC first scans: `code` one block's DC with its component's coder and predictor.
template <class Out>
void dc_code(Out& out, int dc, int al, int& last) {
  const int v = dc >> al;  // arithmetic shift, as IRIGHT_SHIFT
  const int diff = v - last;
  last = v;
  const int nbits = bit_length(static_cast<unsigned>(diff < 0 ? -diff : diff));
  out.symbol(nbits);
  out.bits(static_cast<unsigned>(diff < 0 ? diff - 1 : diff), nbits);
}

}  // namespace

std::vector<int> dc_table_numbers(J_COLOR_SPACE color_space, int components) {
  std::vector<int> tables(static_cast<std::size_t>(std::max(components, 0)), 0);
  if (color_space == JCS_YCbCr || color_space == JCS_YCCK)
    for (int c = 1; c < components && c < 3; ++c)
      tables[static_cast<std::size_t>(c)] = 1;
  return tables;
}

HuffmanLengths optimal_huffman_lengths(const std::array<std::uint64_t, 256>& freq_in) {
  // jchuff.c jpeg_gen_optimal_table: Huffman's procedure with the reserved symbol 256 (so no
  // code is all ones), ties broken towards the larger symbol, then lengths over 16 folded back.
  constexpr int kMaxLen = 32;
  std::array<std::uint64_t, 257> freq{};
  std::array<int, 257> codesize{};
  std::array<int, 257> others{};
  others.fill(-1);
  std::vector<int> live;  // symbols with a nonzero count, ascending (the loops' scan order)
  for (int s = 0; s < 256; ++s) {
    freq[static_cast<std::size_t>(s)] = freq_in[static_cast<std::size_t>(s)];
    if (freq_in[static_cast<std::size_t>(s)]) live.push_back(s);
  }
  freq[256] = 1;
  live.push_back(256);
  HuffmanLengths out;
  out.symbols = static_cast<int>(live.size()) - 1;
  constexpr std::uint64_t kNone = 1000000000;  // libjpeg's "infinite" frequency
  // libjpeg scans for the two smallest nonzero frequencies (not above kNone), ties going to the
  // larger symbol; a heap ordered the same way gives the same pairs without the scans.
  using Node = std::pair<std::uint64_t, int>;  // frequency, symbol
  auto later = [](const Node& a, const Node& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  std::vector<Node> heap;
  heap.reserve(live.size());
  for (int i : live)
    heap.emplace_back(freq[static_cast<std::size_t>(i)], i);
  std::make_heap(heap.begin(), heap.end(), later);
  auto pop = [&] {
    if (heap.empty() || heap.front().first > kNone) return -1;
    std::pop_heap(heap.begin(), heap.end(), later);
    const int s = heap.back().second;
    heap.pop_back();
    return s;
  };
  for (;;) {
    int c1 = pop();
    if (c1 < 0) break;
    int c2 = pop();
    if (c2 < 0) break;
    freq[static_cast<std::size_t>(c1)] += freq[static_cast<std::size_t>(c2)];
    freq[static_cast<std::size_t>(c2)] = 0;
    heap.emplace_back(freq[static_cast<std::size_t>(c1)], c1);
    std::push_heap(heap.begin(), heap.end(), later);
    ++codesize[static_cast<std::size_t>(c1)];
    while (others[static_cast<std::size_t>(c1)] >= 0) {
      c1 = others[static_cast<std::size_t>(c1)];
      ++codesize[static_cast<std::size_t>(c1)];
    }
    others[static_cast<std::size_t>(c1)] = c2;
    ++codesize[static_cast<std::size_t>(c2)];
    while (others[static_cast<std::size_t>(c2)] >= 0) {
      c2 = others[static_cast<std::size_t>(c2)];
      ++codesize[static_cast<std::size_t>(c2)];
    }
  }
  std::array<int, kMaxLen + 1> bits{};
  for (int i : live) {
    const int size = codesize[static_cast<std::size_t>(i)];
    if (size > kMaxLen) throw std::runtime_error("scan_cost: Huffman code length overflow");
    if (size) ++bits[static_cast<std::size_t>(size)];
  }
  int i = kMaxLen;
  for (; i > 16; --i)
    while (bits[static_cast<std::size_t>(i)] > 0) {
      int j = i - 2;
      while (bits[static_cast<std::size_t>(j)] == 0)
        --j;
      bits[static_cast<std::size_t>(i)] -= 2;
      ++bits[static_cast<std::size_t>(i - 1)];
      bits[static_cast<std::size_t>(j + 1)] += 2;
      --bits[static_cast<std::size_t>(j)];
    }
  while (i > 0 && bits[static_cast<std::size_t>(i)] == 0)
    --i;
  --bits[static_cast<std::size_t>(i)];
  // Symbols sorted by their unadjusted length (then value) take the adjusted lengths in order.
  std::vector<int> order(live.begin(), live.end() - 1);
  std::stable_sort(order.begin(), order.end(), [&codesize](int a, int b) {
    return codesize[static_cast<std::size_t>(a)] < codesize[static_cast<std::size_t>(b)];
  });
  // Canonical codes in that order (jchuff.c jpeg_make_c_derived_tbl).
  std::size_t next = 0;
  unsigned code = 0;
  for (int len = 1; len <= 16; ++len) {
    for (int n = 0; n < bits[static_cast<std::size_t>(len)] && next < order.size(); ++n) {
      const auto sym = static_cast<std::size_t>(order[next++]);
      out.length[sym] = static_cast<std::uint8_t>(len);
      out.code[sym] = static_cast<std::uint16_t>(code++);
    }
    code <<= 1;
  }
  return out;
}

Estimator::Estimator(const std::vector<lossless::Source::ComponentView>& comps, int image_width,
                     int image_height, std::vector<int> dc_tables)
    : image_width_(image_width), image_height_(image_height) {
  for (std::size_t ci = 0; ci < comps.size(); ++ci) {
    const auto& view = comps[ci];
    Component c;
    c.width = view.width_in_blocks;
    c.height = view.height_in_blocks;
    c.h_samp = view.h_samp;
    c.v_samp = view.v_samp;
    c.dc_table = ci < dc_tables.size() ? dc_tables[ci] : (ci == 0 ? 0 : 1);
    c.rows.assign(view.rows.begin(), view.rows.begin() + c.height);
    c.nonzero.resize(static_cast<std::size_t>(c.width) * static_cast<std::size_t>(c.height));
    std::size_t b = 0;
    for (int y = 0; y < c.height; ++y) {
      const JBLOCK* row = c.rows[static_cast<std::size_t>(y)];
      for (int x = 0; x < c.width; ++x, ++b) {
        c.nonzero[b] = zigzag_nonzero_mask(row[x]) & ~std::uint64_t{1};  // AC positions only
      }
    }
    max_h_ = std::max(max_h_, c.h_samp);
    max_v_ = std::max(max_v_, c.v_samp);
    comps_.push_back(std::move(c));
  }
}

namespace {
std::vector<int> source_dc_tables(lossless::Source& source) {
  return dc_table_numbers(source.decoder().get()->jpeg_color_space, source.components());
}
}  // namespace

Estimator::Estimator(lossless::Source& source)
    : Estimator(source.view(), static_cast<int>(source.decoder().get()->image_width),
                static_cast<int>(source.decoder().get()->image_height), source_dc_tables(source)) {}

std::size_t Estimator::dc_scan_bytes(const lossless::Scan& scan, Stuffing stuffing,
                                     lossless::ScanCounts* counts) const {
  const std::size_t n = scan.components.size();
  const int mcu_cols = (image_width_ + 8 * max_h_ - 1) / (8 * max_h_);
  const int mcu_rows = (image_height_ + 8 * max_v_ - 1) / (8 * max_v_);
  const int al = scan.al;

  // Visits the scan's blocks in coding order: f(index in scan, DC value). In an interleaved
  // scan, blocks past a component's edge are jctrans.c's dummy blocks, whose DC repeats the
  // previous block of the same component in the MCU.
  auto walk = [&](auto&& f) {
    if (n == 1) {
      const Component& c = comps_[static_cast<std::size_t>(scan.components[0])];
      for (int y = 0; y < c.height; ++y) {
        const JBLOCK* row = c.rows[static_cast<std::size_t>(y)];
        for (int x = 0; x < c.width; ++x)
          f(std::size_t{0}, static_cast<int>(row[x][0]));
      }
      return;
    }
    for (int my = 0; my < mcu_rows; ++my)
      for (int mx = 0; mx < mcu_cols; ++mx)
        for (std::size_t i = 0; i < n; ++i) {
          const Component& c = comps_[static_cast<std::size_t>(scan.components[i])];
          int dc = 0;
          for (int yy = 0; yy < c.v_samp; ++yy) {
            const int y = my * c.v_samp + yy;
            for (int xx = 0; xx < c.h_samp; ++xx) {
              const int x = mx * c.h_samp + xx;
              if (y < c.height && x < c.width) dc = c.rows[static_cast<std::size_t>(y)][x][0];
              f(i, dc);
            }
          }
        }
  };

  if (scan.ah != 0) {
    // Refinement: bit Al of each DC, raw (dummy blocks included); no table.
    BitSink sink;
    std::uint64_t blocks = 0;
    if (stuffing == Stuffing::Exact) {
      walk([&](std::size_t, int dc) { sink.put(static_cast<unsigned>(dc >> al), 1); });
      return sos_bytes(n) + static_cast<std::size_t>(sink.finish());
    }
    walk([&](std::size_t, int) { ++blocks; });
    return sos_bytes(n) + static_cast<std::size_t>(estimated_data_bytes(blocks));
  }

  // Components sharing a DC table (the chroma of YCbCr) share its statistics.
  std::map<int, Stats> stats;
  std::vector<Gather> gather(n);
  for (std::size_t i = 0; i < n; ++i)
    gather[i].stats = &stats[comps_[static_cast<std::size_t>(scan.components[i])].dc_table];
  std::vector<int> last(n, 0);
  walk([&](std::size_t i, int dc) { dc_code(gather[i], dc, al, last[i]); });
  if (counts)
    for (std::size_t i = 0; i < n; ++i)
      counts->per_component.push_back(gather[i].stats->freq);

  std::map<int, HuffmanLengths> tables;
  std::size_t table_bytes = 0;
  std::uint64_t bits = 0;
  for (const auto& [tbl, st] : stats) {
    tables[tbl] = optimal_huffman_lengths(st.freq);
    bits += coded_bits(st, tables[tbl], table_bytes);
  }
  if (stuffing == Stuffing::Estimate)
    return table_bytes + sos_bytes(n) + static_cast<std::size_t>(estimated_data_bytes(bits));

  BitSink sink;
  std::vector<Emit> emit(n);
  for (std::size_t i = 0; i < n; ++i)
    emit[i] = {&tables[comps_[static_cast<std::size_t>(scan.components[i])].dc_table], &sink};
  std::fill(last.begin(), last.end(), 0);
  walk([&](std::size_t i, int dc) { dc_code(emit[i], dc, al, last[i]); });
  return table_bytes + sos_bytes(n) + static_cast<std::size_t>(sink.finish());
}

namespace {

// The bit length of each nonzero coefficient's magnitude (its magnitude category), by zigzag
// position. Entries at zero positions are stale and never read.
struct Magnitudes {
  std::array<std::uint8_t, 64> bits;
};

// Visits every block of a component with gt[t] = the zigzag positions with |coef| >> t != 0, for
// t = 0 .. max_t + 1, and the magnitudes: f(block, gt, magnitudes). Each nonzero coefficient is
// read once: |coef| >> t != 0 exactly when its bit length exceeds t.
template <class Components, class F>
void for_each_block(const Components& c, int max_t, F&& f) {
  max_t = std::min(max_t, 16);
  const auto top = static_cast<std::size_t>(max_t + 1);  // the last gt[] asked for
  std::array<std::uint64_t, 18> gt{};
  // level[l]: the positions whose magnitude has bit length l (top + 1: at least that), so that
  // gt[t] is the union of the levels above t.
  std::array<std::uint64_t, 19> level{};
  Magnitudes mag;
  std::size_t b = 0;
  for (int y = 0; y < c.height; ++y) {
    const JBLOCK* row = c.rows[static_cast<std::size_t>(y)];
    for (int x = 0; x < c.width; ++x, ++b) {
      const JCOEF* blk = row[x];
      gt[0] = c.nonzero[b];
      for (std::size_t l = 1; l <= top + 1; ++l)
        level[l] = 0;
      for (std::uint64_t bits = gt[0]; bits; bits &= bits - 1) {
        const int k = std::countr_zero(bits);
        const int v = blk[kNaturalOrder[static_cast<std::size_t>(k)]];
        const auto a = static_cast<unsigned>(v < 0 ? -v : v);
        const int len = bit_length(a);
        mag.bits[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(len);
        level[std::min(static_cast<std::size_t>(len), top + 1)] |= std::uint64_t{1} << k;
      }
      gt[top] = level[top + 1];
      for (std::size_t t = top - 1; t >= 1; --t)
        gt[t] = gt[t + 1] | level[t + 1];
      f(blk, gt, mag);
    }
  }
}

// The statistics of many AC first scans of one component at one point transform, in one pass
// and without coding each scan: a coefficient's run/size symbol is the same in every band that
// holds its predecessor, so symbols are counted once per block into histograms per segment
// (the bands' boundaries cut 1..63 into segments) and each band sums its segments. The first
// coefficient of a band, whose run starts at Ss, is corrected once per distinct Ss (into the
// segment it lies in, so that every band from that Ss reaching it sums the correction); only the
// EOB runs are followed per band, and only at the blocks where the band holds something: the
// empty blocks in between lengthen its EOB run by their count.
class FirstScanGather {
 public:
  FirstScanGather(int al, const std::vector<const lossless::Scan*>& scans, std::vector<Stats*> out)
      : al_(al), out_(std::move(out)) {
    std::vector<int> cuts = {1, 64};
    for (const auto* s : scans) {
      cuts.push_back(s->ss);
      cuts.push_back(s->se + 1);
      if (std::find(starts_.begin(), starts_.end(), s->ss) == starts_.end())
        starts_.push_back(s->ss);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    for (std::size_t j = 0; j + 1 < cuts.size(); ++j)
      for (int k = cuts[j]; k < cuts[j + 1]; ++k)
        segment_[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(j);
    segments_ = cuts.size() - 1;
    hist_.resize(segments_);
    raw_.resize(segments_);
    // Corrections of a start fall in the segments from its own on.
    for (int ss : starts_) {
      corr_base_.push_back(corr_.size());
      corr_first_.push_back(segment_[static_cast<std::size_t>(ss)]);
      corr_.resize(corr_.size() + segments_ - corr_first_.back());
    }
    for (std::size_t i = 0; i < scans.size(); ++i) {
      const auto* s = scans[i];
      Band band;
      band.start = static_cast<std::size_t>(std::find(starts_.begin(), starts_.end(), s->ss) -
                                            starts_.begin());
      band.se = s->se;
      band.first_segment = segment_[static_cast<std::size_t>(s->ss)];
      band.last_segment = segment_[static_cast<std::size_t>(s->se)];
      band.out = i;
      bands_.push_back(band);
    }
    // By start, then by end from the last: the bands holding something in a block are a prefix
    // of their start's range.
    std::sort(bands_.begin(), bands_.end(), [](const Band& a, const Band& b) {
      return a.start != b.start ? a.start < b.start : a.se > b.se;
    });
    range_.assign(starts_.size() + 1, 0);
    for (const Band& band : bands_)
      ++range_[band.start + 1];
    for (std::size_t i = 0; i < starts_.size(); ++i)
      range_[i + 1] += range_[i];
    runs_.resize(bands_.size());
    for (std::size_t b = 0; b < bands_.size(); ++b)
      runs_[b].se = bands_[b].se;
    eob_.resize(bands_.size());
  }

  void block(const Magnitudes& mag, std::uint64_t gt_al) {
    // A block with nothing at this point transform (most blocks at high Al) only lengthens every
    // band's EOB run, which the band counts when it next holds something.
    if (gt_al == 0) {
      ++blocks_;
      return;
    }
    // Full-band symbols: run from the previous nonzero coefficient (or from position 1).
    int prev = 0;
    for (std::uint64_t x = gt_al; x; x &= x - 1) {
      const int k = std::countr_zero(x);
      const int size = mag.bits[static_cast<std::size_t>(k)] - al_;  // > 0: k is in gt_al
      const int r = k - prev - 1;
      prev = k;
      const auto j = segment_[static_cast<std::size_t>(k)];
      auto& h = hist_[j];
      h[static_cast<std::size_t>(((r & 15) << 4) + size)] += 1;
      h[0xF0] += static_cast<unsigned>(r >> 4);
      raw_[j] += static_cast<unsigned>(size);
      size_[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(size);
      run_[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(r);
    }
    // Per distinct Ss: the first coefficient at or after it and its correction, then the EOB
    // runs of the bands from Ss that reach it.
    for (std::size_t i = 0; i < starts_.size(); ++i) {
      const int ss = starts_[i];
      const std::uint64_t y = gt_al & ~((std::uint64_t{1} << ss) - 1);
      if (y == 0) continue;  // every band from Ss is empty
      const int k = std::countr_zero(y);
      const int r = k - ss;
      const int full = run_[static_cast<std::size_t>(k)];
      if (r != full) {
        const int size = size_[static_cast<std::size_t>(k)];
        auto& c = correction(i, segment_[static_cast<std::size_t>(k)]);
        c[static_cast<std::size_t>(((full & 15) << 4) + size)] -= 1;
        c[0xF0] -= full >> 4;
        c[static_cast<std::size_t>(((r & 15) << 4) + size)] += 1;
        c[0xF0] += r >> 4;
      }
      for (std::size_t b = range_[i]; b < range_[i + 1] && runs_[b].se >= k; ++b) {
        Run& run = runs_[b];
        // The run so far (the empty blocks since the band last held something included) ends;
        // most are 0 or 1 block long.
        const std::uint32_t length = blocks_ - run.start;
        if (length > 1)
          end_run(b, length);
        else
          run.ones += length;
        // Ending in zeros, the band starts a new run with this block.
        run.start = blocks_ + 1 - static_cast<std::uint32_t>(~gt_al >> run.se & 1);
      }
    }
    ++blocks_;
  }

  // finish_pass: the pending EOB runs, then each band's segments and corrections added to its
  // statistics.
  void finish() {
    for (std::size_t b = 0; b < bands_.size(); ++b) {
      const Band& band = bands_[b];
      const std::uint32_t length = blocks_ - runs_[b].start;
      if (length > 1)
        end_run(b, length);
      else
        runs_[b].ones += length;
      eob_[b][0] += runs_[b].ones;
      Stats& st = *out_[band.out];
      for (std::size_t n = 0; n < eob_[b].size(); ++n) {
        st.freq[n << 4] += eob_[b][n];
        st.raw_bits += eob_[b][n] * n;
      }
      for (std::size_t j = band.first_segment; j <= band.last_segment; ++j) {
        const auto& h = hist_[j];
        const auto& c = correction(band.start, j);
        for (std::size_t s = 0; s < 256; ++s)
          st.freq[s] += h[s] + static_cast<std::uint64_t>(std::int64_t{c[s]});
        st.raw_bits += raw_[j];
      }
    }
  }

 private:
  struct Band {
    std::size_t start = 0;  // index into starts_
    int se = 63;
    std::size_t first_segment = 0, last_segment = 0;
    std::size_t out = 0;  // index into out_
  };
  // The EOB run of a band, what block() updates.
  struct Run {
    int se = 63;
    std::uint32_t start = 0;  // the first block of the pending EOB run
    std::uint64_t ones = 0;   // EOB runs of one block emitted
  };
  // EOB run symbols emitted per band, by their extra bits (symbol n << 4), but for the runs of
  // one block (Run::ones).
  using EobCounts = std::array<std::uint64_t, 15>;
  // A run of `length` blocks ends: every kMaxEobRun of them were emitted as a run of that length
  // as the run reached it, then the rest.
  void end_run(std::size_t b, std::uint32_t length) {
    constexpr int kMaxRunBits = std::bit_width(kMaxEobRun) - 1;
    if (length >= kMaxEobRun) {
      eob_[b][kMaxRunBits] += length / kMaxEobRun;
      length %= kMaxEobRun;
      if (length == 0) return;
    }
    ++eob_[b][static_cast<std::size_t>(bit_length(length)) - 1];
  }

  int al_ = 0;
  std::uint32_t blocks_ = 0;  // blocks seen (a component has fewer than 2^26)
  std::vector<Stats*> out_;
  std::vector<int> starts_;
  std::vector<Band> bands_;  // sorted by start, then by se descending
  std::vector<Run> runs_;    // per band
  std::vector<EobCounts> eob_;
  std::vector<std::size_t> range_;  // bands_[range_[i], range_[i + 1]) start at starts_[i]
  std::array<std::uint8_t, 64> segment_{};
  std::size_t segments_ = 0;
  std::vector<std::array<std::uint64_t, 256>> hist_;
  std::vector<std::uint64_t> raw_;
  // Net symbol count changes per start, for the segments from the start's own: a block changes
  // each by a few at most, so 32 bits hold them.
  std::vector<std::array<std::int32_t, 256>> corr_;
  std::vector<std::size_t> corr_base_, corr_first_;
  std::array<std::int32_t, 256>& correction(std::size_t start, std::size_t segment) {
    return corr_[corr_base_[start] + segment - corr_first_[start]];
  }
  std::array<std::uint8_t, 64> size_{}, run_{};
};

}  // namespace

void Estimator::ac_scans_bytes(int comp, const std::vector<const lossless::Scan*>& scans,
                               Stuffing stuffing, std::vector<std::size_t>& out,
                               std::vector<lossless::ScanCounts>* counts) const {
  const Component& c = comps_[static_cast<std::size_t>(comp)];
  std::vector<Stats> stats(scans.size());
  // First scans by point transform; refinement scans coded one by one.
  std::map<int, std::pair<std::vector<const lossless::Scan*>, std::vector<Stats*>>> firsts;
  std::vector<AcCoder<Gather>> refines;
  int max_t = 0;
  for (std::size_t i = 0; i < scans.size(); ++i) {
    max_t = std::max(max_t, scans[i]->al);
    if (scans[i]->ah == 0) {
      firsts[scans[i]->al].first.push_back(scans[i]);
      firsts[scans[i]->al].second.push_back(&stats[i]);
    } else {
      refines.emplace_back(Gather{&stats[i]}, *scans[i]);
    }
  }
  std::vector<std::pair<std::size_t, FirstScanGather>> groups;
  for (auto& [al, group] : firsts)
    groups.emplace_back(static_cast<std::size_t>(std::min(al, 16)),
                        FirstScanGather(al, group.first, group.second));
  for_each_block(
      c, max_t,
      [&](const JCOEF* blk, const std::array<std::uint64_t, 18>& gt, const Magnitudes& mag) {
        for (auto& [t, g] : groups)
          g.block(mag, gt[t]);
        for (auto& coder : refines) {
          const auto t = static_cast<std::size_t>(std::min(coder.al, 16));
          coder.block(blk, gt[t], gt[t + 1]);
        }
      });
  for (auto& [t, g] : groups)
    g.finish();
  for (auto& coder : refines)
    coder.emit_eobrun();  // finish_pass: the pending EOB run
  if (counts)
    for (std::size_t i = 0; i < scans.size(); ++i)
      (*counts)[i].per_component.assign(1, stats[i].freq);

  std::vector<HuffmanLengths> tables(scans.size());
  std::vector<std::size_t> fixed(scans.size());  // tables + SOS
  std::vector<std::uint64_t> bits(scans.size());
  for (std::size_t i = 0; i < scans.size(); ++i) {
    tables[i] = optimal_huffman_lengths(stats[i].freq);
    fixed[i] = sos_bytes(1);
    bits[i] = coded_bits(stats[i], tables[i], fixed[i]);
  }
  if (stuffing == Stuffing::Estimate) {
    for (std::size_t i = 0; i < scans.size(); ++i)
      out[i] = fixed[i] + static_cast<std::size_t>(estimated_data_bytes(bits[i]));
    return;
  }
  std::vector<BitSink> sinks(scans.size());
  std::vector<AcCoder<Emit>> emit;
  for (std::size_t i = 0; i < scans.size(); ++i)
    emit.emplace_back(Emit{&tables[i], &sinks[i]}, *scans[i]);
  for_each_block(c, max_t,
                 [&](const JCOEF* blk, const std::array<std::uint64_t, 18>& gt, const Magnitudes&) {
                   for (auto& coder : emit) {
                     const auto t = static_cast<std::size_t>(std::min(coder.al, 16));
                     coder.block(blk, gt[t], gt[t + 1]);
                   }
                 });
  for (std::size_t i = 0; i < scans.size(); ++i) {
    emit[i].emit_eobrun();
    out[i] = fixed[i] + static_cast<std::size_t>(sinks[i].finish());
  }
}

std::vector<std::size_t> Estimator::scan_bytes(const std::vector<lossless::Scan>& scans,
                                               Stuffing stuffing,
                                               std::vector<lossless::ScanCounts>* counts) const {
  std::vector<std::size_t> out(scans.size(), 0);
  if (counts) counts->assign(scans.size(), {});
  std::map<int, std::vector<std::size_t>> ac_by_comp;  // component -> indices into scans
  for (std::size_t i = 0; i < scans.size(); ++i) {
    const lossless::Scan& s = scans[i];
    if (s.components.empty() || s.components.size() > 4)
      throw std::invalid_argument("scan_cost: a scan has 1 to 4 components");
    for (int ci : s.components)
      if (ci < 0 || ci >= components())
        throw std::invalid_argument("scan_cost: component index out of range");
    if (s.ah < 0 || s.al < 0 || s.al > 13 || s.ah > 13)
      throw std::invalid_argument("scan_cost: bad successive approximation");
    if (s.ss == 0) {
      if (s.se != 0) throw std::invalid_argument("scan_cost: DC scans code DC only");
      out[i] = dc_scan_bytes(s, stuffing, counts ? &(*counts)[i] : nullptr);
    } else {
      if (s.components.size() != 1 || s.se < s.ss || s.se > 63)
        throw std::invalid_argument("scan_cost: invalid AC scan");
      ac_by_comp[s.components[0]].push_back(i);
    }
  }
  for (const auto& [comp, idx] : ac_by_comp) {
    std::vector<const lossless::Scan*> group;
    for (std::size_t i : idx)
      group.push_back(&scans[i]);
    std::vector<std::size_t> costs(group.size());
    std::vector<lossless::ScanCounts> group_counts(counts ? group.size() : 0);
    ac_scans_bytes(comp, group, stuffing, costs, counts ? &group_counts : nullptr);
    for (std::size_t j = 0; j < idx.size(); ++j) {
      out[idx[j]] = costs[j];
      if (counts) (*counts)[idx[j]] = std::move(group_counts[j]);
    }
  }
  return out;
}

std::size_t Estimator::scan_bytes(const lossless::Scan& scan, Stuffing stuffing) const {
  return scan_bytes(std::vector<lossless::Scan>{scan}, stuffing).front();
}

std::size_t estimate_scan_bytes(const std::vector<lossless::Source::ComponentView>& comps,
                                const lossless::Scan& scan, int image_width, int image_height) {
  return Estimator(comps, image_width, image_height).scan_bytes(scan);
}

}  // namespace jpegopt::scan_cost
