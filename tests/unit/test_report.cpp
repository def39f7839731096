#include <catch2/catch.hpp>

#include "cli/progress.hpp"
#include "cli/report.hpp"

using namespace jpegopt;
using namespace jpegopt::cli;

namespace {

FileReport optimized_report() {
  Outcome o;
  o.status = FileStatus::Optimized;
  o.bytes_in = 1000;
  o.bytes_out = 800;
  o.coding = "progressive";
  o.pixels_identical = true;
  o.width = 64;
  o.height = 48;
  o.metadata_removed[static_cast<std::size_t>(MetaKind::Exif)] = 120;
  FileReport r;
  r.path = "d/a.jpg";
  r.output = "out/a.jpg";
  r.written = true;
  r.outcome = o;
  r.elapsed_ms = 12.5;
  return r;
}

}  // namespace

TEST_CASE("is_valid_utf8 accepts UTF-8 and rejects bad sequences", "[report]") {
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("ünï\xe2\x82\xac\xf0\x9f\x93\xb7"));
  CHECK_FALSE(is_valid_utf8("\xff"));
  CHECK_FALSE(is_valid_utf8("a\xc3"));             // truncated
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // over U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xe2\x28\xa1"));      // bad continuation
}

TEST_CASE("file_json: fields of an optimized file", "[report]") {
  const auto j = file_json(optimized_report());
  CHECK(j.at("schema_version") == 1);
  CHECK(j.at("type") == "file");
  CHECK(j.at("path") == "d/a.jpg");
  CHECK(j.at("output") == "out/a.jpg");
  CHECK(j.at("written") == true);
  CHECK(j.at("status") == "optimized");
  CHECK(j.at("reason").is_null());
  CHECK(j.at("bytes_in") == 1000);
  CHECK(j.at("bytes_out") == 800);
  CHECK(j.at("mode") == "lossless");
  CHECK(j.at("coding") == "progressive");
  CHECK(j.at("quality").is_null());
  CHECK(j.at("width") == 64);
  CHECK(j.at("height") == 48);
  CHECK(j.at("pixels_identical") == true);
  CHECK(j.at("ssim").is_null());
  CHECK(j.at("metadata_removed").size() == kMetaKindCount);
  CHECK(j.at("metadata_removed").at("exif") == 120);
  CHECK(j.at("metadata_removed").at("xmp") == 0);
  CHECK(j.at("elapsed_ms") == 12.5);
  CHECK_FALSE(j.contains("path_hex"));
}

TEST_CASE("file_json: unchanged - skipped and failed files", "[report]") {
  FileReport r = optimized_report();
  r.outcome->status = FileStatus::Unchanged;
  r.outcome->mode = Mode::Target;
  r.outcome->quality = 72.5;
  r.outcome->ssim = 0.991;
  r.output.clear();
  r.written = false;
  auto j = file_json(r);
  CHECK(j.at("status") == "unchanged");
  CHECK(j.at("bytes_out") == 1000);  // the input stays
  CHECK(j.at("output").is_null());
  CHECK(j.at("mode") == "target");
  CHECK(j.at("quality") == 72.5);
  CHECK(j.at("ssim") == 0.991);

  r.outcome->status = FileStatus::Skipped;
  r.outcome->reason = ErrorCode::C2paSigned;
  r.outcome->message = "C2PA-signed";
  j = file_json(r);
  CHECK(j.at("status") == "skipped");
  CHECK(j.at("reason") == "c2pa_signed");
  CHECK(j.at("message") == "C2PA-signed");

  FileReport failed;
  failed.path = "bad.jpg";
  failed.error_code = ErrorCode::NotJpeg;
  failed.error = "not a JPEG file (no SOI marker)";
  j = file_json(failed);
  CHECK(j.at("status") == "failed");
  CHECK(j.at("reason") == "not_jpeg");
  CHECK(j.at("message") == "not a JPEG file (no SOI marker)");
  CHECK(j.at("bytes_in").is_null());
  CHECK(j.at("mode").is_null());
  CHECK(j.at("metadata_removed").empty());
}

TEST_CASE("non-UTF-8 names: U+FFFD in the name - exact bytes in _hex", "[report]") {
  FileReport r = optimized_report();
  r.path = "caf\xe9.jpg";  // Latin-1 é
  r.output = "out/caf\xe9.jpg";
  const auto j = file_json(r);
  CHECK(j.at("path_hex") == "636166e92e6a7067");
  CHECK(j.at("output_hex") == "6f75742f636166e92e6a7067");
  const std::string line = json_line(j);
  CHECK(line.back() == '\n');
  CHECK(line.find("\"path\":\"caf\xef\xbf\xbd.jpg\"") != std::string::npos);
  CHECK(is_valid_utf8(line));
  CHECK(nlohmann::json::parse(line).at("path") == "caf\xef\xbf\xbd.jpg");
}

TEST_CASE("totals - summary line and summary JSON", "[report]") {
  Totals t;
  t.add(optimized_report());
  FileReport unchanged = optimized_report();
  unchanged.outcome->status = FileStatus::Unchanged;
  t.add(unchanged);
  FileReport failed;
  failed.error = "x";
  t.add(failed);
  CHECK(t.files == 3);
  CHECK(t.optimized == 1);
  CHECK(t.unchanged == 1);
  CHECK(t.failed == 1);
  CHECK(t.bytes_in == 2000);
  CHECK(t.bytes_out == 1800);
  CHECK(format_summary(t, 1.234) ==
        "3 files: 1 optimized, 1 already optimal, 0 skipped, 1 failed; 2000 -> 1800 bytes (saved "
        "10.0%) in 1.23 s");
  const auto j = summary_json(t, 1.5, true, false);
  CHECK(j.at("type") == "summary");
  CHECK(j.at("schema_version") == 1);
  CHECK(j.at("files") == 3);
  CHECK(j.at("optimized") == 1);
  CHECK(j.at("unchanged") == 1);
  CHECK(j.at("skipped") == 0);
  CHECK(j.at("failed") == 1);
  CHECK(j.at("bytes_in") == 2000);
  CHECK(j.at("bytes_out") == 1800);
  CHECK(j.at("saved_percent") == 10.0);
  CHECK(j.at("elapsed_ms") == 1500.0);
  CHECK(j.at("dry_run") == true);
  CHECK(j.at("check") == false);
}

TEST_CASE("progress line: counts - saving - rate and ETA", "[report]") {
  CHECK(Progress::format(0, 10, 0, 0, 0) == "[0/10] saved 0 B (0.0%)");
  CHECK(Progress::format(2, 10, 2000000, 1500000, 4.0) ==
        "[2/10] saved 500.0 KB (25.0%), 0.5 files/s, ETA 0:16");
  CHECK(Progress::format(10, 10, 5000, 5000, 2.0) == "[10/10] saved 0 B (0.0%), 5.0 files/s");
  CHECK(Progress::format(1, 7201, 10, 5, 1.0) ==
        "[1/7201] saved 5 B (50.0%), 1.0 files/s, ETA 2:00:00");
}
