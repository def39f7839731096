#include "cli/args.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <sstream>

#include "core/segment_kind.hpp"
#include "core/size_limit.hpp"
#include "core/target.hpp"

namespace jpegopt::cli {

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

constexpr const char* kKindList =
    "exif, gps, thumbnail, xmp, iptc, icc, com, jfif, adobe, mpf, c2pa, other";

}  // namespace

MetadataPolicy parse_metadata_policy(const std::string& strip, const std::string& keep) {
  MetadataPolicy policy = MetadataPolicy::safe();
  if (strip == "safe" || strip.empty()) {
    policy = MetadataPolicy::safe();
  } else if (strip == "none") {
    policy = MetadataPolicy::none();
  } else if (strip == "all") {
    policy = MetadataPolicy::all();
  } else {
    policy = MetadataPolicy::none();
    for (const auto& item : split_list(strip)) {
      if (item == "gps") {
        policy.strip_gps = true;
      } else if (item == "thumbnail") {
        policy.strip_thumbnail = true;
      } else if (auto kind = meta_kind_from_name(item)) {
        policy.set_strip(*kind, true);
        if (*kind == MetaKind::Exif) policy.keep_orientation = false;
        if (*kind == MetaKind::Mpf) policy.keep_trailer = false;
      } else {
        throw CLI::ValidationError(
            "--strip",
            "unknown kind '" + item + "'; use safe, none, all or a list of: " + kKindList);
      }
    }
  }
  for (const auto& item : split_list(keep)) {
    auto kind = meta_kind_from_name(item);
    if (!kind)
      throw CLI::ValidationError("--keep",
                                 "unknown kind '" + item + "'; use a list of: " + kKindList);
    policy.set_strip(*kind, false);
    if (*kind == MetaKind::Mpf) policy.keep_trailer = true;
  }
  return policy;
}

