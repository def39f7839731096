#include "core/lossless.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>

#include "core/jpeg_file.hpp"

namespace jpegopt::lossless {

Source::Source(ByteView jpeg, const Limits& limits) : dec_(jpeg, limits) {
  dec_.bridge().warnings_fatal = true;  // never rewrite a file whose data is damaged
  dec_.read_header();
  coefs_ = dec_.read_coefficients();
}

int Source::blocks_per_mcu() const {
  int blocks = 0;
  const auto* cinfo = dec_.get();
  for (int ci = 0; ci < cinfo->num_components; ++ci)
    blocks += cinfo->comp_info[ci].h_samp_factor * cinfo->comp_info[ci].v_samp_factor;
  return blocks;
}

std::vector<Source::ComponentView> Source::view() {
  std::vector<ComponentView> out;
  jpeg_decompress_struct* d = dec_.get();
  for (int ci = 0; ci < d->num_components; ++ci) {
    const jpeg_component_info& comp = d->comp_info[ci];
    ComponentView v;
    v.width_in_blocks = static_cast<int>(comp.width_in_blocks);
    v.height_in_blocks = static_cast<int>(comp.height_in_blocks);
    v.h_samp = comp.h_samp_factor;
    v.v_samp = comp.v_samp_factor;
    v.rows.resize(comp.height_in_blocks);
    for (JDIMENSION row = 0; row < comp.height_in_blocks; ++row) {
      JBLOCKARRAY blocks = nullptr;
      dec_.run([&] {
        blocks = (*d->mem->access_virt_barray)(reinterpret_cast<j_common_ptr>(d), coefs_[ci], row,
                                               1, FALSE);
      });
      v.rows[row] = blocks[0];
    }
    out.push_back(std::move(v));
  }
  return out;
}

Bytes encode(Source& source, const Script& script, bool arithmetic, std::size_t byte_budget) {
  std::vector<jpeg_scan_info> scans(script.size());
  for (std::size_t i = 0; i < script.size(); ++i) {
    const Scan& s = script[i];
    scans[i].comps_in_scan = static_cast<int>(s.components.size());
    for (std::size_t k = 0; k < s.components.size(); ++k)
      scans[i].component_index[k] = s.components[k];
    scans[i].Ss = s.ss;
    scans[i].Se = s.se;
    scans[i].Ah = s.ah;
    scans[i].Al = s.al;
  }
  Bytes out;
  lj::Compressor enc(out, byte_budget);
  jpeg_compress_struct* c = enc.get();
  jpeg_decompress_struct* d = source.decoder().get();
  jvirt_barray_ptr* coefs = source.coefficients();
  try {
    enc.run([&] {
      jpeg_copy_critical_parameters(d, c);
      // Metadata (JFIF and Adobe included) is inserted by the caller from the input's segments.
      c->write_JFIF_header = FALSE;
      c->write_Adobe_marker = FALSE;
      c->optimize_coding = TRUE;
      c->arith_code = arithmetic ? TRUE : FALSE;
      if (!scans.empty()) {
        c->scan_info = scans.data();
        c->num_scans = static_cast<int>(scans.size());
      }
      jpeg_write_coefficients(c, coefs);
      jpeg_finish_compress(c);
    });
  } catch (const Error&) {
    if (enc.over_budget()) return {};
    throw;
  }
  return out;
}

std::vector<std::size_t> scan_costs(ByteView encoded) {
  const JpegFile file = JpegFile::parse(Bytes(encoded.begin(), encoded.end()));
  std::vector<std::size_t> costs;
  std::size_t pending = 0;  // table segments written for the next scan
  const auto& parts = file.parts();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Part& p = parts[i];
    if (p.type != PartType::Segment) continue;
    if (p.marker == marker::kDht || p.marker == marker::kDac) {
      pending += p.size;
    } else if (p.marker == marker::kSos) {
      std::size_t cost = pending + p.size;
      if (i + 1 < parts.size() && parts[i + 1].type == PartType::Entropy) cost += parts[i + 1].size;
      costs.push_back(cost);
      pending = 0;
    }
  }
  return costs;
}

