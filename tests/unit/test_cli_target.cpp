#include <catch2/catch.hpp>

#include <filesystem>

#include "support/run_cli.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt::test;
namespace fs = std::filesystem;

namespace {

const char* kSample = "gimp-texture-96x96-444-dri0-comment.jpg";
const std::string kUsageTail = "\nRun 'jpegopt --help' for the options.\n";
const std::string kForms = "use bytes (150000), 100KB, 1.5MB, 200KiB, 2MiB or a percentage (50%)";

}  // namespace

TEST_CASE("cli target: bad values exit 2 with one line naming the option", "[cli][target]") {
  TempDir tmp;
  const auto file = tmp / "a.jpg";
  fs::copy_file(samples_dir() / kSample, file);
  const auto before = read_bytes(file);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"-S", "0"}, "--target-size: invalid size '0': must be at least 1 byte"},
      {{"-S", "-5KB"}, "--target-size: invalid size '-5KB': must be positive"},
      {{"--target-size", "12XB"}, "--target-size: invalid size '12XB': " + kForms},
      {{"--max-size", "150%"},
       "--target-size: invalid size '150%': a percentage must be above 0 and below 100"},
      {{"-S", ""}, "--target-size: invalid size '': empty; " + kForms},
      {{"-S", "KB"}, "--target-size: invalid size 'KB': " + kForms},
      {{"-S", "100KB", "--min-quality", "0"}, "--min-quality: '0' is not a quality 1..100"},
      {{"-S", "100KB", "--min-quality", "abc"}, "--min-quality: 'abc' is not a quality 1..100"},
      {{"--min-ssim", "1.2"}, "--min-ssim: '1.2' is not above 0 and below 1"},
      {{"--min-ssim", "0"}, "--min-ssim: '0' is not above 0 and below 1"},
      {{"--no-resize"},
       "--min-quality/--no-resize: need a target: -S SIZE, --min-ssim or --visually-lossless"},
      {{"--min-quality", "60"},
       "--min-quality/--no-resize: need a target: -S SIZE, --min-ssim or --visually-lossless"},
  };
  for (const auto& [args, message] : cases) {
    auto argv = args;
    argv.push_back(file.string());
    INFO(message);
    const auto r = run_jpegopt(argv);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "jpegopt: " + message + kUsageTail);
  }
  CHECK(read_bytes(file) == before);
}

TEST_CASE("cli target: a limit the lossless rewrite meets keeps every pixel", "[cli][target]") {
  TempDir tmp;
  const auto file = tmp / "a.jpg";
  fs::copy_file(samples_dir() / kSample, file);
  for (const char* size : {"1MB", "4.9KB", "4.9 kB", "90%"}) {
    INFO(size);
    const auto out = tmp / (std::string("out-") + size + ".jpg");
    const auto r = run_jpegopt({"-S", size, "-o", out.string(), file.string()});
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find("pixels identical") != std::string::npos);
    CHECK(fs::file_size(out) <= 4900);
    CHECK(decode_pixels(read_bytes(out)) == decode_pixels(read_bytes(file)));
  }
}