void bind_optimize_args(CLI::App& app, OptimizeArgs& a) {
  app.add_option("files", a.files, "Files, or folders with -r, to optimize (- = stdin)");
  auto* out = app.add_option("-o,--output", a.output, "Write the result to FILE (one input only)");
  auto* std_out = app.add_flag("--stdout", a.to_stdout, "Write the result to standard output");
  out->excludes(std_out);

  auto* meta = app.add_option_group("Metadata");
  meta->add_option("--strip", a.strip,
                   "safe (default), none, all, or kinds: exif,gps,\n"
                   "thumbnail,xmp,iptc,icc,com,jfif,adobe,mpf,\n"
                   "c2pa,other");
  meta->add_option("--keep", a.keep, "Kinds to keep whatever --strip says, e.g. icc,exif");

  auto* coding = app.add_option_group("Coding");
  auto* prog = coding->add_flag("--progressive", a.progressive, "Write progressive only");
  auto* base = coding->add_flag("--baseline", a.baseline, "Write baseline (sequential) only");
  prog->excludes(base);
  coding->add_flag("--arithmetic", a.arithmetic, "Arithmetic coding (browsers cannot show it)");
  coding->add_flag("--huffman", a.huffman, "Convert arithmetic-coded input even if larger");
  coding->add_option("-O,--effort", a.effort, "Scan search: fast|default|max or 1..3")
      ->capture_default_str();
  coding->add_flag("--no-verify", a.no_verify, "Skip the coefficient check (benchmarks only)");
  coding->add_option("--threshold", a.threshold,
                     "Replace only when saving more than N bytes or N%");
  coding->add_flag("-f,--force", a.force, "Write the result even when it is not smaller");

  auto* xf = app.add_option_group("Lossless transforms");
  xf->add_option("--rotate", a.rotate, "Rotate clockwise by 90, 180 or 270 degrees")
      ->check(CLI::IsMember({90, 180, 270}));
  xf->add_option("--flip", a.flip, "Mirror: horizontal or vertical")
      ->check(CLI::IsMember({"horizontal", "vertical"}));
  xf->add_flag("--transpose", a.transpose, "Transpose across the upper-left diagonal");
  xf->add_flag("--transverse", a.transverse, "Transpose across the upper-right diagonal");
  xf->add_option("--crop", a.crop, "Crop to WxH+X+Y (origin snaps to the block grid)");
  xf->add_flag("--grayscale", a.grayscale, "Drop the colour components");
  xf->add_flag("--auto-orient", a.auto_orient, "Apply the EXIF orientation and reset it to 1");
  xf->add_flag("--perfect", a.perfect, "Fail if edge blocks cannot be transformed");
  xf->add_flag("--trim", a.trim, "Drop edge blocks that cannot be transformed");

  auto* target = app.add_option_group("Target size");
  target->add_option("-S,--target-size,--max-size", a.target_size,
                     "At most SIZE bytes, metadata included: 150000,\n"
                     "100KB (1000s), 200KiB (1024s), 1.5MB, or N%");
  target->add_option("--min-quality", a.min_quality,
                     "Lowest quality before downscaling (default 50)");
  target->add_flag("--no-resize", a.no_resize, "Never downscale to reach the target");
  auto* ssim =
      target->add_option("--min-ssim", a.min_ssim, "Smallest file with SSIM at least X (0..1)");
  auto* lossless_look = target->add_flag("--visually-lossless", a.visually_lossless,
                                         "Smallest file that looks the same (SSIM 0.995,\n"
                                         "quality 90 or more)");
  ssim->excludes(lossless_look);

  auto* lim = app.add_option_group("Limits and output");
  lim->add_option("--max-pixels", a.max_pixels, "Refuse larger images")->capture_default_str();
  lim->add_option("--max-scans", a.max_scans, "Refuse files with more scans")
      ->capture_default_str();
  lim->add_option("--max-memory", a.max_memory_mib, "Decoder memory limit in MiB (0: none)")
      ->capture_default_str();
  lim->add_flag("-p,--preserve", a.preserve, "Keep modification and access times");
  // -q is --quality (cjpeg/ImageMagick users expect a quality there), so quiet is long only.
  lim->add_flag("--quiet", a.quiet, "Print errors only");
  lim->add_flag("-v,--verbose", a.verbose, "Print the scan script and notes");

  auto* batch = app.add_option_group("Batch");
  batch->add_flag("-r,--recursive", a.recursive, "Process the JPEG files in folders, recursively");
  batch->add_flag("--follow-symlinks", a.follow_symlinks, "Walk into symlinked folders");
  batch->add_option("--files-from", a.files_from, "Read more input paths from FILE (- = stdin)");
  batch->add_flag("-0,--null", a.null_separated, "--files-from paths are NUL-separated");
  batch->add_option("--exclude", a.excludes, "Skip paths matching GLOB (repeatable)")
      ->allow_extra_args(false);
  auto* dest = batch->add_option("-d,--dest", a.dest, "Write results under DIR, mirroring folders");
  dest->excludes(out)->excludes(std_out);
  batch->add_option("--suffix", a.suffix, "Write NAME+STR.jpg beside the input (or under -d)")
      ->excludes(out)
      ->excludes(std_out);
  batch->add_flag("--overwrite", a.overwrite, "Replace existing files under -d/--suffix");
  batch->add_flag("--copy-unchanged", a.copy_unchanged, "Copy files not made smaller into -d");
  batch->add_flag("-n,--dry-run", a.dry_run, "Compute everything, write nothing");
  batch->add_option("-j,--jobs", a.jobs, "Parallel workers (default: hardware threads)");
  batch->add_flag("--json", a.json, "JSON Lines report on stdout (docs/json-report.md)");
  batch->add_flag("--check", a.check, "Write nothing; exit 3 if some file would shrink");

  auto* re = app.add_option_group("Re-encoding");
  re->add_option("-q,--quality", a.quality, "Re-encode at quality 1..100 (also converts PNG/PNM)");
  re->add_flag("--force-reencode", a.force_reencode, "Re-encode even above the input's quality");
  re->add_option("--subsampling", a.subsampling, "Chroma: auto (default), 444, 422, 420, 440");
  re->add_option("--background", a.background, "PNG alpha background: #rrggbb|white|black");
  re->add_option("--max-width", a.max_width, "Shrink to at most N pixels wide (as displayed)");
  re->add_option("--max-height", a.max_height, "Shrink to at most N pixels high (as displayed)");
  re->add_option("--resize", a.resize, "Fit inside WxH, keeping the aspect ratio");
  re->add_option("--scale", a.scale, "Scale both sides to PCT percent");
  re->add_flag("--upscale", a.upscale, "Allow --max-width/--max-height/--resize to enlarge");
  re->add_flag("--to-srgb", a.to_srgb, "Convert pixels from the ICC profile to sRGB, drop it");
}

