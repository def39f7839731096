// Every file of ../shared/corpus/edge with its expected outcome under the default options
// (lossless, safe preset), asserted through process() and through an in-place CLI run on copies:
// the CLI reports each failure with process()'s message, writes exactly process()'s bytes for the
// files it optimizes and leaves every other file byte-identical. The same table, with the
// messages, is in docs/edge-cases.md; keep them in step.
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "jpegopt/error.hpp"
#include "jpegopt/optimize.hpp"
#include "support/run_cli.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;

namespace {

enum class Expect { Optimized, Unchanged, Skipped, Failed };

struct Row {
  const char* file;
  Expect expect;
  std::optional<ErrorCode> code = std::nullopt;  // for Skipped and Failed
};

// Decisions worth a word (docs/edge-cases.md has them all):
// - dnl-height-zero.jpg: height 0 in SOF1 and a DNL marker after the scan is valid JPEG that
//   libjpeg-turbo cannot decode, so `unsupported`; zero-width-0x800.jpg has no DNL (width 0 is
//   never valid), so `corrupt_data`.
// - lossless-*, precision-12bit-*: SOF3 and 12-bit frames are refused as `unsupported` from the
//   frame header, before libjpeg sees them.
// - huge-dims-65535x65535.jpg: libjpeg-turbo's 65500 limit and the pixel limit both say
// `too_large`.
// - corrupt data that libjpeg only warns about (extraneous bytes, premature end of a segment) is
//   `corrupt_data`: jpegopt never rewrites a file whose coefficients it could not read exactly.
const std::vector<Row> kTable = {
    {"app-segment-zoo-8x8.jpg", Expect::Failed, ErrorCode::Unsupported},
    {"app2-to-app9-infiray-8x8.jpg", Expect::Optimized},
    {"app6-gopro-8x8.jpg", Expect::Optimized},
    {"arithmetic-sequential-ijg.jpg", Expect::Unchanged},
    {"cmyk-adobe-mixed-sampling-256.jpg", Expect::Optimized},
    {"cmyk-adobe-with-jfif-32x32.jpg", Expect::Unchanged},
    {"com-marker-hopper.jpg", Expect::Optimized},
    {"corrupt-bad-huffman-code.jpg", Expect::Failed, ErrorCode::Truncated},
    {"corrupt-marker-f7-instead-of-rst.jpg", Expect::Failed, ErrorCode::CorruptData},
    {"corrupt-progressive-params.jpg", Expect::Failed, ErrorCode::CorruptData},
    {"corrupt-zero-run.jpg", Expect::Failed, ErrorCode::Truncated},
    {"dc-predictor-overflow.jpg", Expect::Failed, ErrorCode::CorruptData},
    {"derive-huffman-codes-overflow.jpg", Expect::Failed, ErrorCode::CorruptData},
    {"dnl-height-zero.jpg", Expect::Failed, ErrorCode::Unsupported},
    {"dqt-16bit-1x1.jpg", Expect::Optimized},
    {"empty-zero-bytes.jpg", Expect::Failed, ErrorCode::NotJpeg},
    {"exif-bad-ifd-gray.jpg", Expect::Failed, ErrorCode::CorruptData},
    {"exif-empty-gps-ifd.jpg", Expect::Optimized},
    {"exif-multiple-app1.jpg", Expect::Optimized},
    {"extraneous-bytes-before-eoi.jpg", Expect::Failed, ErrorCode::CorruptData},
    {"ff00-in-header.jpg", Expect::Failed, ErrorCode::CorruptData},
    {"gainmap-apple-iphone13mini-p3-old.jpg", Expect::Optimized},
    {"gainmap-xmp-pixel8pro-8x8.jpg", Expect::Optimized},
    {"gray-1000x1.jpg", Expect::Optimized},
    {"gray-1x1000.jpg", Expect::Optimized},
    {"gray-oneplus-512.jpg", Expect::Optimized},
    {"huge-dims-65535x65535.jpg", Expect::Failed, ErrorCode::TooLarge},
    {"icc-400k-in-7-chunks-progressive.jpg", Expect::Optimized},
    {"icc-after-sof.jpg", Expect::Unchanged},
    {"icc-chunks-out-of-order.jpeg", Expect::Optimized},
    {"icc-display-p3-synthetic-1000.jpg", Expect::Optimized},
    {"icc-missing-chunk.jpeg", Expect::Optimized},
    {"icc-srgb-v4-61k-gps-ghost-town.jpg", Expect::Optimized},
    {"invalid-dimensions-3360x0.jpg", Expect::Failed, ErrorCode::Truncated},
    {"iptc-app13-adobe-cm.jpg", Expect::Optimized},
    {"iptc-app13-multiple-progressive.jpg", Expect::Optimized},
    {"junk-between-segments.jpg", Expect::Failed, ErrorCode::CorruptData},
    {"lossless-invalid-prediction-shift.jpg", Expect::Failed, ErrorCode::Unsupported},
    {"lossless-sof3-16bit-gray.jpg", Expect::Failed, ErrorCode::Unsupported},
    {"makernote-canon-1dmk3-8x8.jpg", Expect::Optimized},
    {"missing-sof.jpg", Expect::Failed, ErrorCode::Truncated},
    {"missing-sos.jpg", Expect::Failed, ErrorCode::CorruptData},
    {"mjpeg-avi1-no-dht.jpg", Expect::Failed, ErrorCode::CorruptData},
    {"mpo-3ds-stereo.mpo", Expect::Optimized},
    {"mpo-bad-mpf-header.jpg", Expect::Failed, ErrorCode::CorruptMetadata},
    {"multiple-ff-before-eoi.jpg", Expect::Optimized},
    {"not-a-jpeg-png-named-jpg.jpg", Expect::Failed, ErrorCode::InvalidArgument},
    {"not-a-jpeg-starts-ff00.jpg", Expect::Failed, ErrorCode::NotJpeg},
    {"orientation-2.jpg", Expect::Optimized},
    {"orientation-3.jpg", Expect::Optimized},
    {"orientation-4.jpg", Expect::Optimized},
    {"orientation-5.jpg", Expect::Optimized},
    {"orientation-6.jpg", Expect::Optimized},
    {"orientation-7.jpg", Expect::Optimized},
    {"orientation-8.jpg", Expect::Optimized},
    {"precision-12bit-monkey-icc.jpg", Expect::Failed, ErrorCode::Unsupported},
    {"progressive-32x32.jpg", Expect::Optimized},
    {"progressive-missing-ac.jpg", Expect::Unchanged},
    {"progressive-non-interleaved-mcu.jpg", Expect::Optimized},
    {"progressive-oneplus-512.jpg", Expect::Optimized},
    {"progressive-partial-scans.jpg", Expect::Failed, ErrorCode::CorruptData},
    {"restart-interval-192-bicycles.jpg", Expect::Optimized},
    {"restart-interval-5-33x33.jpg", Expect::Optimized},
    {"restart-trailing-rst.jpg", Expect::Optimized},
    {"rgb-component-ids-xyb-icc-sof1.jpg", Expect::Optimized},
    {"sampling-420-non-interleaved.jpg", Expect::Optimized},
    {"sampling-422-nokia-iptc.jpg", Expect::Optimized},
    {"sampling-440-tiny-exif.jpg", Expect::Optimized},
    {"sampling-444-partially-interleaved.jpg", Expect::Optimized},
    {"size-15x15.jpg", Expect::Unchanged},
    {"size-1x1.jpg", Expect::Unchanged},
    {"size-2x2.jpg", Expect::Unchanged},
    {"size-33x33.jpg", Expect::Unchanged},
    {"size-7x7.jpg", Expect::Unchanged},
    {"trailer-afcp-8x8.jpg", Expect::Unchanged},
    {"trailer-photomechanic-8x8.jpg", Expect::Optimized},
    {"trailing-garbage-2713b-traveler-sx330z.jpg", Expect::Optimized},
    {"truncated-1k-baseline.jpg", Expect::Failed, ErrorCode::Truncated},
    {"truncated-app14-no-sof.jpg", Expect::Failed, ErrorCode::CorruptData},
    {"truncated-progressive.jpg", Expect::Failed, ErrorCode::Truncated},
    {"truncated-zero-run-3840x5760.jpg", Expect::Failed, ErrorCode::Truncated},
    {"undefined-huffman-table.jpg", Expect::Failed, ErrorCode::CorruptData},
    {"xmp-no-prefix.jpg", Expect::Optimized},
    {"xmp-padded.jpg", Expect::Optimized},
    {"ycck-adobe-photoshop-thumb.jpg", Expect::Optimized},
    {"ycck-swop-icc-557k-in-9-chunks.jpg", Expect::Optimized},
    {"zero-width-0x800.jpg", Expect::Failed, ErrorCode::CorruptData},
};

std::string describe(const Outcome& o) {
  switch (o.status) {
    case FileStatus::Optimized:
      return "optimized";
    case FileStatus::Unchanged:
      return "unchanged";
    case FileStatus::Skipped:
      return "skipped " + std::string(error_code_name(*o.reason)) + ": " + o.message;
  }
  return "?";
}

fs::path edge_dir() {
  return corpus_dir() / "edge";
}

std::set<std::string> edge_files() {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(edge_dir()))
    if (entry.is_regular_file() && entry.path().filename() != "MANIFEST.tsv")
      names.insert(entry.path().filename().string());
  return names;
}

