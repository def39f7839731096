#include "core/target.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "core/assemble.hpp"
#include "core/encoder.hpp"
#include "core/jpeg_file.hpp"
#include "core/jpeg_pixels.hpp"
#include "core/metadata.hpp"
#include "core/metrics.hpp"
#include "core/png_reader.hpp"
#include "core/pnm_reader.hpp"
#include "core/resize.hpp"
#include "core/segment_kind.hpp"
#include "core/size_search.hpp"
#include "core/tables.hpp"
#include "jpegopt/error.hpp"

namespace jpegopt {

namespace {

constexpr int kMaxTrialsPerSize = 12;
constexpr int kMaxResizeSteps = 8;
constexpr int kMinSide = 16;  // never downscale below this many pixels per side

// The source's chroma subsampling, kept by the re-encode (Auto).
Subsampling source_subsampling(const Frame& frame) {
  if (frame.components.size() != 3) return Subsampling::S444;
  const auto& y = frame.components[0];
  const auto& c = frame.components[1];
  const int h = y.h / std::max(c.h, 1), v = y.v / std::max(c.v, 1);
  if (h == 2 && v == 2) return Subsampling::S420;
  if (h == 2 && v == 1) return Subsampling::S422;
  if (h == 1 && v == 2) return Subsampling::S440;
  return Subsampling::S444;
}

// The IJG quality of the source's tables, when it has DQT segments we can read.
std::optional<int> source_quality(const JpegFile& file) {
  std::vector<tables::QuantTable> found;
  for (const auto& part : file.parts()) {
    if (part.type != PartType::Segment || part.marker != 0xDB) continue;
    try {
      for (const auto& t : tables::parse_dqt(file.payload_of(part)))
        found.push_back(t);
    } catch (const Error&) {
      return std::nullopt;
    }
  }
  const auto table = [&](int id) -> const tables::QuantTable* {
    for (const auto& t : found)
      if (t.id == id) return &t;
    return nullptr;
  };
  const auto& comps = file.frame().components;
  if (comps.empty() || !table(comps[0].quant_table)) return std::nullopt;
  const auto* chroma = comps.size() > 1 ? table(comps[1].quant_table) : nullptr;
  const int q = tables::estimate_quality(*table(comps[0].quant_table), chroma).quality;
  return q > 0 ? std::optional<int>(q) : std::nullopt;
}

// APP2 ICC_PROFILE segments carrying `icc` (for PNG input, whose profile is not a segment yet).
std::vector<Bytes> icc_segments(ByteView icc) {
  constexpr std::size_t kChunk = 65519;  // 65535 - 2 (length) - 12 (identifier) - 2 (seq/count)
  std::vector<Bytes> out;
  const std::size_t count = (icc.size() + kChunk - 1) / kChunk;
  if (count == 0 || count > 255) return out;
  for (std::size_t i = 0; i < count; ++i) {
    Bytes payload = {'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I', 'L', 'E', 0};
    payload.push_back(static_cast<std::uint8_t>(i + 1));
    payload.push_back(static_cast<std::uint8_t>(count));
    const auto piece = icc.subspan(i * kChunk, std::min(kChunk, icc.size() - i * kChunk));
    append(payload, piece);
    out.push_back(metadata::make_segment(0xE2, payload));
  }
  return out;
}

// The primary image's bytes without its APPn/COM segments: what the entropy-coded image and its
// tables take.
std::size_t image_bytes_of(const JpegFile& file) {
  std::size_t meta = 0;
  for (const auto& part : file.parts())
    if (part.type == PartType::Segment && part.marker >= 0xE0 && part.marker <= 0xFE)
      meta += part.size;
  const std::size_t primary = file.primary_end();
  return primary > meta ? primary - meta : primary;
}

// Everything a trial needs, computed once: the decoded pixels, what metadata goes around the
// encoded image, and a guess of where the search should start.
struct Source {
  std::optional<JpegFile> file;  // JPEG input: kept segments and trailer come from it
  metadata::Plan plan;
  Image image;
  Subsampling subsampling = Subsampling::S420;
  std::optional<int> quality;   // the source's IJG quality, when known
  std::size_t image_bytes = 0;  // the input's bytes without metadata (size at `quality`)
};

Source load(ByteView input, const Options& options) {
  Source s;
  if (is_png(input) || pnm::is_pnm(input)) {
    s.image = pnm::is_pnm(input) ? pnm::read(input, options.limits)
                                 : png::read(input, options.limits, options.reencode.background);
    s.subsampling = Subsampling::S444;  // graphics and screenshots: keep colour edges sharp
    if (!s.image.icc.empty() && !options.metadata.strips(MetaKind::Icc))
      s.plan.segments = icc_segments(s.image.icc);
  } else {
    s.file = JpegFile::parse(Bytes(input.begin(), input.end()));
    s.plan = metadata::plan(*s.file, options.metadata);
    std::array<std::size_t, kMetaKindCount> removed = s.plan.removed;
    assemble::drop_orphan_mpf(s.plan, *s.file, removed);
    s.plan.removed = removed;
    // The encoder writes its own colour signalling (JFIF YCbCr, or Adobe for CMYK): a source
    // Adobe segment would contradict it.
    std::erase_if(s.plan.segments, [](const Bytes& seg) {
      if (seg.size() < 4 || seg[1] != 0xEE) return false;
      return classify_segment(0xEE, ByteView(seg).subspan(4)).kind == SegmentKind::Adobe;
    });
    if (s.plan.mpf_segment) {
      // Segment indices moved: find the MPF segment again.
      s.plan.mpf_segment.reset();
      for (std::size_t i = 0; i < s.plan.segments.size(); ++i) {
        const auto& seg = s.plan.segments[i];
        if (seg.size() >= 4 && seg[1] == 0xE2 &&
            classify_segment(0xE2, ByteView(seg).subspan(4)).kind == SegmentKind::Mpf)
          s.plan.mpf_segment = i;
      }
    }
    s.image = jpeg_pixels::decode(input, options.limits);
    s.subsampling = options.reencode.subsampling != Subsampling::Auto
                        ? options.reencode.subsampling
                        : source_subsampling(s.file->frame());
    s.quality = source_quality(*s.file);
    s.image_bytes = image_bytes_of(*s.file);
  }
  if ((is_png(input) || pnm::is_pnm(input)) && options.reencode.subsampling != Subsampling::Auto)
    s.subsampling = options.reencode.subsampling;
  return s;
}

// The final file around a bare encoder output: SOI, the kept segments, the image, the trailer.
Bytes finish(const Source& s, ByteView bare, int width, int height) {
  metadata::Plan plan = s.plan;
  if (s.file && (width != s.image.width || height != s.image.height))
    assemble::update_exif_geometry(plan, std::nullopt, width, height);
  return assemble::assemble(plan, bare, s.file ? &*s.file : nullptr).bytes;
}

std::string unreachable_message(std::uint64_t limit, std::size_t smallest, double quality,
                                int width, int height) {
  return fmt::format("cannot reach {} bytes: smallest is {} bytes at quality {:g}, {}x{}", limit,
                     smallest, quality, width, height);
}

// One image size: the highest quality whose final file fits.
struct SizeAttempt {
  int width = 0, height = 0;
  std::optional<double> quality;  // the fit, if any
  Bytes file;                     // its final bytes
  std::size_t smallest = SIZE_MAX;
  double smallest_quality = 0;
  int trials = 0;
  std::size_t overhead = 0;  // bytes of the final file around the encoded image
};

// The size search keeps libjpeg's tables and plain chroma averaging: its size model (the bare
// encode within 3 % of the target) was tuned with them, and the perceptual tables leave more for
// the lossless back end to take off after the search.
encoder::Tuning size_tuning() {
  return encoder::Tuning::plain();
}

SizeAttempt fit_at_size(const Source& s, const Image& image, std::uint64_t limit,
                        double min_quality, double start_quality) {
  SizeAttempt a;
  a.width = image.width;
  a.height = image.height;
  const encoder::Prepared prepared = encoder::prepare(image, s.subsampling, 0);
  std::map<double, Bytes> encodes;
  std::optional<std::size_t> overhead;
  const size_search::SizeFunction size_of = [&](double q) {
    Bytes bare = encoder::encode(prepared, q, size_tuning());
    // The metadata around the image does not depend on it: measure it once.
    if (!overhead) overhead = finish(s, bare, a.width, a.height).size() - bare.size();
    const std::size_t size = bare.size() + *overhead;
    encodes[q] = std::move(bare);
    return size;
  };
  size_search::Params p;
  p.target = static_cast<std::size_t>(std::min<std::uint64_t>(limit, SIZE_MAX));
  p.min_quality = min_quality;
  p.start_quality = start_quality;
  p.max_trials = kMaxTrialsPerSize;
  for (int round = 0; round < 2; ++round) {
    const size_search::Result r = size_search::search(size_of, p);
    a.trials += r.trials;
    a.overhead = overhead.value_or(0);
    if (r.smallest.size < a.smallest) {
      a.smallest = r.smallest.size;
      a.smallest_quality = r.smallest.quality;
    }
    if (!r.best) return a;
    // The guarantee is on the final file: assemble it and check.
    Bytes file = finish(s, encodes.at(r.best->quality), a.width, a.height);
    if (file.size() <= limit) {
      a.quality = r.best->quality;
      a.file = std::move(file);
      return a;
    }
    // The metadata estimate was off (it should not be): aim lower by the excess and retry.
    const std::size_t excess = file.size() - limit;
    if (p.target <= excess) return a;
    p.target -= excess;
    p.start_quality = r.best->quality;
    p.max_trials = std::max(2, kMaxTrialsPerSize - a.trials);
  }
  return a;
}

// A first quality from the source: it is about image_bytes at its own quality, and size goes
// roughly as the table scale to the power -0.65.
double start_quality(const Source& s, std::uint64_t limit, double min_quality) {
  double q = 80;
  if (s.quality && s.image_bytes > 0) {
    const double ratio = static_cast<double>(limit) / static_cast<double>(s.image_bytes);
    const double scale = size_search::table_scale(*s.quality) * std::pow(ratio, -1 / 0.65);
    q = size_search::quality_for_scale(scale);
  }
  return std::clamp(q, min_quality, 100.0);
}

// The lowest quality (to 0.5) whose decoded result has at least `min_ssim` luma SSIM against the
// source, searched between `lo` and `hi`; nullopt when even `hi` falls short.
struct SsimPick {
  std::optional<double> quality;
  double ssim_at_hi = 0;
  int trials = 0;
};

SsimPick lowest_quality_for_ssim(const Source& s, const encoder::Prepared& prepared,
                                 double min_ssim, double lo, double hi, const Limits& limits) {
  SsimPick pick;
  std::map<double, double> seen;
  const auto ssim_at = [&](double q) {
    if (auto it = seen.find(q); it != seen.end()) return it->second;
    const Bytes bare = encoder::encode(prepared, q, size_tuning());
    const double v = metrics::ssim_luma(s.image, jpeg_pixels::decode(bare, limits));
    ++pick.trials;
    seen[q] = v;
    return v;
  };
  pick.ssim_at_hi = ssim_at(hi);
  if (pick.ssim_at_hi < min_ssim) return pick;
  // Invariant: hi meets the threshold; lo does not, or is the floor.
  if (ssim_at(lo) >= min_ssim) {
    pick.quality = lo;
    return pick;
  }
  while (hi - lo > 0.5) {
    const double mid = std::round((lo + hi) / 2 * 2) / 2;
    if (mid <= lo || mid >= hi) break;
    (ssim_at(mid) >= min_ssim ? hi : lo) = mid;
  }
  pick.quality = hi;
  return pick;
}

}  // namespace

bool lossless_out_of_reach(ByteView input, const Options& options, std::uint64_t limit) {
  if (options.transform.any()) return false;
  const JpegFile file = JpegFile::parse(Bytes(input.begin(), input.end()));
  const Frame& frame = file.frame();
  if (frame.sof_marker == 0 || frame.lossless() || frame.hierarchical() || frame.precision != 8 ||
      frame.height == 0)
    return false;
  std::uint64_t icc_bytes = 0;
  for (const auto& part : file.parts())
    if (part.type == PartType::Segment && part.marker == 0xE2 &&
        classify_segment(0xE2, file.payload_of(part)).kind == SegmentKind::Icc)
      icc_bytes += part.payload_size();
  if (icc_bytes > options.limits.max_metadata_bytes) return false;
  const metadata::Plan plan = metadata::plan(file, options.metadata);
  if (plan.c2pa_kept) return false;
  std::uint64_t kept = 0;
  for (const auto& seg : plan.segments)
    kept += seg.size();
  return image_bytes_of(file) / 2 + kept > limit;
}

Outcome fit_target(ByteView input, const Options& options) {
  const auto& target = options.target;
  const std::uint64_t limit = target.max_size ? target.max_size->resolve(input.size()) : UINT64_MAX;

  // (1) Lossless first: when the rewrite fits and no visual target asks for smaller, no pixel
  // changes at all.
  std::optional<Outcome> lossless;
  std::size_t lossless_size = SIZE_MAX;
  if (!is_png(input) && !pnm::is_pnm(input) && !lossless_out_of_reach(input, options, limit)) {
    lossless = optimize(input, options);
    lossless->mode = Mode::Target;
    if (lossless->status == FileStatus::Skipped) return *lossless;
    lossless_size =
        lossless->status == FileStatus::Optimized ? lossless->bytes.size() : input.size();
    if (lossless_size <= limit && !target.min_ssim) return *lossless;
  }

  // (2) Re-encode: decode once, then only quantize and entropy-code per trial.
  const Source s = load(input, options);
  Outcome out;
  out.mode = Mode::Target;
  out.bytes_in = input.size();
  out.coding = "baseline";
  out.metadata_removed = s.plan.removed;
  out.notes = s.plan.notes;
  const double min_q = target.min_quality;

  std::optional<SizeAttempt> fit;
  int trials = 0;
  if (target.max_size) {
    SizeAttempt a = fit_at_size(s, s.image, limit, min_q, start_quality(s, limit, min_q));
    trials += a.trials;
    // (3) Downscale step by step, keeping the aspect ratio, until the floor quality fits.
    Image scaled;
    // Metadata alone at or over the limit: no image size helps.
    for (int step = 0;
         !a.quality && target.allow_resize && a.overhead < limit && step < kMaxResizeSteps;
         ++step) {
      // The image's bytes go about as its pixel count: aim a little under the limit.
      const double area = static_cast<double>(limit - a.overhead) /
                          static_cast<double>(a.smallest - a.overhead) * 0.95;
      const double factor = std::clamp(std::sqrt(area), 0.25, 0.9);
      const resize::Size next{std::max(kMinSide, static_cast<int>(std::lround(a.width * factor))),
                              std::max(kMinSide, static_cast<int>(std::lround(a.height * factor)))};
      if (next.width >= a.width && next.height >= a.height) break;
      scaled = resize::resize(s.image, next);
      SizeAttempt b = fit_at_size(s, scaled, limit, min_q, min_q + 5);
      trials += b.trials;
      a = std::move(b);
    }
    if (!a.quality)
      throw Error(ErrorCode::TargetUnreachable,
                  unreachable_message(limit, a.smallest, a.smallest_quality, a.width, a.height));
    fit = std::move(a);
  }

  out.status = FileStatus::Optimized;
  if (fit) {
    out.bytes = std::move(fit->file);
    out.quality = fit->quality;
    out.width = fit->width;
    out.height = fit->height;
    if (fit->width != s.image.width || fit->height != s.image.height)
      out.notes.push_back(fmt::format("downscaled from {}x{} to {}x{} to fit {} bytes",
                                      s.image.width, s.image.height, fit->width, fit->height,
                                      limit));
  }

  // The visual target: the lowest quality that still looks like the source, below the size fit.
  if (target.min_ssim) {
    const double hi = fit ? *fit->quality : 100.0;
    const bool full_size = !fit || (fit->width == s.image.width && fit->height == s.image.height);
    if (full_size) {
      const encoder::Prepared prepared = encoder::prepare(s.image, s.subsampling, 0);
      const double lo = std::min(std::max(min_q, target.min_ssim_quality), hi);
      const SsimPick pick =
          lowest_quality_for_ssim(s, prepared, *target.min_ssim, lo, hi, options.limits);
      trials += pick.trials;
      if (pick.quality) {
        const Bytes bare = encoder::encode(prepared, *pick.quality, size_tuning());
        ++trials;
        Bytes file = finish(s, bare, s.image.width, s.image.height);
        if (file.size() <= limit) {
          out.bytes = std::move(file);
          out.quality = pick.quality;
          out.ssim = metrics::ssim_luma(s.image, jpeg_pixels::decode(bare, options.limits));
        }
      } else {
        out.ssim = pick.ssim_at_hi;
        if (fit)
          out.notes.push_back(fmt::format(
              "visual target missed: SSIM {:.4f} < {:g} at the largest quality that fits",
              pick.ssim_at_hi, *target.min_ssim));
      }
      if (!out.quality) {
        // No size limit and not even quality 100 reaches the SSIM: encode at 100.
        out.bytes =
            finish(s, encoder::encode(prepared, 100, size_tuning()), s.image.width, s.image.height);
        ++trials;
        out.quality = 100;
      }
      out.width = s.image.width;
      out.height = s.image.height;
    } else {
      out.notes.push_back("visual target not checked: the image was downscaled to fit");
    }
    // Lossless wins when it is smaller and fits: it is exact.
    if (lossless && lossless_size <= limit && lossless_size <= out.bytes.size()) {
      Outcome l = *lossless;
      l.trials = trials;
      l.ssim = 1.0;
      return l;
    }
  }
  out.trials = trials;
  out.encodes = trials;
  out.bytes_out = out.bytes.size();
  return out;
}

}  // namespace jpegopt
