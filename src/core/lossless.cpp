#include "core/lossless.hpp"

#include <fmt/format.h>
#include <jerror.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <map>
#include <tuple>

#include "core/jpeg_file.hpp"
#include "core/scan_cost.hpp"

namespace jpegopt::lossless {

namespace {

long div_round_up(long a, long b) {
  return (a + b - 1) / b;
}

}  // namespace

Source::Source(ByteView jpeg, const Limits& limits)
    : dec_(jpeg, limits), input_bytes_(jpeg.size()) {
  dec_.bridge().warnings_fatal = true;  // never rewrite a file whose data is damaged
  dec_.read_header();
  coefs_ = dec_.read_coefficients();
}

Source::Source(const jpeg_compress_struct& frame) : dec_(ByteView(), Limits{}) {
  jpeg_decompress_struct* d = dec_.get();
  const int nc = frame.num_components;
  if (nc < 1 || nc > MAX_COMPONENTS)
    throw Error(ErrorCode::Internal, fmt::format("{} components in a frame", nc));
  int max_h = 1, max_v = 1;
  for (int ci = 0; ci < nc; ++ci) {
    max_h = std::max(max_h, frame.comp_info[ci].h_samp_factor);
    max_v = std::max(max_v, frame.comp_info[ci].v_samp_factor);
  }
  // What jpeg_read_header and jpeg_read_coefficients would leave in the decoder (jdinput.c's
  // initial_setup, jdcoefct.c's arrays), for what the lossless back end reads of it.
  dec_.run([&] {
    d->image_width = frame.image_width;
    d->image_height = frame.image_height;
    d->num_components = nc;
    d->jpeg_color_space = frame.jpeg_color_space;
    d->data_precision = BITS_IN_JSAMPLE;
    d->max_h_samp_factor = max_h;
    d->max_v_samp_factor = max_v;
    d->comp_info = static_cast<jpeg_component_info*>((*d->mem->alloc_small)(
        dec_.common(), JPOOL_IMAGE, sizeof(jpeg_component_info) * static_cast<std::size_t>(nc)));
    coefs_ = static_cast<jvirt_barray_ptr*>((*d->mem->alloc_small)(
        dec_.common(), JPOOL_IMAGE, sizeof(jvirt_barray_ptr) * static_cast<std::size_t>(nc)));
    for (int ci = 0; ci < nc; ++ci) {
      const jpeg_component_info& in = frame.comp_info[ci];
      jpeg_component_info& comp = d->comp_info[ci];
      std::memset(&comp, 0, sizeof comp);
      comp.component_id = in.component_id;
      comp.component_index = ci;
      comp.h_samp_factor = in.h_samp_factor;
      comp.v_samp_factor = in.v_samp_factor;
      comp.quant_tbl_no = in.quant_tbl_no;
      const int t = in.quant_tbl_no;
      if (t < 0 || t >= NUM_QUANT_TBLS || !frame.quant_tbl_ptrs[t]) {
        d->err->msg_code = JERR_NO_QUANT_TABLE;
        d->err->msg_parm.i[0] = t;
        (*d->err->error_exit)(dec_.common());
      }
      if (!d->quant_tbl_ptrs[t]) {
        d->quant_tbl_ptrs[t] = jpeg_alloc_quant_table(dec_.common());
        std::memcpy(d->quant_tbl_ptrs[t]->quantval, frame.quant_tbl_ptrs[t]->quantval,
                    sizeof(d->quant_tbl_ptrs[t]->quantval));
      }
      comp.quant_table = d->quant_tbl_ptrs[t];
      comp.width_in_blocks = static_cast<JDIMENSION>(
          div_round_up(static_cast<long>(frame.image_width) * in.h_samp_factor, max_h * DCTSIZE));
      comp.height_in_blocks = static_cast<JDIMENSION>(
          div_round_up(static_cast<long>(frame.image_height) * in.v_samp_factor, max_v * DCTSIZE));
      // jdcoefct.c's padding to whole MCUs; not pre-zeroed: the caller writes every real block.
      coefs_[ci] = (*d->mem->request_virt_barray)(
          dec_.common(), JPOOL_IMAGE, FALSE,
          static_cast<JDIMENSION>(div_round_up(comp.width_in_blocks, in.h_samp_factor) *
                                  in.h_samp_factor),
          static_cast<JDIMENSION>(div_round_up(comp.height_in_blocks, in.v_samp_factor) *
                                  in.v_samp_factor),
          static_cast<JDIMENSION>(in.v_samp_factor));
    }
    (*d->mem->realize_virt_arrays)(dec_.common());
    // Every row counts as written from here on (libjpeg refuses to read a row before it was
    // written, and a writer to skip rows): the caller writes every real block, and the padding
    // rows at the bottom, read with their MCU rows, are never used (the encoder makes its own
    // dummy blocks). Only bookkeeping: no memory is touched.
    for (int ci = 0; ci < nc; ++ci) {
      const jpeg_component_info& comp = d->comp_info[ci];
      const auto rows = static_cast<JDIMENSION>(
          div_round_up(comp.height_in_blocks, comp.v_samp_factor) * comp.v_samp_factor);
      for (JDIMENSION row = 0; row < rows; ++row)
        (*d->mem->access_virt_barray)(dec_.common(), coefs_[ci], row, 1, TRUE);
    }
  });
}

JBLOCKROW Source::block_row(int ci, int row) {
  JBLOCKARRAY blocks = nullptr;
  dec_.run([&] {
    blocks = (*dec_.get()->mem->access_virt_barray)(dec_.common(), coefs_[ci],
                                                    static_cast<JDIMENSION>(row), 1, TRUE);
  });
  return blocks[0];
}

int Source::blocks_per_mcu() const {
  int blocks = 0;
  const auto* cinfo = dec_.get();
  for (int ci = 0; ci < cinfo->num_components; ++ci)
    blocks += cinfo->comp_info[ci].h_samp_factor * cinfo->comp_info[ci].v_samp_factor;
  return blocks;
}

namespace {

std::vector<Source::ComponentView> view_of(lj::Decompressor& dec, jvirt_barray_ptr* coefs_) {
  using ComponentView = Source::ComponentView;
  std::vector<ComponentView> out;
  jpeg_decompress_struct* d = dec.get();
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
      dec.run([&] {
        blocks = (*d->mem->access_virt_barray)(reinterpret_cast<j_common_ptr>(d), coefs_[ci], row,
                                               1, FALSE);
      });
      v.rows[row] = blocks[0];
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

std::vector<Source::ComponentView> Source::view() {
  return view_of(dec_, coefs_);
}

namespace {

// libjpeg's table builder (jchuff.c), exported by libjpeg-turbo but declared only in its private
// jchuff.h.
extern "C" void jpeg_gen_optimal_table(j_compress_ptr cinfo, JHUFF_TBL* htbl, long freq[]);

// Installs the optimal tables of `scan` from its counts (libjpeg calls only: this runs under the
// compressor's error guard, and inside libjpeg's progress callback).
void install_tables(j_compress_ptr c, const Scan& scan, const ScanCounts& counts) {
  const bool dc = scan.ss == 0;
  if (dc && scan.ah != 0) return;  // DC refinement: raw bits, no table
  for (std::size_t k = 0; k < scan.components.size(); ++k) {
    const jpeg_component_info& comp = c->comp_info[scan.components[k]];
    JHUFF_TBL*& slot =
        dc ? c->dc_huff_tbl_ptrs[comp.dc_tbl_no] : c->ac_huff_tbl_ptrs[comp.ac_tbl_no];
    if (!slot) slot = jpeg_alloc_huff_table(reinterpret_cast<j_common_ptr>(c));
    long freq[257] = {};
    for (std::size_t s = 0; s < 256; ++s)
      freq[s] = static_cast<long>(counts.per_component[k][s]);
    jpeg_gen_optimal_table(c, slot, freq);  // also marks the table to be written before the scan
  }
}

// The public part of libjpeg's compression master (jpegint.h struct jpeg_comp_master, unchanged
// from libjpeg 6b to libjpeg-turbo 3; jpeglib.h hides it unless JPEG_INTERNALS is defined).
struct CompMasterPublic {
  void (*prepare_for_pass)(j_compress_ptr cinfo);
  void (*pass_startup)(j_compress_ptr cinfo);
  void (*finish_pass)(j_compress_ptr cinfo);
  boolean call_pass_startup;
  boolean is_last_pass;
};

// libjpeg's progress monitor during an encode from counts. libjpeg forces optimize_coding on for
// progressive Huffman output (jcmaster.c), which plans a statistics pass before each scan's
// output pass. Pass 0 (the statistics of scan 0, a DC scan: cheap) runs; there the monitor turns
// optimize_coding off, so that every later pass is an output pass (pass p writes scan p - 1). At
// the start of each output pass, whose tables libjpeg has already read and written, it installs
// the tables of the next scan, and during the last scan it marks the last pass (libjpeg counted
// two passes per scan). A pass that is not the scan expected raises an error: the caller then
// encodes again with libjpeg's own statistics passes.
struct TableFeed {
  jpeg_progress_mgr pub;  // first member: libjpeg hands us this pointer
  const Script* script = nullptr;
  const std::vector<ScanCounts>* counts = nullptr;
};

void feed_tables(j_common_ptr cinfo) {
  auto* feed = reinterpret_cast<TableFeed*>(cinfo->progress);
  if (feed->pub.pass_counter != 0) return;  // once per pass, right after libjpeg prepared it
  auto* c = reinterpret_cast<j_compress_ptr>(cinfo);
  const Script& script = *feed->script;
  const auto pass = static_cast<std::size_t>(feed->pub.completed_passes);
  const std::size_t scan = pass == 0 ? 0 : pass - 1;
  const Scan* s = scan < script.size() ? &script[scan] : nullptr;
  if (!s || c->Ss != s->ss || c->Se != s->se || c->Ah != s->ah || c->Al != s->al ||
      c->comps_in_scan != static_cast<int>(s->components.size()) ||
      (pass == 0) != (c->optimize_coding != FALSE)) {
    cinfo->err->msg_code = JERR_BAD_SCAN_SCRIPT;
    cinfo->err->msg_parm.i[0] = static_cast<int>(scan);
    (*cinfo->err->error_exit)(cinfo);
  }
  if (pass == 0) {
    c->optimize_coding = FALSE;
    return;
  }
  if (scan + 1 < script.size())
    install_tables(c, script[scan + 1], (*feed->counts)[scan + 1]);
  else
    reinterpret_cast<CompMasterPublic*>(c->master)->is_last_pass = TRUE;
}

bool counts_fit(const Script& script, const std::vector<ScanCounts>& counts) {
  if (script.empty() || counts.size() != script.size()) return false;
  for (std::size_t i = 0; i < script.size(); ++i) {
    const bool has_table = !(script[i].ss == 0 && script[i].ah != 0);
    if (counts[i].per_component.size() != (has_table ? script[i].components.size() : 0))
      return false;
  }
  return true;
}

}  // namespace

Bytes encode(Source& source, const Script& script, bool arithmetic, std::size_t byte_budget,
             const std::vector<ScanCounts>* counts) {
  const bool one_pass = counts && !arithmetic && counts_fit(script, *counts);
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
  // Room for about the input's size (a Huffman rewrite rarely grows more), so that the output
  // is not copied as it grows; pages never written cost nothing.
  out.reserve(source.input_bytes() + source.input_bytes() / 4 + 65536);
  lj::Compressor enc(out, byte_budget);
  jpeg_compress_struct* c = enc.get();
  jpeg_decompress_struct* d = source.decoder().get();
  jvirt_barray_ptr* coefs = source.coefficients();
  TableFeed feed;
  if (one_pass) {
    feed.script = &script;
    feed.counts = counts;
    feed.pub.progress_monitor = feed_tables;
  }
  try {
    enc.run([&] {
      jpeg_copy_critical_parameters(d, c);
      // Metadata (JFIF and Adobe included) is inserted by the caller from the input's segments.
      c->write_JFIF_header = FALSE;
      c->write_Adobe_marker = FALSE;
      c->optimize_coding = arithmetic ? FALSE : TRUE;  // arithmetic coding adapts by itself
      c->arith_code = arithmetic ? TRUE : FALSE;
      if (!scans.empty()) {
        c->scan_info = scans.data();
        c->num_scans = static_cast<int>(scans.size());
      }
      if (one_pass) c->progress = &feed.pub;
      jpeg_write_coefficients(c, coefs);
      jpeg_finish_compress(c);
    });
  } catch (const Error&) {
    if (enc.over_budget()) return {};
    // Counts that miss a symbol, or a pass sequence not as expected: libjpeg's statistics passes.
    if (one_pass) return encode(source, script, arithmetic, byte_budget);
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

constexpr std::size_t kBaselineTrialBytes = 512 * 1024;

Scan dc_scan(std::vector<int> comps, int ah, int al) {
  return {std::move(comps), 0, 0, ah, al};
}

// One component's AC coding: first scans over consecutive bands ending at `ends` (the last is
// 63) at point transform `al`, then the refinement scans of each bit, from bit al - 1 down to 0,
// over the bands in `refine_ends` (one full band when that is missing).
struct AcPlan {
  std::vector<int> ends = {63};
  int al = 0;
  std::vector<std::vector<int>> refine_ends;  // [al - bit - 1]: bands of the refinement of `bit`
};

std::vector<Scan> band_scans(int comp, const std::vector<int>& ends, int ah, int al) {
  std::vector<Scan> out;
  int start = 1;
  for (int end : ends) {
    out.push_back({{comp}, start, end, ah, al});
    start = end + 1;
  }
  return out;
}

std::vector<Scan> first_scans(int comp, const AcPlan& plan) {
  return band_scans(comp, plan.ends, 0, plan.al);
}

std::vector<Scan> refine_scans(int comp, const AcPlan& plan) {
  std::vector<Scan> out;
  for (int a = plan.al; a > 0; --a) {
    const auto level = static_cast<std::size_t>(plan.al - a);
    for (auto& s : band_scans(
             comp, level < plan.refine_ends.size() ? plan.refine_ends[level] : std::vector<int>{63},
             a, a - 1))
      out.push_back(s);
  }
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

// The candidates per effort. Costs come from the estimator, which is cheap next to an encode, so
// `default` affords every partition of the AC band into first scans at a few cut points (found by
// dynamic programming, since the bands' costs add up) at point transforms 0 to 3; `max` adds
// finer cut points and point transform 4. On the photos, free partitions saved 0.4 % over the
// best two-band split, and Al 3 another 0.2 %.
struct PlanSet {
  std::vector<int> luma_cuts;  // band ends a partition may use (63 implied)
  std::vector<int> chroma_cuts;
  std::vector<int> refine_cuts;  // band ends a refinement partition may use (63 implied)
  std::vector<int> als;          // point transforms of the first scans
  std::vector<DcPlan> dc;
};

PlanSet plan_set(Effort effort) {
  PlanSet set;
  // Splitting refinement scans too was measured on the photos: 0.002 % smaller, not worth a
  // pass; refine_cuts stays empty (one full-band refinement scan per bit).
  if (effort == Effort::Max) {
    set.luma_cuts = {1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 28};
    set.chroma_cuts = {1, 2, 3, 5, 8};
    set.als = {0, 1, 2, 3, 4};
  } else {
    set.luma_cuts = {1, 2, 3, 5, 8, 12, 20};
    set.chroma_cuts = {1, 2, 5};
    set.als = {0, 1, 2, 3};
  }
  set.dc = {DcPlan::Interleaved, DcPlan::Separate, DcPlan::InterleavedSa};
  return set;
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
                   std::vector<AcPlan>(static_cast<std::size_t>(n), AcPlan{{5, 63}, 2, {}})};
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
  auto try_baseline = [&] {
    if (coding == Coding::Progressive) return;
    // Progressive wins on every photo of the corpus above a few hundred KB, and a losing baseline
    // costs nearly a whole encode before it hits the budget: like ECT, try it on smaller files.
    if (coding == Coding::Auto && best.jpeg.size() > kBaselineTrialBytes) return;
    ++best.encodes;
    // Run after the progressive candidate: a losing baseline stops at the budget.
    consider(encode(source, {}, arithmetic, budget()), false, "baseline");
  };
  if (coding == Coding::Baseline) {
    try_baseline();
    return best;
  }

  // Arithmetic coding has no Huffman tables to model, and fast effort is jpegtran's script.
  if (effort == Effort::Fast || arithmetic) {
    const Script script = simple_script(source);
    ++best.encodes;
    consider(encode(source, script, arithmetic), true, describe(script));
    try_baseline();
    return best;
  }

  // Predict the bytes of every candidate scan from the coefficients (a scan's size does not
  // depend on the other scans), pick the cheapest plan per component and for DC, and encode
  // that script once.
  const scan_cost::Estimator estimator(source);
  // Exact stuffing counts need a second, coding pass per candidate scan: with hundreds of bands
  // at max effort that pass cost 4x the CPU for about 0.03 % of the bytes, so every effort
  // estimates the stuffing.
  const scan_cost::Stuffing stuffing = scan_cost::Stuffing::Estimate;
  const PlanSet set = plan_set(effort);
  const int n = source.components();

  std::vector<Scan> queries;
  auto dc_scans = [&](DcPlan dc) {
    Script only_dc;
    for (const auto& s :
         make_script(source, Candidate{dc, std::vector<AcPlan>(static_cast<std::size_t>(n))}))
      if (s.ss == 0) only_dc.push_back(s);
    return only_dc;
  };
  for (DcPlan dc : set.dc)
    for (auto& s : dc_scans(dc))
      queries.push_back(s);
  // Every band between two cut points (0 and 63 included) at every point transform, and the
  // refinement scans.
  auto boundaries = [&set](int c) {
    std::vector<int> b = {0};
    for (int cut : c == 0 ? set.luma_cuts : set.chroma_cuts)
      b.push_back(cut);
    b.push_back(63);
    return b;
  };
  auto refine_boundaries = [&set] {
    std::vector<int> b = {0};
    for (int cut : set.refine_cuts)
      b.push_back(cut);
    b.push_back(63);
    return b;
  };
  for (int c = 0; c < n; ++c) {
    const std::vector<int> b = boundaries(c);
    for (int al : set.als) {
      for (std::size_t i = 0; i < b.size(); ++i)
        for (std::size_t j = i + 1; j < b.size(); ++j)
          queries.push_back({{c}, b[i] + 1, b[j], 0, al});
    }
    const std::vector<int> rb = refine_boundaries();
    for (int a = 1; a <= set.als.back(); ++a)
      for (std::size_t i = 0; i < rb.size(); ++i)
        for (std::size_t j = i + 1; j < rb.size(); ++j)
          queries.push_back({{c}, rb[i] + 1, rb[j], a, a - 1});
  }
  std::sort(queries.begin(), queries.end(),
            [](const Scan& a, const Scan& b) { return key_of(a) < key_of(b); });
  queries.erase(std::unique(queries.begin(), queries.end()), queries.end());
  std::vector<ScanCounts> query_counts;
  const std::vector<std::size_t> sizes =
      estimator.scan_bytes(queries, stuffing, arithmetic ? nullptr : &query_counts);
  std::map<ScanKey, std::size_t> index_of;  // into queries, sizes and query_counts
  for (std::size_t i = 0; i < queries.size(); ++i)
    index_of[key_of(queries[i])] = i;
  auto cost = [&](const Scan& s) { return sizes[index_of.at(key_of(s))]; };
  auto sum_cost = [&cost](const std::vector<Scan>& scans) {
    std::size_t total = 0;
    for (const auto& s : scans)
      total += cost(s);
    return total;
  };

  Candidate chosen;
  std::size_t best_dc = SIZE_MAX;
  for (DcPlan dc : set.dc)
    if (const std::size_t c = sum_cost(dc_scans(dc)); c < best_dc) {
      best_dc = c;
      chosen.dc = dc;
    }
  for (int c = 0; c < n; ++c) {
    // Per point transform, the cheapest partition of 1..63 into first-scan bands and, per
    // refinement bit, into refinement bands (dynamic programming over the boundaries: the bands'
    // costs add up).
    auto partition = [&](const std::vector<int>& b, int ah, int al, std::vector<int>& ends) {
      std::vector<std::size_t> best_to(b.size(), SIZE_MAX);
      std::vector<std::size_t> from(b.size(), 0);
      best_to[0] = 0;
      for (std::size_t j = 1; j < b.size(); ++j)
        for (std::size_t i = 0; i < j; ++i) {
          const std::size_t cst = best_to[i] + cost({{c}, b[i] + 1, b[j], ah, al});
          if (cst < best_to[j]) {
            best_to[j] = cst;
            from[j] = i;
          }
        }
      ends.clear();
      for (std::size_t j = b.size() - 1; j > 0; j = from[j])
        ends.insert(ends.begin(), b[j]);
      return best_to.back();
    };
    const std::vector<int> b = boundaries(c);
    const std::vector<int> rb = refine_boundaries();
    std::vector<std::vector<int>> refine_ends(static_cast<std::size_t>(set.als.back()));
    std::vector<std::size_t> refine_cost(static_cast<std::size_t>(set.als.back()));
    for (int a = 1; a <= set.als.back(); ++a)
      refine_cost[static_cast<std::size_t>(a - 1)] =
          partition(rb, a, a - 1, refine_ends[static_cast<std::size_t>(a - 1)]);
    AcPlan pick;
    std::size_t pick_cost = SIZE_MAX;
    for (int al : set.als) {
      AcPlan plan;
      plan.al = al;
      std::size_t total = partition(b, 0, al, plan.ends);
      for (int a = al; a > 0; --a) {
        total += refine_cost[static_cast<std::size_t>(a - 1)];
        plan.refine_ends.push_back(refine_ends[static_cast<std::size_t>(a - 1)]);
      }
      if (total < pick_cost) {
        pick_cost = total;
        pick = plan;
      }
    }
    chosen.ac.push_back(pick);
  }
  const Script script = make_script(source, chosen);
  // The estimator counted every chosen scan's symbols: the encode needs no statistics pass.
  std::vector<ScanCounts> counts;
  if (!query_counts.empty())
    for (const auto& s : script)
      counts.push_back(query_counts[index_of.at(key_of(s))]);
  ++best.encodes;
  consider(encode(source, script, arithmetic, 0, counts.empty() ? nullptr : &counts), true,
           describe(script));
  try_baseline();
  return best;
}

namespace {

// Two independent 64-bit multiply-xorshift lanes over 64-bit words.
class Hasher {
 public:
  void add(std::uint64_t v) {
    a_ = mix((a_ ^ v) * 0x9E3779B97F4A7C15ull);
    b_ = mix((b_ + v) * 0xC2B2AE3D27D4EB4Full + 0x165667B19E3779F9ull);
  }
  void add_bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    std::size_t i = 0;
    // Bulk data (the coefficients): four independent multiply-rotate lanes over 32-byte stripes,
    // folded into the two lanes above at the end; a tenth of the instructions per byte.
    if (n >= 64) {
      std::uint64_t lane[4] = {0x9E3779B185EBCA87ull, 0xC2B2AE3D27D4EB4Full, 0x165667B19E3779F9ull,
                               0x27D4EB2F165667C5ull};
      for (; i + 32 <= n; i += 32)
        for (std::size_t l = 0; l < 4; ++l) {
          std::uint64_t v;
          std::memcpy(&v, p + i + 8 * l, 8);
          lane[l] = std::rotl(lane[l] + v * 0xC2B2AE3D27D4EB4Full, 31) * 0x9E3779B185EBCA87ull;
        }
      for (std::uint64_t v : lane)
        add(v);
    }
    for (; i + 8 <= n; i += 8) {
      std::uint64_t v;
      std::memcpy(&v, p + i, 8);
      add(v);
    }
    std::uint64_t tail = n;
    for (; i < n; ++i)
      tail = (tail << 8) | p[i];
    add(tail);
  }
  Digest digest() const { return {mix(a_ ^ 0x5851F42D4C957F2Dull), mix(b_)}; }

 private:
  static std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    return x;
  }
  std::uint64_t a_ = 0x243F6A8885A308D3ull, b_ = 0x13198A2E03707344ull;
};

}  // namespace

Digest coefficient_digest(Source& source) {
  return coefficient_digest(source.decoder(), source.coefficients());
}

Digest coefficient_digest(lj::Decompressor& decoder, jvirt_barray_ptr* coefficients) {
  jpeg_decompress_struct* d = decoder.get();
  Hasher h;
  h.add(d->image_width);
  h.add(d->image_height);
  h.add(static_cast<std::uint64_t>(d->num_components));
  h.add(static_cast<std::uint64_t>(d->jpeg_color_space));
  for (int ci = 0; ci < d->num_components; ++ci) {
    const jpeg_component_info& c = d->comp_info[ci];
    h.add(static_cast<std::uint64_t>(c.component_id));
    h.add(static_cast<std::uint64_t>(c.h_samp_factor) << 8 |
          static_cast<std::uint64_t>(c.v_samp_factor));
    if (!c.quant_table) throw Error(ErrorCode::Internal, "component without a quantization table");
    h.add_bytes(c.quant_table->quantval, sizeof(UINT16) * DCTSIZE2);
  }
  for (const auto& comp : view_of(decoder, coefficients)) {
    h.add(static_cast<std::uint64_t>(comp.width_in_blocks) << 32 |
          static_cast<std::uint64_t>(comp.height_in_blocks));
    for (const JBLOCK* row : comp.rows)
      h.add_bytes(row, sizeof(JBLOCK) * static_cast<std::size_t>(comp.width_in_blocks));
  }
  return h.digest();
}

}  // namespace jpegopt::lossless