namespace {

Effort parse_effort(const std::string& text) {
  if (text == "fast" || text == "1") return Effort::Fast;
  if (text == "default" || text == "2") return Effort::Default;
  if (text == "max" || text == "3") return Effort::Max;
  throw CLI::ValidationError("--effort", "'" + text + "' is not fast, default, max or 1..3");
}

std::optional<Crop> parse_crop(const std::string& text) {
  if (text.empty()) return std::nullopt;
  Crop crop;
  char x = 0, p1 = 0, p2 = 0;
  std::istringstream in(text);
  if (!(in >> crop.width >> x >> crop.height >> p1 >> crop.x >> p2 >> crop.y) || x != 'x' ||
      p1 != '+' || p2 != '+' || crop.width <= 0 || crop.height <= 0 || crop.x < 0 || crop.y < 0 ||
      in.peek() != EOF)
    throw CLI::ValidationError("--crop", "'" + text + "' is not WxH+X+Y, e.g. 640x480+16+16");
  return crop;
}

void parse_threshold(const std::string& text, Options& options) {
  if (text.empty()) return;
  const bool percent = text.back() == '%';
  const std::string number = percent ? text.substr(0, text.size() - 1) : text;
  double value = -1;
  const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || ptr != number.data() + number.size() || value < 0 ||
      (percent && value >= 100) ||
      (!percent && value != static_cast<double>(static_cast<std::size_t>(value))))
    throw CLI::ValidationError("--threshold", "'" + text + "' is not a byte count or a percentage");
  if (percent)
    options.threshold_percent = value;
  else
    options.threshold_bytes = static_cast<std::size_t>(value);
}

// A decimal number in [lo, hi]; nothing else on the line.
std::optional<double> parse_number(const std::string& text, double lo, double hi) {
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !(value >= lo && value <= hi))
    return std::nullopt;
  return value;
}

void parse_target(const OptimizeArgs& a, Options& o) {
  auto& t = o.target;
  if (a.target_size) {
    try {
      t.max_size = parse_size_limit(*a.target_size);
    } catch (const Error& e) {
      throw CLI::ValidationError("--target-size", e.what());
    }
  }
  if (!a.min_quality.empty()) {
    const auto q = parse_number(a.min_quality, 1, 100);
    if (!q)
      throw CLI::ValidationError("--min-quality",
                                 "'" + a.min_quality + "' is not a quality 1..100");
    t.min_quality = *q;
  }
  t.allow_resize = !a.no_resize;
  if (!a.min_ssim.empty()) {
    const auto x = parse_number(a.min_ssim, 0, 1);
    if (!x || *x <= 0 || *x >= 1)
      throw CLI::ValidationError("--min-ssim", "'" + a.min_ssim + "' is not above 0 and below 1");
    t.min_ssim = *x;
  }
  if (a.visually_lossless) {
    t.min_ssim = kVisuallyLosslessSsim;
    t.min_ssim_quality = kVisuallyLosslessMinQuality;
  }
  if (!t.any() && (!a.min_quality.empty() || a.no_resize))
    throw CLI::ValidationError("--min-quality/--no-resize",
                               "need a target: -S SIZE, --min-ssim or --visually-lossless");
}

double parse_real(const std::string& option, const std::string& text, const char* what) {
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      !std::isfinite(value))
    throw CLI::ValidationError(option, "'" + text + "' is not " + what);
  return value;
}

Subsampling parse_subsampling(const std::string& text) {
  if (text == "auto") return Subsampling::Auto;
  if (text == "444") return Subsampling::S444;
  if (text == "422") return Subsampling::S422;
  if (text == "420") return Subsampling::S420;
  if (text == "440") return Subsampling::S440;
  throw CLI::ValidationError("--subsampling", "'" + text + "' is not auto, 444, 422, 420 or 440");
}

std::array<std::uint8_t, 3> parse_background(const std::string& text) {
  if (text.empty() || text == "white") return {255, 255, 255};
  if (text == "black") return {0, 0, 0};
  std::array<std::uint8_t, 3> rgb{};
  bool ok = text.size() == 7 && text[0] == '#';
  for (std::size_t i = 0; ok && i < 3; ++i) {
    unsigned value = 0;
    const char* first = text.data() + 1 + 2 * i;
    const auto [ptr, ec] = std::from_chars(first, first + 2, value, 16);
    ok = ec == std::errc() && ptr == first + 2;
    rgb[i] = static_cast<std::uint8_t>(value);
  }
  if (!ok)
    throw CLI::ValidationError("--background", "'" + text + "' is not #rrggbb, white or black");
  return rgb;
}

