#include <catch2/catch.hpp>

#include <string>

#include "core/jpeg_file.hpp"
#include "core/mpf.hpp"
#include "jpegopt/error.hpp"
#include "jpegopt/optimize.hpp"
#include "support/run_cli.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;

namespace {

Options lossless_options(MetadataPolicy policy = MetadataPolicy::safe()) {
  Options o;
  o.metadata = policy;
  return o;
}

ByteView result_of(const Outcome& o, const Bytes& input) {
  return o.status == FileStatus::Optimized ? ByteView(o.bytes) : ByteView(input);
}

Bytes str_bytes(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

}  // namespace

TEST_CASE("lossless grid: smaller and the same pixels around block edges", "[optimize]") {
  struct Sampling {
    int h, v;
  };
  const int width = GENERATE(8, 9, 16, 17, 33);
  const int height = GENERATE(8, 15, 17);
  const auto s = GENERATE(Sampling{1, 1}, Sampling{2, 1}, Sampling{2, 2}, Sampling{1, 2});
  const bool progressive = GENERATE(false, true);
  const int restart = GENERATE(0, 2);
  SynthSpec spec;
  spec.width = width;
  spec.height = height;
  spec.h = s.h;
  spec.v = s.v;
  spec.progressive = progressive;
  spec.restart_interval = restart;
  const Bytes input = make_jpeg(spec);
  const Outcome o = optimize(input, lossless_options());
  INFO(width << "x" << height << " " << s.h << "x" << s.v << (progressive ? " progressive" : "")
             << " restart " << restart);
  if (!progressive) REQUIRE(o.status == FileStatus::Optimized);  // standard tables: always smaller
  if (o.status == FileStatus::Optimized) {
    CHECK(o.bytes.size() < input.size());
    CHECK(o.pixels_identical);
  } else {
    CHECK(o.bytes_out >= input.size());
  }
  CHECK(decode_pixels(result_of(o, input)) == decode_pixels(input));
}

TEST_CASE("lossless: grayscale and CMYK keep their pixels", "[optimize]") {
  SynthSpec spec;
  spec.components = GENERATE(1, 4);
  spec.width = 77;
  spec.height = 41;
  spec.h = spec.v = 1;
  const Bytes input = make_jpeg(spec);
  for (Coding coding : {Coding::Auto, Coding::Baseline, Coding::Progressive}) {
    Options opts = lossless_options();
    opts.coding = coding;
    const Outcome o = optimize(input, opts);
    REQUIRE(o.status == FileStatus::Optimized);
    CHECK(decode_pixels(o.bytes) == decode_pixels(input));
    CHECK(JpegFile::parse(o.bytes).frame().progressive() ==
          (coding == Coding::Progressive || (coding == Coding::Auto && o.coding == "progressive")));
  }
}

TEST_CASE("lossless: forced baseline and progressive output", "[optimize]") {
  SynthSpec spec;
  spec.width = 200;
  spec.height = 120;
  const Bytes input = make_jpeg(spec);
  Options opts = lossless_options();
  opts.coding = Coding::Baseline;
  const Outcome base = optimize(input, opts);
  CHECK(base.coding == "baseline");
  CHECK(!JpegFile::parse(base.bytes).frame().progressive());
  opts.coding = Coding::Progressive;
  const Outcome prog = optimize(input, opts);
  CHECK(prog.coding == "progressive");
  CHECK(JpegFile::parse(prog.bytes).frame().progressive());
  opts.coding = Coding::Auto;
  const Outcome best = optimize(input, opts);
  CHECK(best.bytes.size() == std::min(base.bytes.size(), prog.bytes.size()));
}

TEST_CASE("lossless: every effort level keeps the pixels - max is never worse than fast",
          "[optimize]") {
  for (const auto& path : sample_jpegs()) {
    INFO(path);
    const Bytes input = read_bytes(path);
    std::size_t fast_size = 0;
    for (Effort effort : {Effort::Fast, Effort::Default, Effort::Max}) {
      Options opts = lossless_options(MetadataPolicy::all());
      opts.effort = effort;
      opts.coding = Coding::Progressive;
      const Outcome o = optimize(input, opts);
      CHECK(decode_pixels(result_of(o, input)) == decode_pixels(input));
      if (effort == Effort::Fast) fast_size = o.bytes_out;
      if (effort == Effort::Max) CHECK(o.bytes_out <= fast_size);
    }
  }
}

TEST_CASE("an already optimized file is left unchanged", "[optimize]") {
  const Bytes input = read_bytes(sample_jpegs().front());
  const Outcome first = optimize(input, lossless_options());
  REQUIRE(first.status == FileStatus::Optimized);
  const Outcome second = optimize(first.bytes, lossless_options());
  CHECK(second.status == FileStatus::Unchanged);
  CHECK(second.bytes.empty());
}

TEST_CASE("the threshold keeps small savings from rewriting the file", "[optimize]") {
  const Bytes input = make_jpeg({});
  const Outcome plain = optimize(input, lossless_options());
  REQUIRE(plain.status == FileStatus::Optimized);
  const std::size_t saved = input.size() - plain.bytes.size();
  Options opts = lossless_options();
  opts.threshold_bytes = saved;
  CHECK(optimize(input, opts).status == FileStatus::Unchanged);
  opts.threshold_bytes = saved - 1;
  CHECK(optimize(input, opts).status == FileStatus::Optimized);
  opts.threshold_bytes = 0;
  opts.threshold_percent = 99.0;
  CHECK(optimize(input, opts).status == FileStatus::Unchanged);
}

TEST_CASE("metadata presets: none keeps every segment - all drops them", "[optimize][metadata]") {
  Bytes input = make_jpeg({});
  input = insert_segment(input, 0xFE, str_bytes("a comment"));
  input = insert_segment(input, 0xEC, str_bytes("Ducky\x01\x02"));
  const auto before = metadata_segments(input);
  REQUIRE(before.size() == 3);  // Ducky, COM, JFIF

  const Outcome none = optimize(input, lossless_options(MetadataPolicy::none()));
  CHECK(metadata_segments(none.bytes) == before);

  const Outcome all = optimize(input, lossless_options(MetadataPolicy::all()));
  CHECK(metadata_segments(all.bytes).empty());
  CHECK(all.metadata_removed[static_cast<std::size_t>(MetaKind::Com)] == 4 + 9);
  CHECK(all.metadata_removed[static_cast<std::size_t>(MetaKind::Other)] == 4 + 7);
  CHECK(all.metadata_removed[static_cast<std::size_t>(MetaKind::Jfif)] == 18);

  const Outcome safe = optimize(input, lossless_options());
  const auto kept = metadata_segments(safe.bytes);
  REQUIRE(kept.size() == 1);
  CHECK(kept[0][1] == 0xE0);  // JFIF stays under safe
}

TEST_CASE("safe keeps gain-map XMP and drops ordinary XMP", "[optimize][metadata]") {
  const std::string ns("http://ns.adobe.com/xap/1.0/\0", 29);
  const Bytes plain =
      insert_segment(make_jpeg({}), 0xE1, str_bytes(ns + "<x:xmpmeta>dc:title</x:xmpmeta>"));
  const Bytes gain =
      insert_segment(make_jpeg({}), 0xE1, str_bytes(ns + "<x:xmpmeta hdrgm:Version=\"1.0\"/>"));
  CHECK(metadata_segments(optimize(plain, lossless_options()).bytes).size() == 1);  // JFIF only
  CHECK(metadata_segments(optimize(gain, lossless_options()).bytes).size() == 2);
}

TEST_CASE("C2PA-signed files are skipped unless c2pa is stripped", "[optimize][metadata]") {
  const Bytes input = insert_segment(
      make_jpeg({}), 0xEB,
      // JUMBF header: "JP", instance, sequence number, then a jumb box labelled c2pa.
      str_bytes(std::string("JP\0\x01\0\0\0\x01\0\0\0\x20jumbjumd", 20) + "c2pa manifest"));
  const Outcome skipped = optimize(input, lossless_options());
  CHECK(skipped.status == FileStatus::Skipped);
  CHECK(skipped.reason == ErrorCode::C2paSigned);
  MetadataPolicy policy = MetadataPolicy::safe();
  policy.set_strip(MetaKind::C2pa, true);
  const Outcome stripped = optimize(input, lossless_options(policy));
  CHECK(stripped.status == FileStatus::Optimized);
  CHECK(stripped.metadata_removed[static_cast<std::size_t>(MetaKind::C2pa)] > 0);
}

namespace {

// A primary JPEG whose MPF index points at a second JPEG appended after its EOI.
Bytes make_mpo(const Bytes& primary_base, const Bytes& secondary) {
  // Big-endian MP index: 3 entries (version, number of images, MP entry), 2 images.
  Bytes mpf = str_bytes(std::string("MPF\0", 4));
  const Bytes tiff_head = {'M', 'M', 0, 42, 0, 0, 0, 8};
  append(mpf, tiff_head);
  const Bytes ifd = {0,    3,                                            // 3 entries
                     0xB0, 0x00, 0, 7, 0, 0, 0, 4,  '0', '1', '0', '0',  // MPFVersion
                     0xB0, 0x01, 0, 4, 0, 0, 0, 1,  0,   0,   0,   2,    // NumberOfImages
                     0xB0, 0x02, 0, 7, 0, 0, 0, 32, 0,   0,   0,   50,   // MPEntry at 50
                     0,    0,    0, 0};                                  // next IFD
  append(mpf, ifd);
  mpf.resize(4 + 50 + 32);  // entries start at TIFF offset 50
  Bytes with_mpf = insert_segment(primary_base, 0xE2, mpf);
  const std::size_t tiff_pos = 2 + 4 + 4;  // SOI, APP2 marker+length, "MPF\0"
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
      with_mpf[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
  };
  const std::size_t entries = tiff_pos + 50;
  put32(entries + 0, 0x20030000);
  put32(entries + 4, static_cast<std::uint32_t>(with_mpf.size()));
  put32(entries + 8, 0);
  put32(entries + 16, 0x00000000);
  put32(entries + 20, static_cast<std::uint32_t>(secondary.size()));
  put32(entries + 24, static_cast<std::uint32_t>(with_mpf.size() - tiff_pos));
  append(with_mpf, secondary);
  return with_mpf;
}

}  // namespace

TEST_CASE("MPF offsets are rewritten to follow the secondary image", "[optimize][mpf]") {
  SynthSpec spec;
  spec.width = 160;
  spec.height = 120;
  const Bytes primary = make_jpeg(spec);
  spec.seed = 7;
  spec.width = 40;
  spec.height = 30;
  const Bytes secondary = make_jpeg(spec);
  const Bytes input = make_mpo(primary, secondary);
  const Outcome o = optimize(input, lossless_options());
  REQUIRE(o.status == FileStatus::Optimized);
  const JpegFile out = JpegFile::parse(o.bytes);
  CHECK(Bytes(out.trailer().begin(), out.trailer().end()) == secondary);
  const Part* mpf_part = out.segments(0xE2).at(0);
  const auto index = mpf::parse(out.payload_of(*mpf_part));
  REQUIRE(index.entries.size() == 2);
  CHECK(index.entries[0].size == out.primary_end());
  const std::size_t base = mpf_part->payload_offset() + 4;
  CHECK(base + index.entries[1].offset == out.primary_end());
  CHECK(index.entries[1].size == secondary.size());

  // Stripping everything drops the index together with the images it points to.
  const Outcome all = optimize(input, lossless_options(MetadataPolicy::all()));
  CHECK(JpegFile::parse(all.bytes).trailer().empty());
  CHECK(all.metadata_removed[static_cast<std::size_t>(MetaKind::Mpf)] > secondary.size());
}

TEST_CASE("arithmetic-coded input stays unless --huffman converts it", "[optimize]") {
  SynthSpec spec;
  spec.arithmetic = true;
  spec.width = 128;
  spec.height = 96;
  const Bytes input = make_jpeg(spec);
  const Outcome kept = optimize(input, lossless_options(MetadataPolicy::all()));
  CHECK(kept.arithmetic_input);
  CHECK(kept.status == FileStatus::Unchanged);
  Options opts = lossless_options();
  opts.huffman = true;
  const Outcome converted = optimize(input, opts);
  CHECK(converted.status == FileStatus::Optimized);
  CHECK(!JpegFile::parse(converted.bytes).frame().arithmetic());
  CHECK(decode_pixels(converted.bytes) == decode_pixels(input));
}

TEST_CASE("corrupt and truncated input is refused with libjpeg's message", "[optimize]") {
  SynthSpec spec;
  spec.width = 256;
  spec.height = 256;
  Bytes corrupt = make_jpeg(spec);
  // A restart marker where no restart interval was declared: libjpeg warns about corrupt data.
  corrupt[corrupt.size() / 2] = 0xFF;
  corrupt[corrupt.size() / 2 + 1] = 0xD3;
  try {
    optimize(corrupt, lossless_options());
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::CorruptData);
    CHECK(std::string(e.what()).find("Corrupt JPEG data") != std::string::npos);
  }
  Bytes cut = make_jpeg(spec);
  cut.resize(cut.size() - 100);
  CHECK_THROWS_AS(optimize(cut, lossless_options()), Error);
}

TEST_CASE("lossless rotate gives jpegtran's pixels", "[optimize][transform]") {
  if (!have_program("jpegtran")) {
    WARN("jpegtran not installed: skipped");
    return;
  }
  SynthSpec spec;
  spec.width = 64;
  spec.height = 48;
  const Bytes input = make_jpeg(spec);
  Options opts = lossless_options();
  opts.transform.transform = Transform::Rot90;
  const Outcome o = optimize(input, opts);
  REQUIRE(o.status == FileStatus::Optimized);
  CHECK(o.width == 48);
  CHECK(o.height == 64);
  TempDir tmp;
  write_bytes(tmp / "in.jpg", input);
  const auto r =
      run_shell("jpegtran -rotate 90 -outfile " + shell_quote((tmp / "ref.jpg").string()) + " " +
                shell_quote((tmp / "in.jpg").string()));
  REQUIRE(r.exit_code == 0);
  CHECK(decode_pixels(o.bytes) == decode_pixels(read_bytes(tmp / "ref.jpg")));
}