namespace {

Scan dc_scan(std::vector<int> comps, int ah, int al) {
  return {std::move(comps), 0, 0, ah, al};
}

// One component's AC coding: first scans split at `split` (none when 63) at point transform
// `al`, then one full-band refinement scan per bit.
struct AcPlan {
  int split = 63;
  int al = 0;
};

std::vector<Scan> first_scans(int comp, AcPlan plan) {
  if (plan.split >= 63) return {{{comp}, 1, 63, 0, plan.al}};
  return {{{comp}, 1, plan.split, 0, plan.al}, {{comp}, plan.split + 1, 63, 0, plan.al}};
}

std::vector<Scan> refine_scans(int comp, AcPlan plan) {
  std::vector<Scan> out;
  for (int a = plan.al; a > 0; --a)
    out.push_back({{comp}, 1, 63, a, a - 1});
  return out;
}

enum class DcPlan { Interleaved, Separate, InterleavedSa };

struct Candidate {
  DcPlan dc = DcPlan::Interleaved;
  std::vector<AcPlan> ac;  // per component
};

Script make_script(const Source& source, const Candidate& cand) {
  const int n = source.components();
  const bool can_interleave = n <= 4 && source.blocks_per_mcu() <= 10;
  std::vector<int> all;
  for (int c = 0; c < n; ++c)
    all.push_back(c);
  Script script;
  DcPlan dc = cand.dc;
  if (!can_interleave && dc != DcPlan::Separate) dc = DcPlan::Separate;
  if (dc == DcPlan::Interleaved) script.push_back(dc_scan(all, 0, 0));
  if (dc == DcPlan::InterleavedSa) script.push_back(dc_scan(all, 0, 1));
  if (dc == DcPlan::Separate)
    for (int c = 0; c < n; ++c)
      script.push_back(dc_scan({c}, 0, 0));
  for (int c = 0; c < n; ++c)
    for (auto& s : first_scans(c, cand.ac[static_cast<std::size_t>(c)]))
      script.push_back(s);
  for (int c = 0; c < n; ++c)
    for (auto& s : refine_scans(c, cand.ac[static_cast<std::size_t>(c)]))
      script.push_back(s);
  if (dc == DcPlan::InterleavedSa) script.push_back(dc_scan(all, 1, 0));
  return script;
}

// The candidate plans per effort. `default` keeps the plans that won most often on the photo
// corpus (see docs/scan-search.md); `max` tries the whole family.
struct PlanSet {
  std::vector<AcPlan> luma;
  std::vector<AcPlan> chroma;
  std::vector<DcPlan> dc;
};

PlanSet plan_set(Effort effort) {
  if (effort == Effort::Max) {
    PlanSet set;
    for (int al : {0, 1, 2})
      for (int split : {1, 2, 3, 5, 8, 12, 20, 63})
        set.luma.push_back({split, al});
    for (int al : {0, 1})
      for (int split : {1, 2, 5, 63})
        set.chroma.push_back({split, al});
    set.dc = {DcPlan::Interleaved, DcPlan::Separate, DcPlan::InterleavedSa};
    return set;
  }
  return {{{2, 1}, {5, 1}, {8, 1}, {5, 2}},
          {{63, 1}, {2, 1}, {63, 0}, {5, 1}},
          {DcPlan::Interleaved, DcPlan::Separate}};
}

using ScanKey = std::tuple<std::vector<int>, int, int, int, int>;
ScanKey key_of(const Scan& s) {
  return {s.components, s.ss, s.se, s.ah, s.al};
}

std::string describe(const Script& script) {
  std::string text = fmt::format("progressive, {} scans:", script.size());
  for (const auto& s : script) {
    std::string comps;
    for (int c : s.components)
      comps += std::to_string(c);
    text += fmt::format(" {}:{}-{}", comps, s.ss, s.se);
    if (s.ah || s.al) text += fmt::format("@{}{}", s.ah, s.al);
  }
  return text;
}

}  // namespace

Script simple_script(const Source& source) {
  const int n = source.components();
  if (n != 3) {
    // libjpeg's generic script: DC (SA 1), then per component AC 1-5 and 6-63 at Al 2, refinements.
    Candidate cand{DcPlan::InterleavedSa,
                   std::vector<AcPlan>(static_cast<std::size_t>(n), AcPlan{5, 2})};
    return make_script(source, cand);
  }
  // jpeg_simple_progression for YCbCr.
  std::vector<int> all = {0, 1, 2};
  const bool can_interleave = source.blocks_per_mcu() <= 10;
  Script s;
  if (can_interleave)
    s.push_back(dc_scan(all, 0, 1));
  else
    for (int c = 0; c < 3; ++c)
      s.push_back(dc_scan({c}, 0, 1));
  s.push_back({{0}, 1, 5, 0, 2});
  s.push_back({{2}, 1, 63, 0, 1});
  s.push_back({{1}, 1, 63, 0, 1});
  s.push_back({{0}, 6, 63, 0, 2});
  s.push_back({{0}, 1, 63, 2, 1});
  if (can_interleave)
    s.push_back(dc_scan(all, 1, 0));
  else
    for (int c = 0; c < 3; ++c)
      s.push_back(dc_scan({c}, 1, 0));
  s.push_back({{2}, 1, 63, 1, 0});
  s.push_back({{1}, 1, 63, 1, 0});
  s.push_back({{0}, 1, 63, 1, 0});
  return s;
}