// What process() does with each file: the outcome, or the error's code and message.
struct Result {
  std::optional<Outcome> outcome;
  std::optional<ErrorCode> error;
  std::string message;
};

Result run_process(const Bytes& input) {
  Result r;
  try {
    r.outcome = process(input, Options{});
  } catch (const Error& e) {
    r.error = e.code();
    r.message = e.what();
  }
  return r;
}

}  // namespace

TEST_CASE("the edge table lists every edge file exactly once", "[edge]") {
  std::set<std::string> listed;
  for (const Row& row : kTable) {
    INFO(row.file);
    CHECK(listed.insert(row.file).second);
    CHECK(row.code.has_value() == (row.expect == Expect::Skipped || row.expect == Expect::Failed));
  }
  CHECK(listed == edge_files());
}

TEST_CASE("process() gives every edge file its expected outcome", "[edge]") {
  for (const Row& row : kTable) {
    INFO(row.file);
    const Bytes input = read_bytes(edge_dir() / row.file);
    const Result r = run_process(input);
    INFO(r.message);
    switch (row.expect) {
      case Expect::Failed:
        REQUIRE_FALSE(r.outcome.has_value());
        CHECK(error_code_name(*r.error) == error_code_name(*row.code));
        CHECK_FALSE(r.message.empty());
        break;
      case Expect::Skipped:
        REQUIRE(r.outcome.has_value());
        CHECK(r.outcome->status == FileStatus::Skipped);
        CHECK(r.outcome->reason == row.code);
        break;
      case Expect::Unchanged:
        REQUIRE(r.outcome.has_value());
        CHECK(describe(*r.outcome) == "unchanged");
        break;
      case Expect::Optimized:
        REQUIRE(r.outcome.has_value());
        REQUIRE(describe(*r.outcome) == "optimized");
        CHECK(r.outcome->bytes.size() < input.size());
        CHECK(r.outcome->pixels_identical);
        CHECK(decode_pixels(r.outcome->bytes) == decode_pixels(input));
        break;
    }
  }
}

TEST_CASE("an in-place CLI run writes only optimized files and keeps every other original",
          "[edge][cli]") {
  TempDir dir;
  std::vector<std::string> args = {"--quiet"};
  for (const Row& row : kTable) {
    fs::copy_file(edge_dir() / row.file, dir / row.file);
    args.push_back((dir / row.file).string());
  }
  const CommandResult cli = run_jpegopt(args);
  CHECK(cli.exit_code == 1);  // some files fail
  for (const Row& row : kTable) {
    INFO(row.file);
    const Bytes original = read_bytes(edge_dir() / row.file);
    const Bytes after = read_bytes(dir / row.file);
    const Result r = run_process(original);
    if (row.expect == Expect::Optimized) {
      REQUIRE(r.outcome.has_value());
      CHECK(after == r.outcome->bytes);
    } else {
      CHECK(after == original);
    }
    if (row.expect == Expect::Failed)
      CHECK_THAT(cli.err, Catch::Contains("jpegopt: " + (dir / row.file).string() + ": " +
                                          r.message + "\n"));
  }
  std::set<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    left.insert(entry.path().filename().string());
  CHECK(left == edge_files());  // no temporary files
}