TEST_CASE("cli target: an unreachable target writes nothing and names the minimum",
          "[cli][target]") {
  TempDir tmp;
  const auto file = tmp / "flower.jpg";
  fs::copy_file(samples_dir() / "mate-freshflower-1600x1203-420-progressive.jpg", file);
  const auto before = read_bytes(file);
  const auto out = tmp / "out.jpg";
  const auto r = run_jpegopt({"-S", "1000", "--no-resize", "-o", out.string(), file.string()});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  const std::string prefix =
      "jpegopt: " + file.string() + ": cannot reach 1000 bytes: smallest is ";
  CHECK(r.err.rfind(prefix, 0) == 0);
  CHECK(r.err.find(" bytes at quality 50, 1600x1203\n") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
  // In place: the original stays byte for byte.
  const auto in_place = run_jpegopt({"-S", "1KB", "--no-resize", file.string()});
  CHECK(in_place.exit_code == 1);
  CHECK(read_bytes(file) == before);
  // In a batch the other files still go through, and the status says one failed.
  const auto other = tmp / "circuit.jpg";
  fs::copy_file(samples_dir() / "eterm-circuit-300x231-420-baseline-stdhuff.jpg", other);
  const auto batch = run_jpegopt({"-S", "9KB", "--no-resize", file.string(), other.string()});
  CHECK(batch.exit_code == 1);
  CHECK(read_bytes(file) == before);
  CHECK(fs::file_size(other) <= 9000);
}

TEST_CASE("cli target: in place - to -o and to standard output - every file fits",
          "[cli][target]") {
  TempDir tmp;
  const auto file = tmp / "rocket.jpg";
  fs::copy_file(samples_dir() / "skimage-rocket-640x427-444-icc.jpg", file);
  const auto out = tmp / "out.jpg";
  auto r = run_jpegopt({"--target-size", "50KB", "-o", out.string(), file.string()});
  CHECK(r.exit_code == 0);
  CHECK(fs::file_size(out) <= 50000);
  r = run_jpegopt({"--max-size", "40 KiB", "--stdout", file.string()});
  CHECK(r.exit_code == 0);
  CHECK(r.out.size() <= 40960);
  CHECK(r.out.size() > 30000);
  r = run_jpegopt(
      {
          "-S",
          "30%",
          "-",
      },
      file.string());
  CHECK(r.exit_code == 0);
  CHECK(r.out.size() <= fs::file_size(file) * 30 / 100);
  r = run_jpegopt({"-S", "45000", file.string()});
  CHECK(r.exit_code == 0);
  CHECK(fs::file_size(file) <= 45000);
  if (have_program("djpeg"))
    CHECK(run_shell("djpeg " + shell_quote(file.string()) + " > /dev/null").exit_code == 0);
}

TEST_CASE("cli target: the huge-page re-exec gives the same file and report", "[cli][target]") {
  // A target run re-executes itself with glibc.malloc.hugetlb=1 unless GLIBC_TUNABLES names it:
  // with the tunable preset (no re-exec) the output and the report are the same.
  TempDir tmp;
  const std::string in = (samples_dir() / kSample).string();
  fs::create_directories(tmp / "a");
  fs::create_directories(tmp / "b");
  auto run = [&](const std::string& dir, const std::string& env) {
    return run_shell("cd " + shell_quote((tmp / dir).string()) + " && env " + env + " " +
                     shell_quote(JPEGOPT_BINARY) + " -S 3KB --strip all -o out.jpg " +
                     shell_quote(in));
  };
  const CommandResult plain = run("a", "-u GLIBC_TUNABLES");
  const CommandResult preset = run("b", "GLIBC_TUNABLES=glibc.malloc.hugetlb=0");
  CHECK(plain.exit_code == 0);
  CHECK(preset.exit_code == 0);
  CHECK(plain.out == preset.out);
  CHECK(plain.err == preset.err);
  CHECK(read_bytes(tmp / "a" / "out.jpg") == read_bytes(tmp / "b" / "out.jpg"));
}

TEST_CASE("cli target: --visually-lossless is SSIM 0.995 at quality 90 or more", "[cli][target]") {
  TempDir tmp;
  const auto in = samples_dir() / "skimage-chelsea-cat-451x300-rgb.png";
  const auto vl = tmp / "vl.jpg";
  const auto r = run_jpegopt({"--json", "--visually-lossless", "-o", vl.string(), in.string()});
  REQUIRE(r.exit_code == 0);
  const auto quality_at = r.out.find("\"quality\":");
  REQUIRE(quality_at != std::string::npos);
  CHECK(std::stod(r.out.substr(quality_at + 10)) >= 90);
  const auto ssim_at = r.out.find("\"ssim\":");
  REQUIRE(ssim_at != std::string::npos);
  CHECK(std::stod(r.out.substr(ssim_at + 7)) >= 0.995);
}
