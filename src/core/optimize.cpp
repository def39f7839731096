#include "jpegopt/optimize.hpp"

#include <fmt/format.h>

#include <optional>

#include "core/assemble.hpp"
#include "core/jpeg_file.hpp"
#include "core/lossless.hpp"
#include "core/metadata.hpp"
#include "core/segment_kind.hpp"
#include "core/transform.hpp"

namespace jpegopt {

namespace {

void check_supported(const JpegFile& file) {
  const Frame& frame = file.frame();
  if (frame.sof_marker == 0)
    throw Error(ErrorCode::CorruptData, "no frame header (SOF) before EOI");
  if (frame.lossless())
    throw Error(ErrorCode::Unsupported, "lossless JPEG (SOF3) is not supported");
  if (frame.hierarchical())
    throw Error(ErrorCode::Unsupported, "hierarchical JPEG is not supported");
  if (frame.precision != 8)
    throw Error(ErrorCode::Unsupported,
                fmt::format("{}-bit JPEG is not supported", frame.precision));
  // A zero height is legal when a DNL marker after the first scan gives it (T.81 B.2.5), but
  // libjpeg-turbo cannot decode that; without DNL the frame is simply broken.
  if (frame.height == 0 && frame.width > 0 && !file.segments(marker::kDnl).empty())
    throw Error(ErrorCode::Unsupported,
                "image height given by a DNL marker is not supported by libjpeg-turbo");
}

// The ICC profile is reassembled in memory to be described; refuse one over the metadata limit
// before doing so (the chunks alone can add up to 16 MB).
void check_metadata_limits(const JpegFile& file, const Limits& limits) {
  std::uint64_t icc_bytes = 0;
  for (const Part* p : file.segments(0xE2))
    if (classify_segment(0xE2, file.payload_of(*p)).kind == SegmentKind::Icc)
      icc_bytes += p->payload_size();
  if (icc_bytes > limits.max_metadata_bytes)
    throw Error(ErrorCode::MetadataLimit,
                fmt::format("ICC profile chunks of {} bytes, over the metadata limit of {}",
                            icc_bytes, limits.max_metadata_bytes));
}

}  // namespace

Outcome optimize(std::span<const std::uint8_t> input, const Options& options) {
  Outcome outcome;
  outcome.bytes_in = input.size();
  const JpegFile file = JpegFile::parse(Bytes(input.begin(), input.end()));
  check_supported(file);
  check_metadata_limits(file, options.limits);
  outcome.width = file.frame().width;
  outcome.height = file.frame().height;
  outcome.arithmetic_input = file.frame().arithmetic();

  metadata::Plan plan = metadata::plan(file, options.metadata);
  if (plan.c2pa_kept) {
    outcome.status = FileStatus::Skipped;
    outcome.reason = ErrorCode::C2paSigned;
    outcome.message = "C2PA-signed: any change breaks the signature (--strip c2pa to remove it)";
    return outcome;
  }
  outcome.metadata_removed = plan.removed;
  outcome.notes = plan.notes;
  assemble::drop_orphan_mpf(plan, file, outcome.metadata_removed);

  ByteView primary = ByteView(file.data()).first(file.primary_end());
  TransformResult transformed;
  if (options.transform.any()) {
    transformed = apply_transform(primary, options.transform, plan.orientation, options.limits);
    for (auto& note : transformed.notes)
      outcome.notes.push_back(note);
    if (transformed.transformed) {
      primary = transformed.jpeg;
      outcome.width = transformed.width;
      outcome.height = transformed.height;
      assemble::update_exif_geometry(plan, transformed.remaining_orientation, transformed.width,
                                     transformed.height);
      if (!file.trailer().empty() && plan.keep_trailer)
        outcome.notes.push_back("images after EOI (gain maps, MPO frames) are kept untransformed");
    }
  }
  // The source lives only until the winner is encoded: verification compares digests, so the
  // result is decoded after the source's coefficients are freed.
  auto source = std::make_optional<lossless::Source>(primary, options.limits);
  const lossless::Digest source_digest =
      options.verify ? lossless::coefficient_digest(*source) : lossless::Digest{};
  const bool arithmetic_out = options.arithmetic;
  const auto result = lossless::search(*source, options.coding, options.effort, arithmetic_out);
  source.reset();
  outcome.encodes = result.encodes;
  outcome.coding = arithmetic_out ? "arithmetic" : result.progressive ? "progressive" : "baseline";
  outcome.scan_script = result.description;

  // Assemble: SOI, the kept segments, the encoded image after its SOI, then the trailer.
  assemble::Assembled assembled = assemble::assemble(plan, result.jpeg, &file);
  Bytes& out = assembled.bytes;
  const std::size_t new_primary_end = assembled.primary_end;

  if (options.verify) {
    lossless::Source check(ByteView(out).first(new_primary_end), options.limits);
    if (!(lossless::coefficient_digest(check) == source_digest))
      throw Error(ErrorCode::VerifyFailed, "the result's DCT coefficients differ from the input's");
    if (plan.mpf_segment) assemble::check_mpf_targets(out);
    outcome.pixels_identical = true;
  }

  outcome.bytes_out = out.size();
  const std::size_t saved = out.size() < input.size() ? input.size() - out.size() : 0;
  const bool worth_it = saved > 0 && saved > options.threshold_bytes &&
                        100.0 * static_cast<double>(saved) / static_cast<double>(input.size()) >
                            options.threshold_percent;
  const bool convert_arithmetic = outcome.arithmetic_input && options.huffman;
  if (outcome.arithmetic_input && !options.huffman && !options.arithmetic)
    outcome.notes.push_back(
        "arithmetic-coded input: browsers cannot show it; --huffman converts it");
  if (worth_it || options.force || convert_arithmetic || transformed.transformed) {
    outcome.status = FileStatus::Optimized;
    outcome.bytes = std::move(out);
  } else {
    outcome.status = FileStatus::Unchanged;
  }
  return outcome;
}

}  // namespace jpegopt