void parse_reencode(const OptimizeArgs& a, ReencodeOptions& r) {
  if (!a.quality.empty()) {
    const double q = parse_real("--quality", a.quality, "a number from 1 to 100");
    if (q < 1 || q > 100)
      throw CLI::ValidationError("--quality", "'" + a.quality + "' is not a number from 1 to 100");
    r.quality = q;
  }
  r.force = a.force_reencode;
  r.subsampling = parse_subsampling(a.subsampling);
  r.background = parse_background(a.background);
  r.to_srgb = a.to_srgb;
  if (a.max_width < 0 || a.max_height < 0)
    throw CLI::ValidationError("--max-width/--max-height", "sizes must be positive");
  r.resize.max_width = a.max_width;
  r.resize.max_height = a.max_height;
  if (!a.resize.empty()) {
    int w = 0, h = 0;
    char x = 0;
    std::istringstream in(a.resize);
    if (!(in >> w >> x >> h) || x != 'x' || w <= 0 || h <= 0 || in.peek() != EOF)
      throw CLI::ValidationError("--resize", "'" + a.resize + "' is not WxH, e.g. 1600x1200");
    if (a.max_width > 0 || a.max_height > 0)
      throw CLI::ValidationError("--resize", "use either --resize or --max-width/--max-height");
    r.resize.max_width = w;
    r.resize.max_height = h;
  }
  if (!a.scale.empty()) {
    std::string number = a.scale;
    if (!number.empty() && number.back() == '%') number.pop_back();
    const double pct = parse_real("--scale", number, "a percentage");
    if (pct <= 0 || pct > 1000)
      throw CLI::ValidationError("--scale", "'" + a.scale + "' is not a percentage in (0, 1000]");
    r.resize.scale_percent = pct;
  }
  r.resize.upscale = a.upscale;
}

}  // namespace

Options to_options(const OptimizeArgs& a) {
  Options o;
  o.metadata = parse_metadata_policy(a.strip, a.keep);
  o.coding = a.progressive ? Coding::Progressive : a.baseline ? Coding::Baseline : Coding::Auto;
  o.arithmetic = a.arithmetic;
  o.huffman = a.huffman;
  o.effort = parse_effort(a.effort);
  o.verify = !a.no_verify;
  parse_threshold(a.threshold, o);
  o.force = a.force;
  int explicit_transforms = (a.rotate != 0) + !a.flip.empty() + a.transpose + a.transverse;
  if (explicit_transforms > 1)
    throw CLI::ValidationError("--rotate/--flip/--transpose/--transverse", "choose one transform");
  auto& t = o.transform;
  if (a.rotate == 90) t.transform = Transform::Rot90;
  if (a.rotate == 180) t.transform = Transform::Rot180;
  if (a.rotate == 270) t.transform = Transform::Rot270;
  if (a.flip == "horizontal") t.transform = Transform::FlipH;
  if (a.flip == "vertical") t.transform = Transform::FlipV;
  if (a.transpose) t.transform = Transform::Transpose;
  if (a.transverse) t.transform = Transform::Transverse;
  t.crop = parse_crop(a.crop);
  t.grayscale = a.grayscale;
  t.auto_orient = a.auto_orient;
  t.perfect = a.perfect;
  t.trim = a.trim;
  if (a.perfect && a.trim) throw CLI::ValidationError("--perfect/--trim", "choose one of them");
  if (a.max_pixels == 0 || a.max_scans <= 0)
    throw CLI::ValidationError("--max-pixels/--max-scans", "limits must be positive");
  o.limits.max_pixels = a.max_pixels;
  o.limits.max_scans = a.max_scans;
  if (a.max_memory_mib < 0 || a.max_memory_mib > (1L << 40))
    throw CLI::ValidationError("--max-memory", "must be 0 (no limit) or a number of MiB");
  o.limits.max_memory = a.max_memory_mib << 20;
  parse_target(a, o);
  parse_reencode(a, o.reencode);
  if (o.reencode.quality && o.transform.any())
    throw CLI::ValidationError("--quality", "lossless transforms cannot be combined with -q");
  return o;
}

}  // namespace jpegopt::cli
