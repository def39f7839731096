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
#include "core/reencode.hpp"
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
// The lossless rewrite keeps 0.71 to 1.0 of the input's image bytes on the 42 corpus photos (0.71:
// the 22 MP 4:4:4 file with restart markers; most keep 0.86 to 0.97): its attempt is skipped when
// even this share of them, plus the metadata that stays, is over the limit.
constexpr double kLosslessKeepsAtLeast = 0.65;

// The downscale (see downscale()).
// Floor bytes ~ pixels^exponent until two sizes measure it. A large step loses fewer bytes than
// pixels (0.77 to 1.0 on the corpus photos when the bytes must come down to a fifth or less: the
// smaller picture packs more detail into each pixel); a small one is anywhere from 0.8 to 1.6
// (resampling also smooths away fine detail and noise at once).
constexpr double kFarExponent = 0.9;
constexpr double kNearExponent = 1.1;
constexpr double kSmallStep = 0.3;     // bytes wanted / bytes now, above it: a small step
constexpr double kAreaAim = 0.95;      // aim the floor at this share of the image's budget
constexpr double kGoal = 0.988;        // where the quality search aims (size_search: 98.8 %)
constexpr double kGoodEnough = 0.8;    // a floor fit this close needs no larger size
constexpr double kFallbackStep = 0.9;  // per side, from the smallest miss, when the model stalls

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

// Everything a trial needs, computed once: the parsed input, what metadata goes around the
// encoded image, a guess of where the search should start, and the decoded pixels (each scale
// decoded at most once, when first needed).
struct Source {
  ByteView input;
  const Limits* limits = nullptr;
  std::optional<JpegFile> file;  // JPEG input: kept segments and trailer come from it
  metadata::Plan plan;
  int width = 0, height = 0;  // the full-size image
  Subsampling subsampling = Subsampling::S420;
  std::optional<int> quality;            // the source's IJG quality, when known
  std::size_t image_bytes = 0;           // the input's bytes without metadata (size at `quality`)
  mutable std::map<int, Image> decoded;  // by DCT scale denominator (1: full size)

  // The full-size pixels.
  const Image& image() const { return at_scale(1); }

  // The pixels decoded at 1/denom in the DCT domain (JPEG; PNG and PNM only have denom 1).
  const Image& at_scale(int denom) const {
    auto it = decoded.find(denom);
    if (it == decoded.end())
      it = decoded.emplace(denom, jpeg_pixels::decode(input, *limits, denom)).first;
    return it->second;
  }

  // The cheapest decode to resample to `size` from: libjpeg's DCT scaling (1/2, 1/4, 1/8) still at
  // least `size` in both axes (resize::dct_scale_denom), so the resampler only shrinks and sees
  // all the detail the smaller image can hold; PNG and PNM resample from full size.
  const Image& resample_source(resize::Size size) const {
    if (!file) return image();
    return at_scale(resize::dct_scale_denom({width, height}, size));
  }
};

Source load(ByteView input, std::optional<JpegFile> parsed, const Options& options) {
  Source s;
  s.input = input;
  s.limits = &options.limits;
  const bool pixels_input = is_pixel_file(input);
  if (pixels_input) {
    Image& image = s.decoded[1] = read_pixel_file(input, options);
    s.width = image.width;
    s.height = image.height;
    s.subsampling = Subsampling::S444;  // graphics and screenshots: keep colour edges sharp
    if (!image.icc.empty() && !options.metadata.strips(MetaKind::Icc))
      s.plan.segments = icc_segments(image.icc);
  } else {
    s.file = parsed ? std::move(parsed) : JpegFile::parse(Bytes(input.begin(), input.end()));
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
    // The header alone gives the size and checks what a decode would check first; the pixels
    // wait until a trial needs them (a downscale decodes straight at a DCT scale).
    const jpeg_pixels::Header header = jpeg_pixels::read_header(input, options.limits);
    s.width = header.width;
    s.height = header.height;
    s.subsampling = options.reencode.subsampling != Subsampling::Auto
                        ? options.reencode.subsampling
                        : source_subsampling(s.file->frame());
    s.quality = source_quality(*s.file);
    s.image_bytes = image_bytes_of(*s.file);
  }
  if (pixels_input && options.reencode.subsampling != Subsampling::Auto)
    s.subsampling = options.reencode.subsampling;
  return s;
}

