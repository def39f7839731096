#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/lossless.hpp"
#include "core/scan_cost.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using jpegopt::lossless::Scan;
using jpegopt::lossless::Script;
using jpegopt::test::make_jpeg;
using jpegopt::test::SynthSpec;

namespace {

// A DC plan: `al` > 0 adds refinement scans down to 0; `interleaved` when the frame allows.
struct DcPlan {
  bool interleaved = true;
  int al = 0;
};
// An AC plan for one component: first scans over 1..split and split+1..63 (one scan when split
// is 63) at `al`, then refinements `al` -> 0; `split_refine` splits each refinement the same way.
struct AcPlan {
  int split = 63;
  int al = 0;
  bool split_refine = false;
};

std::vector<Scan> bands(int comp, int split, int ah, int al) {
  if (split >= 63) return {{{comp}, 1, 63, ah, al}};
  return {{{comp}, 1, split, ah, al}, {{comp}, split + 1, 63, ah, al}};
}

Script make_script(lossless::Source& src, DcPlan dc, AcPlan luma, AcPlan chroma) {
  const int n = src.components();
  const bool can_interleave = n > 1 && n <= 4 && src.blocks_per_mcu() <= 10;
  std::vector<int> all;
  for (int c = 0; c < n; ++c)
    all.push_back(c);
  Script s;
  auto dc_scans = [&](int ah, int al) {
    if (dc.interleaved && can_interleave) {
      s.push_back({all, 0, 0, ah, al});
    } else {
      for (int c = 0; c < n; ++c)
        s.push_back({{c}, 0, 0, ah, al});
    }
  };
  dc_scans(0, dc.al);
  for (int c = 0; c < n; ++c) {
    const AcPlan p = c == 0 ? luma : chroma;
    for (auto& scan : bands(c, p.split, 0, p.al))
      s.push_back(scan);
  }
  for (int a = dc.al; a > 0; --a)
    dc_scans(a, a - 1);
  for (int c = 0; c < n; ++c) {
    const AcPlan p = c == 0 ? luma : chroma;
    for (int a = p.al; a > 0; --a)
      for (auto& scan : bands(c, p.split_refine ? p.split : 63, a, a - 1))
        s.push_back(scan);
  }
  return s;
}

// First scans in three or four bands per component (the search's partitions), with bands that
// start and end mid-block at different point transforms.
Script three_band_script(lossless::Source& src) {
  Script s = make_script(src, {true, 0}, {63, 0}, {63, 0});
  s.resize(s.size() - static_cast<std::size_t>(src.components()));  // keep the DC scans only
  s.push_back({{0}, 1, 2, 0, 1});
  s.push_back({{0}, 3, 8, 0, 1});
  s.push_back({{0}, 9, 20, 0, 1});
  s.push_back({{0}, 21, 63, 0, 1});
  for (int c = 1; c < src.components(); ++c) {
    s.push_back({{c}, 1, 1, 0, 0});
    s.push_back({{c}, 2, 5, 0, 0});
    s.push_back({{c}, 6, 63, 0, 0});
  }
  s.push_back({{0}, 1, 63, 1, 0});
  return s;
}

std::vector<Script> candidate_scripts(lossless::Source& src) {
  return {
      lossless::simple_script(src),
      make_script(src, {true, 0}, {1, 0}, {63, 0}),
      make_script(src, {false, 0}, {5, 1}, {2, 1}),
      make_script(src, {true, 1}, {2, 2}, {63, 1}),
      make_script(src, {false, 2}, {8, 1}, {5, 2}),
      make_script(src, {true, 0}, {20, 3}, {1, 0}),
      make_script(src, {true, 1}, {5, 2, true}, {3, 1, true}),
      three_band_script(src),
  };
}

enum ScanType { DcFirst, DcRefine, AcFirst, AcRefine };
const char* type_name(int t) {
  static const char* names[] = {"DC first", "DC refine", "AC first", "AC refine"};
  return names[t];
}
ScanType type_of(const Scan& s) {
  if (s.ss == 0) return s.ah ? DcRefine : DcFirst;
  return s.ah ? AcRefine : AcFirst;
}

struct Tally {
  // Per stuffing mode (0 exact, 1 estimated) and scan type.
  double max_rel[2][4] = {};  // relative error of scans of at least 1600 bytes
  long max_abs[2][4] = {};    // absolute error of all scans
  int scans[4] = {};
  int exact_scans = 0;  // scans whose exact-mode prediction equals the encode byte for byte
  double max_total_rel[2] = {};