SearchResult search(Source& source, Coding coding, Effort effort, bool arithmetic) {
  SearchResult best;
  auto consider = [&best](Bytes jpeg, bool progressive, std::string description) {
    if (jpeg.empty()) return;  // over budget: lost
    if (best.jpeg.empty() || jpeg.size() < best.jpeg.size()) {
      best.jpeg = std::move(jpeg);
      best.progressive = progressive;
      best.description = std::move(description);
    }
  };
  auto budget = [&best] { return best.jpeg.empty() ? std::size_t{0} : best.jpeg.size(); };

  if (coding != Coding::Progressive) {
    ++best.encodes;
    consider(encode(source, {}, arithmetic), false, "baseline");
  }
  if (coding == Coding::Baseline) return best;

  if (effort == Effort::Fast) {
    const Script script = simple_script(source);
    ++best.encodes;
    consider(encode(source, script, arithmetic, budget()), true, describe(script));
    return best;
  }

  // Measure: each measuring script pairs the i-th plan of every component, so that every
  // candidate scan is encoded once; a scan's cost does not depend on the other scans.
  const PlanSet set = plan_set(effort);
  const int n = source.components();
  const std::size_t rounds = std::max({set.luma.size(), set.chroma.size(), set.dc.size()});
  std::map<ScanKey, std::size_t> cost;
  std::vector<std::pair<Script, std::size_t>> measured;  // script and its total size
  for (std::size_t r = 0; r < rounds; ++r) {
    Candidate cand;
    cand.dc = set.dc[r % set.dc.size()];
    for (int c = 0; c < n; ++c) {
      const auto& plans = c == 0 ? set.luma : set.chroma;
      cand.ac.push_back(plans[r % plans.size()]);
    }
    const Script script = make_script(source, cand);
    Bytes jpeg = encode(source, script, arithmetic);
    ++best.encodes;
    const auto costs = scan_costs(jpeg);
    for (std::size_t i = 0; i < script.size() && i < costs.size(); ++i)
      cost[key_of(script[i])] = costs[i];
    measured.emplace_back(script, jpeg.size());
    consider(std::move(jpeg), true, describe(script));
  }

  // Choose per component and for DC the plan with the smallest measured cost.
  auto sum_cost = [&cost](const std::vector<Scan>& scans) {
    std::size_t total = 0;
    for (const auto& s : scans) {
      auto it = cost.find(key_of(s));
      if (it == cost.end()) return SIZE_MAX;
      total += it->second;
    }
    return total;
  };
  Candidate chosen;
  std::size_t best_dc = SIZE_MAX;
  for (DcPlan dc : set.dc) {
    Candidate probe{dc, std::vector<AcPlan>(static_cast<std::size_t>(n))};
    Script dc_only;
    for (const auto& s : make_script(source, probe))
      if (s.ss == 0) dc_only.push_back(s);
    const std::size_t c = sum_cost(dc_only);
    if (c < best_dc) {
      best_dc = c;
      chosen.dc = dc;
    }
  }
  for (int c = 0; c < n; ++c) {
    const auto& plans = c == 0 ? set.luma : set.chroma;
    AcPlan pick = plans.front();
    std::size_t pick_cost = SIZE_MAX;
    for (const AcPlan& p : plans) {
      auto scans = first_scans(c, p);
      for (auto& s : refine_scans(c, p))
        scans.push_back(s);
      const std::size_t cst = sum_cost(scans);
      if (cst < pick_cost) {
        pick_cost = cst;
        pick = p;
      }
    }
    chosen.ac.push_back(pick);
  }
  const Script final_script = make_script(source, chosen);
  const bool already = std::any_of(measured.begin(), measured.end(),
                                   [&](const auto& m) { return m.first == final_script; });
  if (!already) {
    ++best.encodes;
    consider(encode(source, final_script, arithmetic, budget()), true, describe(final_script));
  }
  return best;
}

bool same_coefficients(Source& a, Source& b) {
  jpeg_decompress_struct* da = a.decoder().get();
  jpeg_decompress_struct* db = b.decoder().get();
  if (da->num_components != db->num_components || da->image_width != db->image_width ||
      da->image_height != db->image_height || da->jpeg_color_space != db->jpeg_color_space)
    return false;
  bool same = true;
  for (int ci = 0; ci < da->num_components && same; ++ci) {
    const jpeg_component_info& ca = da->comp_info[ci];
    const jpeg_component_info& cb = db->comp_info[ci];
    if (ca.h_samp_factor != cb.h_samp_factor || ca.v_samp_factor != cb.v_samp_factor ||
        ca.width_in_blocks != cb.width_in_blocks || ca.height_in_blocks != cb.height_in_blocks ||
        ca.component_id != cb.component_id)
      return false;
    if (!ca.quant_table || !cb.quant_table ||
        std::memcmp(ca.quant_table->quantval, cb.quant_table->quantval,
                    sizeof(UINT16) * DCTSIZE2) != 0)
      return false;
    const std::size_t row_bytes = sizeof(JBLOCK) * ca.width_in_blocks;
    for (JDIMENSION row = 0; row < ca.height_in_blocks && same; ++row) {
      JBLOCKARRAY ra = nullptr;
      JBLOCKARRAY rb = nullptr;
      a.decoder().run([&] {
        ra = (*da->mem->access_virt_barray)(reinterpret_cast<j_common_ptr>(da),
                                            a.coefficients()[ci], row, 1, FALSE);
      });
      b.decoder().run([&] {
        rb = (*db->mem->access_virt_barray)(reinterpret_cast<j_common_ptr>(db),
                                            b.coefficients()[ci], row, 1, FALSE);
      });
      same = std::memcmp(ra[0], rb[0], row_bytes) == 0;
    }
  }
  return same;
}

}  // namespace jpegopt::lossless