// The final file around a bare encoder output: SOI, the kept segments, the image, the trailer.
Bytes finish(const Source& s, ByteView bare, int width, int height) {
  metadata::Plan plan = s.plan;
  if (s.file && (width != s.width || height != s.height))
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

// An encode already made at this size (the downscale's floor trial): not made again.
struct Seed {
  double quality = 0;
  Bytes bare;
};

SizeAttempt fit_at_size(const Source& s, const encoder::Prepared& prepared, std::uint64_t limit,
                        double min_quality, double start_quality, const Seed* seed = nullptr) {
  SizeAttempt a;
  a.width = prepared.width();
  a.height = prepared.height();
  std::map<double, Bytes> encodes;
  std::optional<std::size_t> overhead;
  const size_search::SizeFunction size_of = [&](double q) {
    Bytes bare;
    if (seed && std::abs(seed->quality - q) < 1e-9) {
      bare = seed->bare;
    } else {
      bare = encoder::encode(prepared, q, size_tuning());
      ++a.trials;
    }
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
    p.max_trials = std::max(2, kMaxTrialsPerSize - r.trials);
  }
  return a;
}

// Whether the floor quality can fit at full size, judged from a sample before paying for the
// full-size transform: every kProbeEvery-th band of kProbeBand rows, at full resolution (bands
// start on MCU rows, so their blocks are the full image's blocks), encoded at the floor quality,
// and the bare bytes scaled by the share of rows. On five corpus photos of 5 to 22 MP the estimate
// was within 1.1 % of the real full-size encode; only an estimate clearly over the limit
// (kProbeMargin) skips the full-size search, so a file that fits at full size is searched there
// as before, starting from the quality the estimate predicts.
constexpr int kProbeBand = 16;
constexpr int kProbeEvery = 4;
constexpr double kProbeMargin = 1.06;
constexpr std::int64_t kProbeMinPixels = 2'000'000;  // below this the full search is cheap anyway

struct Probe {
  std::size_t estimate = 0;  // the full-size file at the floor quality, metadata included
  std::size_t overhead = 0;  // bytes of the final file around the encoded image
};

// Whether the source suggests that the floor quality misses at full size (the same power law as
// start_quality(), which is rough: off by 0.6x to 2.1x on the corpus): then the probe is worth
// its cost. Unknown source quality (PNG, odd tables): probe.
bool source_floor_misses(const Source& s, std::uint64_t limit, double min_quality) {
  if (!s.quality || s.image_bytes == 0) return true;
  const double ratio = size_search::table_scale(min_quality) / size_search::table_scale(*s.quality);
  return static_cast<double>(s.image_bytes) * std::pow(ratio, -0.65) > static_cast<double>(limit);
}

Probe probe_floor(const Source& s, double min_quality) {
  const Image& full = s.image();
  Image bands;
  bands.width = full.width;
  bands.format = full.format;
  for (int y = 0; y < full.height; y += kProbeBand * kProbeEvery) {
    const int rows = std::min(kProbeBand, full.height - y);
    bands.pixels.insert(bands.pixels.end(), full.row(y), full.row(y) + full.stride() * rows);
    bands.height += rows;
  }
  const Bytes bare =
      encoder::encode(encoder::prepare(bands, s.subsampling, 0), min_quality, size_tuning());
  Probe p;
  p.overhead = finish(s, bare, s.width, s.height).size() - bare.size();
  p.estimate =
      static_cast<std::size_t>(static_cast<double>(bare.size()) * full.height / bands.height) +
      p.overhead;
  return p;
}

// The quality predicted to make `goal` image bytes from `bytes` at `quality` (the search's model:
// size ~ table scale^-0.65).
double quality_for_bytes(double bytes, double quality, double goal) {
  const double scale = size_search::table_scale(quality) * std::pow(goal / bytes, -1 / 0.65);
  return size_search::quality_for_scale(scale);
}

// The largest size (aspect ratio kept) whose floor quality fits, then the quality search there.
// `full` is the full-size attempt that missed (or the probe's estimate). The floor's image bytes
// go roughly as a power of the pixel count: the first step assumes kFarExponent or kNearExponent,
// later ones measure it from the two sizes nearest the budget. Each size costs one encode at the
// floor (resampled from the smallest DCT-scaled decode that still
// holds its detail, resize::dct_scale_denom); a fit within kGoodEnough of the budget ends the
// size search, a looser fit tries once more between it and the nearest miss. The quality search
// then starts where the floor's size predicts, reusing the floor encode.
SizeAttempt downscale(const Source& s, std::uint64_t limit, double min_q, const SizeAttempt& full,
                      int& trials) {
  struct Point {
    double pixels, bytes;  // image bytes (without the metadata) at the floor
  };
  struct Candidate {
    resize::Size size;
    encoder::Prepared prepared;
    Seed floor;
    double bytes = 0;
  };
  const std::size_t overhead = full.overhead;
  const double budget = static_cast<double>(limit - overhead);
  const double full_pixels = static_cast<double>(s.width) * s.height;
  std::vector<Point> points{
      {full_pixels, static_cast<double>(std::max(full.smallest, overhead + 1) - overhead)}};
  std::optional<Candidate> best;  // the largest size whose floor fits
  double miss_pixels = full_pixels;
  SizeAttempt miss = full;  // the smallest size that missed, for the message
  for (int step = 0; step < kMaxResizeSteps; ++step) {
    // The model: through the two points nearest the budget when there are two, else from the
    // nearest one with the default exponent.
    std::vector<Point> near = points;
    std::sort(near.begin(), near.end(), [&](const Point& x, const Point& y) {
      return std::abs(std::log(x.bytes / budget)) < std::abs(std::log(y.bytes / budget));
    });
    const double wanted = budget * kAreaAim / near[0].bytes;
    double exponent = wanted < kSmallStep ? kFarExponent : kNearExponent;
    if (near.size() >= 2 && std::abs(near[0].pixels - near[1].pixels) > 1) {
      const double measured =
          std::log(near[0].bytes / near[1].bytes) / std::log(near[0].pixels / near[1].pixels);
      if (std::isfinite(measured)) exponent = std::clamp(measured, 0.5, 2.0);
    }
    double pixels = near[0].pixels * std::pow(wanted, 1 / exponent);
    // Strictly between the largest fit and the smallest miss.
    const double fit_pixels = best ? static_cast<double>(best->size.width) * best->size.height : 0;
    pixels = std::min(pixels, miss_pixels * 0.97);
    if (best) {
      if (pixels <= fit_pixels * 1.04) break;  // nothing worth a resize left to gain
      pixels = std::min(pixels, std::sqrt(fit_pixels * miss_pixels));  // halfway, in log
    }
    const auto size_at = [&](double factor) {
      factor = std::min(factor, 1.0);
      return resize::Size{std::max(kMinSide, static_cast<int>(std::lround(s.width * factor))),
                          std::max(kMinSide, static_cast<int>(std::lround(s.height * factor)))};
    };
    resize::Size next = size_at(std::sqrt(pixels / full_pixels));
    if (next.width >= miss.width && next.height >= miss.height) {
      // The model asks for the smallest miss again (tiny images, where the tables outweigh the
      // pixels and sizes are not monotone; rounding): a plain step down from it instead.
      const double miss_factor = miss.width >= miss.height
                                     ? static_cast<double>(miss.width) / s.width
                                     : static_cast<double>(miss.height) / s.height;
      next = size_at(miss_factor * kFallbackStep);
      if (next.width >= miss.width && next.height >= miss.height) break;  // at the smallest side
    }
    if (best && next == best->size) break;
    // From the smallest decode that still holds the detail of `next`, not from full size.
    Candidate c{next,
                encoder::prepare(resize::resize(s.resample_source(next), next), s.subsampling, 0),
                {min_q, {}},
                0};
    c.floor.bare = encoder::encode(c.prepared, min_q, size_tuning());
    ++trials;
    c.bytes = static_cast<double>(c.floor.bare.size());
    const double here = static_cast<double>(next.width) * next.height;
    points.push_back({here, c.bytes});
    if (c.bytes <= budget) {
      const bool close = c.bytes >= budget * kGoodEnough;
      best = std::move(c);
      if (close) break;
    } else {
      miss_pixels = here;
      miss.width = next.width;
      miss.height = next.height;
      miss.smallest = c.floor.bare.size() + overhead;
      miss.smallest_quality = min_q;
    }
  }
  if (!best) return miss;
  const double start =
      std::clamp(quality_for_bytes(best->bytes, min_q, budget * kGoal), min_q, 100.0);
  SizeAttempt a = fit_at_size(s, best->prepared, limit, min_q, start, &best->floor);
  trials += a.trials;
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
    const double v = jpeg_pixels::ssim_luma(s.image(), bare, limits);
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

namespace {

bool lossless_out_of_reach(const JpegFile& file, const Options& options, std::uint64_t limit) {
  if (options.transform.any()) return false;
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
  return static_cast<double>(image_bytes_of(file)) * kLosslessKeepsAtLeast +
             static_cast<double>(kept) >
         static_cast<double>(limit);
}

}  // namespace

bool lossless_out_of_reach(ByteView input, const Options& options, std::uint64_t limit) {
  if (options.transform.any()) return false;
  return lossless_out_of_reach(JpegFile::parse(Bytes(input.begin(), input.end())), options, limit);
}

Outcome fit_target(ByteView input, const Options& options) {
  const auto& target = options.target;
  const std::uint64_t limit = target.max_size ? target.max_size->resolve(input.size()) : UINT64_MAX;

  // (1) Lossless first: when the rewrite fits and no visual target asks for smaller, no pixel
  // changes at all.
  std::optional<Outcome> lossless;
  std::size_t lossless_size = SIZE_MAX;
  std::optional<JpegFile> parsed;  // parsed once, for the judgement and for the re-encode
  const bool pixels_input = is_pixel_file(input);
  if (!pixels_input && !options.transform.any())
    parsed = JpegFile::parse(Bytes(input.begin(), input.end()));
  if (!pixels_input && !(parsed && lossless_out_of_reach(*parsed, options, limit))) {
    lossless = optimize(input, options);
    lossless->mode = Mode::Target;
    if (lossless->status == FileStatus::Skipped) return *lossless;
    lossless_size =
        lossless->status == FileStatus::Optimized ? lossless->bytes.size() : input.size();
    if (lossless_size <= limit && !target.min_ssim) return *lossless;
  }

  // (2) Re-encode: decode once, then only quantize and entropy-code per trial.
  const Source s = load(input, std::move(parsed), options);
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
    SizeAttempt a;
    std::optional<Probe> probe;
    if (target.allow_resize && std::int64_t{s.width} * s.height >= kProbeMinPixels &&
        source_floor_misses(s, limit, min_q)) {
      probe = probe_floor(s, min_q);
      ++trials;
    }
    if (probe && static_cast<double>(probe->estimate) > static_cast<double>(limit) * kProbeMargin &&
        probe->overhead < limit) {
      // Far over at the floor: go straight to the downscale, sized from the estimate.
      a.width = s.width;
      a.height = s.height;
      a.smallest = probe->estimate;
      a.smallest_quality = min_q;
      a.overhead = probe->overhead;
    } else {
      // The probe measured the floor: a better start than the source's own size.
      const double start =
          probe && probe->overhead < limit
              ? std::clamp(
                    quality_for_bytes(static_cast<double>(probe->estimate - probe->overhead), min_q,
                                      static_cast<double>(limit - probe->overhead) * kGoal),
                    min_q, 100.0)
              : start_quality(s, limit, min_q);
      a = fit_at_size(s, encoder::prepare(s.image(), s.subsampling, 0), limit, min_q, start);
      trials += a.trials;
    }
    // (3) Downscale, keeping the aspect ratio, until the floor quality fits. Metadata alone at
    // or over the limit: no image size helps.
    if (!a.quality && target.allow_resize && a.overhead < limit)
      a = downscale(s, limit, min_q, a, trials);
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
    if (fit->width != s.width || fit->height != s.height)
      out.notes.push_back(fmt::format("downscaled from {}x{} to {}x{} to fit {} bytes", s.width,
                                      s.height, fit->width, fit->height, limit));
  }

  // The visual target: the lowest quality that still looks like the source, below the size fit.
  if (target.min_ssim) {
    const double hi = fit ? *fit->quality : 100.0;
    const bool full_size = !fit || (fit->width == s.width && fit->height == s.height);
    if (full_size) {
      const encoder::Prepared prepared = encoder::prepare(s.image(), s.subsampling, 0);
      const double lo = std::min(std::max(min_q, target.min_ssim_quality), hi);
      const SsimPick pick =
          lowest_quality_for_ssim(s, prepared, *target.min_ssim, lo, hi, options.limits);
      trials += pick.trials;
      if (pick.quality) {
        const Bytes bare = encoder::encode(prepared, *pick.quality, size_tuning());
        ++trials;
        Bytes file = finish(s, bare, s.width, s.height);
        if (file.size() <= limit) {
          out.bytes = std::move(file);
          out.quality = pick.quality;
          out.ssim = jpeg_pixels::ssim_luma(s.image(), bare, options.limits);
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
        out.bytes = finish(s, encoder::encode(prepared, 100, size_tuning()), s.width, s.height);
        ++trials;
        out.quality = 100;
      }
      out.width = s.width;
      out.height = s.height;
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