  void add(int mode, int type, std::size_t truth, std::size_t guess) {
    const long err = std::labs(static_cast<long>(guess) - static_cast<long>(truth));
    max_abs[mode][type] = std::max(max_abs[mode][type], err);
    if (truth >= 1600)
      max_rel[mode][type] =
          std::max(max_rel[mode][type], static_cast<double>(err) / static_cast<double>(truth));
  }
};

std::string label(const Scan& s) {
  std::string comps;
  for (int c : s.components)
    comps += std::to_string(c);
  return comps + ":" + std::to_string(s.ss) + "-" + std::to_string(s.se) + "@" +
         std::to_string(s.ah) + std::to_string(s.al);
}

// Encodes every candidate script, compares each scan and total with the estimate, and checks
// that the estimated ranking of the candidates agrees with the real one.
void check_source(const std::string& name, const Bytes& jpeg, Tally& tally) {
  INFO(name);
  lossless::Source src(jpeg, Limits{});
  const scan_cost::Estimator est(src);
  std::vector<std::size_t> true_totals, est_totals;
  for (const Script& script : candidate_scripts(src)) {
    const Bytes out = lossless::encode(src, script, false);
    const auto truth = lossless::scan_costs(out);
    std::vector<lossless::ScanCounts> counts;
    const auto exact = est.scan_bytes(script, scan_cost::Stuffing::Exact, &counts);
    // The estimator counts each scan's symbols as libjpeg's statistics pass does, so the one-pass
    // encode from its counts is the two-pass encode byte for byte.
    CHECK(lossless::encode(src, script, false, 0, &counts) == out);
    const auto rough = est.scan_bytes(script, scan_cost::Stuffing::Estimate);
    REQUIRE(truth.size() == script.size());
    std::size_t t_total = 0, e_total = 0, r_total = 0;
    for (std::size_t i = 0; i < script.size(); ++i) {
      INFO(label(script[i]) << " true " << truth[i] << " exact " << exact[i] << " estimated "
                            << rough[i]);
      const long err = static_cast<long>(exact[i]) - static_cast<long>(truth[i]);
      const double rel = static_cast<double>(std::labs(err)) / static_cast<double>(truth[i]);
      CHECK((std::labs(err) <= 8 || rel <= 0.005));
      const int t = type_of(script[i]);
      ++tally.scans[t];
      if (err == 0) ++tally.exact_scans;
      tally.add(0, t, truth[i], exact[i]);
      tally.add(1, t, truth[i], rough[i]);
      t_total += truth[i];
      e_total += exact[i];
      r_total += rough[i];
    }
    auto rel_to = [t_total](std::size_t v) {
      return std::abs(static_cast<double>(v) - static_cast<double>(t_total)) /
             static_cast<double>(t_total);
    };
    CHECK(rel_to(e_total) <= 0.003);
    tally.max_total_rel[0] = std::max(tally.max_total_rel[0], rel_to(e_total));
    tally.max_total_rel[1] = std::max(tally.max_total_rel[1], rel_to(r_total));
    true_totals.push_back(t_total);
    est_totals.push_back(e_total);
  }
  for (std::size_t a = 0; a < true_totals.size(); ++a)
    for (std::size_t b = 0; b < true_totals.size(); ++b)
      if (static_cast<double>(true_totals[a]) < 0.995 * static_cast<double>(true_totals[b])) {
        INFO("candidate " << a << " (true " << true_totals[a] << ", est " << est_totals[a]
                          << ") vs " << b << " (true " << true_totals[b] << ", est "
                          << est_totals[b] << ")");
        CHECK(est_totals[a] < est_totals[b]);
      }
}

}  // namespace

