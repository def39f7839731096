// Re-encoding at a quality (-q): decode (JPEG or PNG), resize, convert colour, encode with the
// coefficient-domain encoder, then hand the result to the lossless back end and wrap it in the
// source's kept metadata.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/image.hpp"
#include "core/jpeg_file.hpp"
#include "core/metadata.hpp"
#include "jpegopt/optimize.hpp"
#include "jpegopt/options.hpp"

namespace jpegopt {

namespace lossless {
class Source;
}

// Quality of a PNG conversion asked for by a resize or --to-srgb without -q: high enough that
// photographs show no visible loss (butteraugli around 1.5 on the corpus), still several times
// smaller than the PNG.
inline constexpr double kDefaultPngQuality = 90;

// Re-encodes a JPEG or PNG held in memory at options.reencode.quality (kDefaultPngQuality for PNG
// input without one). JPEG input at or below the requested quality (estimated from its tables)
// is optimized losslessly instead unless options.reencode.force; a re-encode that is not smaller
// than the lossless result loses to it. Outcome.notes says why in both cases. Throws
// jpegopt::Error like optimize().
Outcome reencode(ByteView input, const Options& options);

// PNG or PNM (pixels, not a JPEG): what -q and -S convert and plain optimization refuses.
bool is_pixel_file(ByteView input);
// Decodes a PNG (alpha onto options.reencode.background) or a PNM under options.limits.
Image read_pixel_file(ByteView input, const Options& options);

namespace reencoding {

// The exact notes of the two fallbacks (tests compare them).
std::string guard_note(int input_quality, double quality);
std::string lossless_wins_note(std::size_t reencoded_bytes, std::size_t lossless_bytes);

// Chroma subsampling for Subsampling::Auto. JPEG input: the input's own (from the frame's
// sampling factors). PNG input (pixels): 4:4:4 when sharp colour edges are common (text,
// diagrams, screenshots, logos), else 4:2:0 (photographs). See docs/reencode.md.
Subsampling subsampling_of(const Frame& frame);
Subsampling subsampling_for_pixels(const Image& image);

// Everything of the source that goes into the output besides the pixels: the kept segments (the
// source's metadata plan, or for PNG the ICC profile and orientation), and the source file for
// its trailer (MPF secondary images).
struct Wrapper {
  metadata::Plan plan;
  std::optional<JpegFile> source;  // the JPEG input, when it was one
  std::array<std::size_t, kMetaKindCount> removed{};
  std::vector<std::string> notes;
};

// The wrapper of a re-encode of `input` (a JPEG or a PNG) whose pixels are now `pixels`
// (final size; its icc is the profile that describes them, empty after --to-srgb; its
// orientation the one to record). Applies options.metadata like the lossless path, drops ICC
// segments when `pixels` has no profile, writes a PNG's profile as APP2 ICC_PROFILE chunks and
// its orientation as a minimal EXIF, updates EXIF dimensions, and writes the Adobe APP14 a
// CMYK encode needs. `plan.c2pa_kept` is set when the source is C2PA-signed and the policy keeps
// the manifest (the caller should skip such a file).
Wrapper make_wrapper(ByteView input, const Image& pixels, const Options& options);

struct Finished {
  Bytes bytes;              // the complete output file
  double ssim = 0;          // luma SSIM of the output against the `reference` given to finish()
  std::string coding;       // "baseline", "progressive" or "arithmetic"
  std::string scan_script;  // the winning script, described
  int encodes = 0;
};

// Turns the encoder's coefficients (encoder::coefficients) into the final file: the lossless back
// end (optimized Huffman, baseline/progressive choice and scan search, per options.coding,
// options.effort and options.arithmetic; its coefficients verified when options.verify), then
// SOI + the wrapper's segments + the image + the source's trailer with MPF offsets fixed.
// `source` is freed once written. The file is decoded once, for the verification and for the
// SSIM of its pixels against `reference` (what compare(reference, file) reports).
Finished finish(const Wrapper& wrapper, std::unique_ptr<lossless::Source> source,
                const Image& reference, const Options& options);

}  // namespace reencoding

}  // namespace jpegopt
