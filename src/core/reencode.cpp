#include "core/reencode.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/assemble.hpp"
#include "core/colour.hpp"
#include "core/encoder.hpp"
#include "core/exif.hpp"
#include "core/icc.hpp"
#include "core/jpeg_pixels.hpp"
#include "core/lossless.hpp"
#include "core/metrics.hpp"
#include "core/png_reader.hpp"
#include "core/pnm_reader.hpp"
#include "core/resize.hpp"
#include "core/segment_kind.hpp"
#include "core/tables.hpp"

namespace jpegopt {

namespace reencoding {

namespace {

// An ICC profile as APP2 "ICC_PROFILE\0" chunks (sequence number and count after the name).
std::vector<Bytes> icc_segments(ByteView profile) {
  constexpr std::size_t kChunk = 65519;  // 65535 - 2 (length) - 14 (identifier, seq, count)
  const std::size_t count = (profile.size() + kChunk - 1) / kChunk;
  if (count > 255) throw Error(ErrorCode::MetadataLimit, "ICC profile too large for APP2 chunks");
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < count; ++i) {
    Bytes payload = {'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I', 'L', 'E', 0};
    payload.push_back(static_cast<std::uint8_t>(i + 1));
    payload.push_back(static_cast<std::uint8_t>(count));
    append(payload, profile.subspan(i * kChunk, std::min(kChunk, profile.size() - i * kChunk)));
    out.push_back(metadata::make_segment(0xE2, payload));
  }
  return out;
}

// libjpeg's APP14 for CMYK: version 100, no flags, transform 0 (the data is not colour-converted).
Bytes adobe_cmyk_segment() {
  const Bytes payload = {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
  return metadata::make_segment(0xEE, payload);
}

SegmentKind kind_of(const Bytes& segment) {
  return classify_segment(segment[1], ByteView(segment).subspan(4)).kind;
}

void erase_kind(metadata::Plan& plan, SegmentKind kind,
                std::array<std::size_t, kMetaKindCount>* removed, MetaKind meta) {
  for (std::size_t i = plan.segments.size(); i-- > 0;) {
    if (kind_of(plan.segments[i]) != kind) continue;
    if (removed) (*removed)[static_cast<std::size_t>(meta)] += plan.segments[i].size();
    if (plan.mpf_segment && *plan.mpf_segment > i) --*plan.mpf_segment;
    plan.segments.erase(plan.segments.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

void check_supported(const JpegFile& file) {
  const Frame& frame = file.frame();
  if (frame.sof_marker == 0)
    throw Error(ErrorCode::CorruptData, "no frame header (SOF) before EOI");
  if (frame.lossless() || frame.hierarchical() || frame.precision != 8)
    throw Error(ErrorCode::Unsupported, "only 8-bit sequential or progressive JPEG is supported");
}

std::optional<tables::QualityEstimate> estimate_input_quality(const JpegFile& file) {
  std::map<int, tables::QuantTable> quant;
  for (const Part* part : file.segments(marker::kDqt))
    for (auto& t : tables::parse_dqt(file.payload_of(*part)))
      quant[t.id] = t;
  const auto& comps = file.frame().components;
  if (comps.empty() || !quant.count(comps[0].quant_table)) return std::nullopt;
  const tables::QuantTable* chroma = nullptr;
  if (comps.size() >= 3 && quant.count(comps[1].quant_table)) chroma = &quant[comps[1].quant_table];
  return tables::estimate_quality(quant[comps[0].quant_table], chroma);
}

bool worth_writing(std::size_t in, std::size_t out, const Options& options) {
  const std::size_t saved = out < in ? in - out : 0;
  return saved > 0 && saved > options.threshold_bytes &&
         100.0 * static_cast<double>(saved) / static_cast<double>(in) > options.threshold_percent;
}

}  // namespace

std::string guard_note(int input_quality, double quality) {
  return fmt::format(
      "not re-encoded: the input's quality (about {}) is not above the requested {} (re-encoding "
      "would only add loss); optimized losslessly instead (--force-reencode overrides)",
      input_quality, quality);
}

std::string lossless_wins_note(std::size_t reencoded_bytes, std::size_t lossless_bytes) {
  return fmt::format(
      "re-encoding gave {} bytes, not smaller than the lossless result ({} bytes): kept the "
      "lossless result",
      reencoded_bytes, lossless_bytes);
}

Subsampling subsampling_of(const Frame& frame) {
  if (frame.components.size() < 3) return Subsampling::S444;
  const auto& y = frame.components[0];
  const auto& cb = frame.components[1];
  const int h = y.h / std::max(cb.h, 1), v = y.v / std::max(cb.v, 1);
  if (h >= 2 && v >= 2) return Subsampling::S420;
  if (h >= 2) return Subsampling::S422;
  if (v >= 2) return Subsampling::S440;
  return Subsampling::S444;
}

Subsampling subsampling_for_pixels(const Image& image) {
  if (image.format != PixelFormat::Rgb || image.width < 2 || image.height < 2)
    return Subsampling::S444;
  auto chroma = [&](int x, int y, float& cb, float& cr) {
    const std::uint8_t* p = image.row(y) + static_cast<std::size_t>(x) * 3;
    cb = -0.1687f * p[0] - 0.3313f * p[1] + 0.5f * p[2];
    cr = 0.5f * p[0] - 0.4187f * p[1] - 0.0813f * p[2];
  };
  // Two signs of colour detail that 4:2:0 smears, both on the 0..255 JFIF chroma scale.
  // (1) Neighbouring pixel pairs (right and down) whose chroma jumps, |dCb| + |dCr| over 48:
  // photographs change colour gradually even at object edges (lens blur, demosaicing), so such
  // jumps are rare; text, diagrams, UI and logos are full of them.
  // (2) Pixels whose chroma is more than 40 away from the average of their 2x2 box (what 4:2:0
  // keeps): a screenshot with a little coloured text on a smooth wallpaper has few jumps overall
  // but a tail of large errors there (0.19 % of the pixels of samples/' plasma screenshot; the
  // photographs measured stay under 0.04 %).
  // Calibrated on the corpus PNGs, samples/ and downscaled corpus photos (docs/reencode.md).
  // Sampled on a grid at most ~512 steps wide: cheap on large images.
  const int step = std::max(1, std::max(image.width, image.height) / 512);
  std::size_t pairs = 0, jumps = 0, pixels = 0, far = 0;
  for (int y = 0; y + 1 < image.height; y += 2 * step)
    for (int x = 0; x + 1 < image.width; x += 2 * step) {
      float cb[4], cr[4];  // the 2x2 box at (x, y): top left, top right, bottom left, bottom right
      chroma(x, y, cb[0], cr[0]);
      chroma(x + 1, y, cb[1], cr[1]);
      chroma(x, y + 1, cb[2], cr[2]);
      chroma(x + 1, y + 1, cb[3], cr[3]);
      pairs += 2;
      if (std::fabs(cb[0] - cb[1]) + std::fabs(cr[0] - cr[1]) > 48) ++jumps;
      if (std::fabs(cb[0] - cb[2]) + std::fabs(cr[0] - cr[2]) > 48) ++jumps;
      const float mean_cb = (cb[0] + cb[1] + cb[2] + cb[3]) / 4;
      const float mean_cr = (cr[0] + cr[1] + cr[2] + cr[3]) / 4;
      for (int i = 0; i < 4; ++i) {
        ++pixels;
        if (std::fabs(cb[i] - mean_cb) + std::fabs(cr[i] - mean_cr) > 40) ++far;
      }
    }
  // (1): 0.5 % of pairs; (2): 0.1 % of pixels.
  return jumps * 200 > pairs || far * 1000 > pixels ? Subsampling::S444 : Subsampling::S420;
}

Wrapper make_wrapper(ByteView input, const Image& pixels, const Options& options) {
  Wrapper w;
  const MetadataPolicy& policy = options.metadata;
  if (!is_pixel_file(input)) {
    w.source = JpegFile::parse(Bytes(input.begin(), input.end()));
    w.plan = metadata::plan(*w.source, policy);
    w.removed = w.plan.removed;
    w.notes = w.plan.notes;
    assemble::drop_orphan_mpf(w.plan, *w.source, w.removed);
    // The new encode decides the colour transform: the source's Adobe segment may say YCCK.
    erase_kind(w.plan, SegmentKind::Adobe, nullptr, MetaKind::Adobe);
    if (pixels.icc.empty()) erase_kind(w.plan, SegmentKind::Icc, &w.removed, MetaKind::Icc);
    if (pixels.width != w.source->frame().width || pixels.height != w.source->frame().height)
      assemble::update_exif_geometry(w.plan, std::nullopt, pixels.width, pixels.height);
  } else {
    if (!pixels.icc.empty()) {
      bool strip = policy.strips(MetaKind::Icc);
      if (strip && policy.icc_only_if_srgb) {
        try {
          strip = icc::describe(pixels.icc).is_srgb;
        } catch (const Error&) {
          strip = false;  // unreadable: keep it, as the JPEG path does
        }
      }
      if (strip) {
        w.removed[static_cast<std::size_t>(MetaKind::Icc)] += pixels.icc.size();
      } else {
        for (auto& seg : icc_segments(pixels.icc))
          w.plan.segments.push_back(std::move(seg));
      }
    }
    if (pixels.orientation != 1 && (policy.keep_orientation || !policy.strips(MetaKind::Exif)))
      w.plan.segments.push_back(
          metadata::make_segment(0xE1, exif::minimal_orientation_segment(pixels.orientation)));
    w.plan.keep_trailer = false;
  }
  if (pixels.format == PixelFormat::Cmyk) w.plan.segments.push_back(adobe_cmyk_segment());
  return w;
}

Finished finish(const Wrapper& wrapper, std::unique_ptr<lossless::Source> source,
                const Image& reference, const Options& options) {
  Finished f;
  const lossless::Digest digest =
      options.verify ? lossless::coefficient_digest(*source) : lossless::Digest{};
  auto result = lossless::search(*source, options.coding, options.effort, options.arithmetic);
  source.reset();
  f.encodes = result.encodes;
  f.coding = options.arithmetic ? "arithmetic" : result.progressive ? "progressive" : "baseline";
  f.scan_script = result.description;
  assemble::Assembled out =
      assemble::assemble(wrapper.plan, result.jpeg, wrapper.source ? &*wrapper.source : nullptr);
  const auto check = jpeg_pixels::ssim_luma_and_digest(
      reference, ByteView(out.bytes).first(out.primary_end), options.limits);
  if (options.verify) {
    if (!(check.digest == digest))
      throw Error(ErrorCode::VerifyFailed, "the re-encoded file does not decode as encoded");
    if (wrapper.plan.mpf_segment) assemble::check_mpf_targets(out.bytes);
  }
  f.ssim = check.ssim;
  f.bytes = std::move(out.bytes);
  return f;
}

}  // namespace reencoding

bool is_pixel_file(ByteView input) {
  return is_png(input) || pnm::is_pnm(input);
}

Image read_pixel_file(ByteView input, const Options& options) {
  return pnm::is_pnm(input) ? pnm::read(input, options.limits)
                            : png::read(input, options.limits, options.reencode.background);
}

Outcome reencode(ByteView input, const Options& options) {
  using namespace reencoding;
  const bool png_input = is_pixel_file(input);
  double quality = options.reencode.quality.value_or(kDefaultPngQuality);
  encoder::quality_scale(quality);  // validates 1..100 before any work
  // Resizing and colour conversion need new pixels: the lossless path cannot do them, so the
  // generation-loss guard does not apply, and without -q the input's own quality is kept.
  const bool pixels_change = options.reencode.resize.any() || options.reencode.to_srgb;

  Image image;
  resize::Size target;  // the output size, stored orientation
  Subsampling subsampling = options.reencode.subsampling;
  std::optional<Outcome> lossless;
  if (png_input) {
    // A PPM's samples are used where they are (`input` outlives `image`).
    image = pnm::is_pnm(input) ? pnm::view(input, options.limits) : read_pixel_file(input, options);
    target = resize::fit({image.width, image.height}, options.reencode.resize, image.orientation);
  } else {
    const JpegFile file = JpegFile::parse(Bytes(input.begin(), input.end()));
    check_supported(file);
    // The lossless result is the fallback and the size to beat.
    lossless = optimize(input, options);
    lossless->mode = Mode::Lossless;
    if (lossless->status == FileStatus::Skipped) return *lossless;
    const auto estimate = estimate_input_quality(file);
    if (!options.reencode.quality && estimate) quality = estimate->quality;
    if (estimate && quality >= estimate->quality && !options.reencode.force && !pixels_change) {
      lossless->notes.push_back(guard_note(estimate->quality, quality));
      return *lossless;
    }
    if (subsampling == Subsampling::Auto) subsampling = subsampling_of(file.frame());
    const resize::Size stored{file.frame().width, file.frame().height};
    const ByteView primary = ByteView(file.data()).first(file.primary_end());
    const int orientation = metadata::plan(file, MetadataPolicy::none()).orientation.value_or(1);
    target = resize::fit(stored, options.reencode.resize, orientation);
    image = jpeg_pixels::decode(primary, options.limits, resize::dct_scale_denom(stored, target));
  }

  if (!(target == resize::Size{image.width, image.height})) image = resize::resize(image, target);
  if (options.reencode.to_srgb) colour::to_srgb(image);
  if (subsampling == Subsampling::Auto) subsampling = subsampling_for_pixels(image);

  // The coefficients go straight to the lossless back end (no JPEG written and read back).
  auto coefficients = encoder::coefficients(image, subsampling, quality, encoder::Tuning::best());
  Wrapper wrapper = make_wrapper(input, image, options);
  if (wrapper.plan.c2pa_kept) {
    Outcome skipped;
    skipped.bytes_in = input.size();
    skipped.status = FileStatus::Skipped;
    skipped.reason = ErrorCode::C2paSigned;
    skipped.message = "C2PA-signed: any change breaks the signature (--strip c2pa to remove it)";
    return skipped;
  }
  Finished finished = finish(wrapper, std::move(coefficients), image, options);

  Outcome o;
  o.mode = Mode::Reencode;
  o.bytes_in = input.size();
  o.bytes_out = finished.bytes.size();
  o.quality = quality;
  o.width = image.width;
  o.height = image.height;
  o.coding = finished.coding;
  o.scan_script = finished.scan_script;
  o.encodes = finished.encodes;
  o.metadata_removed = wrapper.removed;
  o.notes = wrapper.notes;
  o.ssim = finished.ssim;  // of the written file: compare().ssim_luma
  if (lossless && o.bytes_out >= lossless->bytes_out) {
    lossless->notes.push_back(lossless_wins_note(o.bytes_out, lossless->bytes_out));
    return *lossless;
  }
  if (png_input || options.force || worth_writing(input.size(), o.bytes_out, options)) {
    o.status = FileStatus::Optimized;
    o.bytes = std::move(finished.bytes);
  } else {
    o.status = FileStatus::Unchanged;
  }
  return o;
}

}  // namespace jpegopt