TEST_CASE("optimal Huffman lengths follow jpeg_gen_optimal_table", "[scan_cost]") {
  std::array<std::uint64_t, 256> freq{};
  freq[3] = 7;
  auto one = scan_cost::optimal_huffman_lengths(freq);
  CHECK(one.symbols == 1);
  CHECK(one.length[3] == 1);  // the reserved all-ones code point takes the other 1-bit code

  // Ties go to the larger symbol: {5, 5} plus the reserved point give lengths 1 and 2.
  freq = {};
  freq[1] = 5;
  freq[2] = 5;
  auto two = scan_cost::optimal_huffman_lengths(freq);
  CHECK(two.length[1] == 1);
  CHECK(two.length[2] == 2);

  // A Fibonacci-like spread forces lengths over 16, which are folded back.
  freq = {};
  std::uint64_t a = 1, b = 1;
  for (int s = 0; s < 30; ++s) {
    freq[static_cast<std::size_t>(s)] = a;
    const std::uint64_t c = a + b;
    a = b;
    b = c;
  }
  auto deep = scan_cost::optimal_huffman_lengths(freq);
  CHECK(deep.symbols == 30);
  double kraft = 0;
  for (int s = 0; s < 30; ++s) {
    const int len = deep.length[static_cast<std::size_t>(s)];
    CHECK(len >= 1);
    CHECK(len <= 16);
    kraft += 1.0 / static_cast<double>(1 << len);
  }
  CHECK(kraft < 1.0);  // strictly: the all-ones code stays unused
}

// jchuff.c jpeg_gen_optimal_table's code lengths as libjpeg computes them: two linear scans for
// the two smallest frequencies per merge, before the lengths over 16 are folded back.
std::array<int, 257> reference_code_sizes(const std::array<std::uint64_t, 256>& in) {
  std::array<std::uint64_t, 257> freq{};
  std::copy(in.begin(), in.end(), freq.begin());
  freq[256] = 1;
  std::array<int, 257> codesize{}, others{};
  others.fill(-1);
  for (;;) {
    int c1 = -1, c2 = -1;
    std::uint64_t v = 1000000000;
    for (int i = 0; i <= 256; ++i)
      if (freq[static_cast<std::size_t>(i)] && freq[static_cast<std::size_t>(i)] <= v) {
        v = freq[static_cast<std::size_t>(i)];
        c1 = i;
      }
    v = 1000000000;
    for (int i = 0; i <= 256; ++i)
      if (freq[static_cast<std::size_t>(i)] && freq[static_cast<std::size_t>(i)] <= v && i != c1) {
        v = freq[static_cast<std::size_t>(i)];
        c2 = i;
      }
    if (c2 < 0) break;
    freq[static_cast<std::size_t>(c1)] += freq[static_cast<std::size_t>(c2)];
    freq[static_cast<std::size_t>(c2)] = 0;
    for (int c = c1;; c = others[static_cast<std::size_t>(c)]) {
      ++codesize[static_cast<std::size_t>(c)];
      if (others[static_cast<std::size_t>(c)] < 0) {
        others[static_cast<std::size_t>(c)] = c2;
        break;
      }
    }
    for (int c = c2; c >= 0; c = others[static_cast<std::size_t>(c)])
      ++codesize[static_cast<std::size_t>(c)];
  }
  return codesize;
}

TEST_CASE("optimal Huffman lengths pair symbols as libjpeg's scans do", "[scan_cost]") {
  // Many ties (small counts), spread counts, and counts near libjpeg's 10^9 "infinite" frequency,
  // which it never merges: the canonical lengths must follow from the same code sizes.
  std::uint64_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return seed >> 33;
  };
  for (int round = 0; round < 300; ++round) {
    std::array<std::uint64_t, 256> freq{};
    const int used = 1 + static_cast<int>(next() % 200);
    for (int n = 0; n < used; ++n) {
      const std::uint64_t r = next();
      freq[next() % 256] = round % 3 == 0   ? 1 + r % 4
                           : round % 3 == 1 ? 1 + r % 100000
                                            : 400000000 + r % 700000000;
    }
    const std::array<int, 257> sizes = reference_code_sizes(freq);
    if (*std::max_element(sizes.begin(), sizes.end()) > 32) continue;  // libjpeg's own error
    // jpeg_gen_optimal_table's folding of lengths over 16, then the lengths in order of code size
    // (then symbol).
    std::array<int, 33> bits{};
    for (int c : sizes)
      if (c) ++bits[static_cast<std::size_t>(c)];
    int i = 32;
    bool foldable = true;  // a forest left by the 10^9 limit may have nothing short to split
    for (; i > 16 && foldable; --i)
      while (bits[static_cast<std::size_t>(i)] > 0) {
        int j = i - 2;
        while (j > 0 && bits[static_cast<std::size_t>(j)] == 0)
          --j;
        if (j == 0) {
          foldable = false;
          break;
        }
        bits[static_cast<std::size_t>(i)] -= 2;
        ++bits[static_cast<std::size_t>(i - 1)];
        bits[static_cast<std::size_t>(j + 1)] += 2;
        --bits[static_cast<std::size_t>(j)];
      }
    if (!foldable) continue;
    while (bits[static_cast<std::size_t>(i)] == 0)
      --i;
    --bits[static_cast<std::size_t>(i)];  // the reserved symbol's
    // (Symbols left out of the tree by the 10^9 limit have code size 0 and come first, as in
    // the estimator's version; libjpeg would give them no code at all.)
    std::array<int, 256> expected{};
    int len = 1;
    for (int size = 0; size <= 32; ++size)
      for (int sym = 0; sym < 256; ++sym) {
        if (sizes[static_cast<std::size_t>(sym)] != size || !freq[static_cast<std::size_t>(sym)])
          continue;
        while (len <= 16 && bits[static_cast<std::size_t>(len)] == 0)
          ++len;
        if (len > 16) continue;
        --bits[static_cast<std::size_t>(len)];
        expected[static_cast<std::size_t>(sym)] = len;
      }
    const auto h = scan_cost::optimal_huffman_lengths(freq);
    INFO("round " << round);
    for (std::size_t sym = 0; sym < 256; ++sym)
      CHECK(h.length[sym] == expected[sym]);
  }
}

TEST_CASE("dc_table_numbers follows jpeg_set_colorspace", "[scan_cost]") {
  CHECK(scan_cost::dc_table_numbers(JCS_YCbCr, 3) == std::vector<int>{0, 1, 1});
  CHECK(scan_cost::dc_table_numbers(JCS_YCCK, 4) == std::vector<int>{0, 1, 1, 0});
  CHECK(scan_cost::dc_table_numbers(JCS_CMYK, 4) == std::vector<int>{0, 0, 0, 0});
  CHECK(scan_cost::dc_table_numbers(JCS_RGB, 3) == std::vector<int>{0, 0, 0});
  CHECK(scan_cost::dc_table_numbers(JCS_GRAYSCALE, 1) == std::vector<int>{0});
}

TEST_CASE("scan cost estimates match real encodes", "[scan_cost]") {
  Tally tally;
  struct Case {
    int w, h, comps, hs, vs;
  };
  const Case cases[] = {{64, 48, 3, 2, 2},   {67, 45, 3, 2, 2},   {67, 45, 3, 2, 1},
                        {67, 45, 3, 1, 1},   {67, 45, 1, 1, 1},   {67, 45, 4, 1, 1},
                        {67, 45, 4, 2, 2},   {203, 157, 3, 2, 2}, {203, 157, 3, 1, 2},
                        {256, 200, 1, 1, 1}, {17, 9, 3, 2, 2},    {8, 8, 1, 1, 1}};
  for (const Case& c : cases)
    for (int quality : {50, 90}) {
      SynthSpec spec;
      spec.width = c.w;
      spec.height = c.h;
      spec.components = c.comps;
      spec.h = c.hs;
      spec.v = c.vs;
      spec.quality = quality;
      check_source("synth " + std::to_string(c.w) + "x" + std::to_string(c.h) + " c" +
                       std::to_string(c.comps) + " " + std::to_string(c.hs) + "x" +
                       std::to_string(c.vs) + " q" + std::to_string(quality),
                   make_jpeg(spec), tally);
    }
  for (const auto& path : test::sample_jpegs())
    check_source(path.filename().string(), test::read_bytes(path), tally);

  int all = 0;
  for (int n : tally.scans)
    all += n;
  std::string table =
      "scan type    scans   Stuffing::Exact: max|err| B, max rel   Stuffing::Estimate: same\n";
  for (int t = 0; t < 4; ++t) {
    char line[160];
    std::snprintf(line, sizeof line, "%-11s %6d %24ld %9.4f%% %22ld %9.4f%%\n", type_name(t),
                  tally.scans[t], tally.max_abs[0][t], 100.0 * tally.max_rel[0][t],
                  tally.max_abs[1][t], 100.0 * tally.max_rel[1][t]);
    table += line;
  }
  char total[200];
  std::snprintf(total, sizeof total,
                "byte-exact scans (Exact): %d of %d; max script total error: Exact %.4f%%, "
                "Estimate %.4f%% (rel. errors over scans >= 1600 B)",
                tally.exact_scans, all, 100.0 * tally.max_total_rel[0],
                100.0 * tally.max_total_rel[1]);
  WARN(table + total);
}

// Speed lives in bench/ (timed tests are noise on shared machines); this checks that the batched
// pass, which shares one walk over the coefficients, counts exactly what single scans count.
TEST_CASE("scan cost: a batch of scans costs the same as each scan alone", "[scan_cost]") {
  const auto path = test::samples_dir() / "mate-wood-2560x1920-422-exif-stdhuff.jpg";
  lossless::Source src(test::read_bytes(path), Limits{});
  const scan_cost::Estimator est(src);
  // ~30 scans: luma first scans at 8 splits x 3 point transforms, their refinements, DC.
  std::vector<Scan> scans;
  for (int al : {0, 1, 2})
    for (int split : {1, 2, 3, 5, 8, 12, 20, 63})
      for (auto& s : bands(0, split, 0, al))
        if (std::find(scans.begin(), scans.end(), s) == scans.end()) scans.push_back(s);
  scans.push_back({{0}, 1, 63, 2, 1});
  scans.push_back({{0}, 1, 63, 1, 0});
  scans.push_back({{0, 1, 2}, 0, 0, 0, 0});
  const auto batch = est.scan_bytes(scans);
  REQUIRE(batch.size() == scans.size());
  for (std::size_t i = 0; i < scans.size(); ++i)
    CHECK(batch[i] == est.scan_bytes(scans[i]));
  const auto rough = est.scan_bytes(scans, scan_cost::Stuffing::Estimate);
  CHECK(rough.size() == scans.size());
}

TEST_CASE("scan cost: an encode from counts uses them and falls back when one misses a symbol",
          "[scan_cost]") {
  const auto path = test::samples_dir() / "mate-wood-2560x1920-422-exif-stdhuff.jpg";
  lossless::Source src(test::read_bytes(path), Limits{});
  const scan_cost::Estimator est(src);
  const Script script = lossless::simple_script(src);
  std::vector<lossless::ScanCounts> counts;
  est.scan_bytes(script, scan_cost::Stuffing::Estimate, &counts);
  REQUIRE(counts.size() == script.size());
  CHECK(counts[0].per_component.size() == 3);  // interleaved DC first scan
  CHECK(counts[6].per_component.empty());      // DC refinement: no table
  const Bytes two_pass = lossless::encode(src, script, false);
  CHECK(lossless::encode(src, script, false, 0, &counts) == two_pass);

  // Counts that cover every symbol but are skewed: a valid file, larger, with the same
  // coefficients (so the counts were used, not recomputed).
  auto skewed = counts;
  for (auto& c : skewed[1].per_component)
    for (auto& f : c)
      if (f) f = 1;
  const Bytes from_skewed = lossless::encode(src, script, false, 0, &skewed);
  CHECK(from_skewed.size() > two_pass.size());
  lossless::Source reread(from_skewed, Limits{});
  CHECK(lossless::coefficient_digest(reread) == lossless::coefficient_digest(src));

  // A symbol the scan uses missing from its counts: libjpeg refuses the code, the encode falls
  // back to the statistics pass.
  auto missing = counts;
  auto& luma = missing[1].per_component[0];
  *std::max_element(luma.begin(), luma.end()) = 0;
  CHECK(lossless::encode(src, script, false, 0, &missing) == two_pass);

  // Counts for another script are ignored.
  std::vector<lossless::ScanCounts> short_counts(counts.begin(), counts.end() - 1);
  CHECK(lossless::encode(src, script, false, 0, &short_counts) == two_pass);
}
