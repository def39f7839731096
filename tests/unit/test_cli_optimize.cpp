#include <catch2/catch.hpp>

#include <filesystem>

#include "support/run_cli.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt::test;
namespace fs = std::filesystem;

namespace {

// Copies every sample into a temporary folder and returns the copies.
std::vector<fs::path> copy_samples(const TempDir& tmp) {
  std::vector<fs::path> out;
  for (const auto& p : sample_jpegs()) {
    const auto dest = tmp.path() / p.filename();
    fs::copy_file(p, dest);
    out.push_back(dest);
  }
  return out;
}

std::string djpeg(const fs::path& path) {
  const auto r = run_shell("djpeg -ppm " + shell_quote(path.string()));
  REQUIRE(r.exit_code == 0);
  return r.out;
}

std::string exiftool(const std::string& args, const fs::path& path) {
  return run_shell("exiftool -s -s -s " + args + " " + shell_quote(path.string())).out;
}

}  // namespace

TEST_CASE("in place: every sample shrinks and djpeg sees the same pixels", "[cli][optimize]") {
  TempDir tmp;
  const auto files = copy_samples(tmp);
  std::vector<std::string> args;
  for (const auto& f : files)
    args.push_back(f.string());
  const auto r = run_jpegopt(args);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find(std::to_string(files.size()) + " files:") != std::string::npos);
  const bool have_djpeg = have_program("djpeg");
  for (const auto& f : files) {
    const auto original = sample_jpegs()[static_cast<std::size_t>(&f - files.data())];
    INFO(f);
    CHECK(fs::file_size(f) < fs::file_size(original));
    CHECK(r.out.find(f.string() + ": " + std::to_string(fs::file_size(original)) + " -> " +
                     std::to_string(fs::file_size(f)) + " bytes") != std::string::npos);
    if (have_djpeg) CHECK(djpeg(f) == djpeg(original));
    CHECK(decode_pixels(read_bytes(f)) == decode_pixels(read_bytes(original)));
  }
  // A second run finds nothing to do and leaves the files alone.
  const auto again = run_jpegopt(args);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("already optimal") != std::string::npos);
  CHECK(again.out.find(std::to_string(files.size()) + " already optimal") != std::string::npos);
}

TEST_CASE("option -o writes elsewhere and leaves the input alone", "[cli][optimize]") {
  TempDir tmp;
  const auto input = sample_jpegs().front();
  const auto before = read_bytes(input);
  const auto out = tmp / "out.jpg";
  const auto r = run_jpegopt({input.string(), "-o", out.string()});
  CHECK(r.exit_code == 0);
  CHECK(read_bytes(input) == before);
  CHECK(fs::file_size(out) < before.size());
  CHECK(decode_pixels(read_bytes(out)) == decode_pixels(before));
}

TEST_CASE("option --stdout and - stream the result", "[cli][optimize]") {
  TempDir tmp;
  const auto input = sample_jpegs().front();
  const auto via_stdout =
      run_shell(shell_quote(JPEGOPT_BINARY) + " --stdout " + shell_quote(input.string()) + " > " +
                shell_quote((tmp / "a.jpg").string()));
  CHECK(via_stdout.exit_code == 0);
  const auto via_stdin =
      run_shell(shell_quote(JPEGOPT_BINARY) + " - < " + shell_quote(input.string()) + " > " +
                shell_quote((tmp / "b.jpg").string()));
  CHECK(via_stdin.exit_code == 0);
  const auto a = read_bytes(tmp / "a.jpg");
  CHECK(a == read_bytes(tmp / "b.jpg"));
  CHECK(a.size() < fs::file_size(input));
  CHECK(decode_pixels(a) == decode_pixels(read_bytes(input)));
  // The report goes to stderr so that standard output carries only the image.
  CHECK(via_stdout.err.find("bytes") != std::string::npos);
}

TEST_CASE("bad files fail one by one - stay untouched - and set exit status 1", "[cli][optimize]") {
  TempDir tmp;
  const auto good = tmp / "good.jpg";
  fs::copy_file(sample_jpegs().front(), good);
  const auto text = tmp / "text.jpg";
  write_bytes(text, jpegopt::Bytes{'n', 'o', 't', ' ', 'j', 'p', 'e', 'g'});
  SynthSpec spec;
  spec.width = 256;
  spec.height = 256;
  auto corrupt_bytes = make_jpeg(spec);
  corrupt_bytes[corrupt_bytes.size() / 2] = 0xFF;
  corrupt_bytes[corrupt_bytes.size() / 2 + 1] = 0xD3;
  const auto corrupt = tmp / "corrupt.jpg";
  write_bytes(corrupt, corrupt_bytes);
  const auto r =
      run_jpegopt({text.string(), corrupt.string(), good.string(), (tmp / "gone.jpg").string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "jpegopt: " + text.string() + ": not a JPEG file (no SOI marker)\n" + "jpegopt: " +
                     corrupt.string() + ": Corrupt JPEG data: premature end of data segment\n" +
                     "jpegopt: " + (tmp / "gone.jpg").string() +
                     ": cannot open: No such file or directory\n");
  CHECK(read_bytes(text) == jpegopt::Bytes{'n', 'o', 't', ' ', 'j', 'p', 'e', 'g'});
  CHECK(read_bytes(corrupt) == corrupt_bytes);
  CHECK(fs::file_size(good) < fs::file_size(sample_jpegs().front()));
  CHECK(r.out.find("4 files: 1 optimized, 0 already optimal, 0 skipped, 3 failed") !=
        std::string::npos);
}

TEST_CASE("usage errors exit with status 2", "[cli][optimize]") {
  const auto sample = sample_jpegs().front().string();
  CHECK(run_jpegopt({"--strip", "gpss", sample}).exit_code == 2);
  CHECK(run_jpegopt({"--effort", "ultra", sample}).exit_code == 2);
  CHECK(run_jpegopt({"--crop", "10x10", sample}).exit_code == 2);
  CHECK(run_jpegopt({"--rotate", "45", sample}).exit_code == 2);
  CHECK(run_jpegopt({"--threshold", "5x", sample}).exit_code == 2);
  CHECK(run_jpegopt({"-o", "/tmp/x.jpg", sample, sample}).exit_code == 2);
  const auto r = run_jpegopt({"--strip", "gpss", sample});
  CHECK(r.err.find("unknown kind 'gpss'") != std::string::npos);
}

TEST_CASE("safe preset: GPS and camera data go - orientation and a wide-gamut profile stay",
          "[cli][optimize][metadata]") {
  if (!have_program("exiftool")) {
    WARN("exiftool not installed: skipped");
    return;
  }
  TempDir tmp;
  // The rocket sample carries an Adobe RGB profile; give it GPS, a camera and an orientation.
  const auto f = tmp / "photo.jpg";
  fs::copy_file(samples_dir() / "skimage-rocket-640x427-444-icc.jpg", f);
  REQUIRE(run_shell("exiftool -q -overwrite_original -GPSLatitude=48.85 -GPSLatitudeRef=N "
                    "-GPSLongitude=2.35 -GPSLongitudeRef=E -Make=TestCam -Orientation#=6 " +
                    shell_quote(f.string()))
              .exit_code == 0);
  REQUIRE(exiftool("-GPSLatitude", f) != "");
  const auto pixels_before = decode_pixels(read_bytes(f));
  const auto r = run_jpegopt({f.string()});
  REQUIRE(r.exit_code == 0);
  CHECK(exiftool("-gps:all", f) == "");
  CHECK(exiftool("-Make", f) == "");
  CHECK(exiftool("-Orientation -n", f) == "6\n");
  CHECK(exiftool("-ProfileDescription", f) == "Adobe RGB (1998)\n");
  CHECK(decode_pixels(read_bytes(f)) == pixels_before);
}

TEST_CASE("option --strip gps keeps the camera data - --strip thumbnail only the thumbnail",
          "[cli][optimize][metadata]") {
  if (!have_program("exiftool")) {
    WARN("exiftool not installed: skipped");
    return;
  }
  TempDir tmp;
  const auto f = tmp / "photo.jpg";
  fs::copy_file(samples_dir() / "mate-wood-2560x1920-422-exif-stdhuff.jpg", f);
  REQUIRE(run_shell("exiftool -q -overwrite_original -GPSLatitude=10 -GPSLatitudeRef=N "
                    "-GPSLongitude=20 -GPSLongitudeRef=E " +
                    shell_quote(f.string()))
              .exit_code == 0);
  const auto g = tmp / "thumb.jpg";
  fs::copy_file(f, g);
  CHECK(run_jpegopt({"--strip", "gps", f.string()}).exit_code == 0);
  CHECK(exiftool("-gps:all", f) == "");
  CHECK(exiftool("-Model", f) == "DiMAGE Z5\n");
  CHECK(exiftool("-ThumbnailLength", f) != "");
  CHECK(run_jpegopt({"--strip", "thumbnail", g.string()}).exit_code == 0);
  CHECK(exiftool("-ThumbnailLength", g) == "");
  CHECK(exiftool("-Model", g) == "DiMAGE Z5\n");
  CHECK(exiftool("-GPSLatitudeRef", g) == "North\n");
}

TEST_CASE("none keeps every metadata segment - all keeps none", "[cli][optimize][metadata]") {
  TempDir tmp;
  const auto src =
      samples_dir() / "debian-plasma-screenshot-1920x1080-444-progressive-exif-xmp-icc.jpg";
  const auto none = tmp / "none.jpg";
  const auto all = tmp / "all.jpg";
  CHECK(run_jpegopt({"--strip", "none", "-o", none.string(), src.string()}).exit_code == 0);
  CHECK(run_jpegopt({"--strip", "all", "-o", all.string(), src.string()}).exit_code == 0);
  CHECK(metadata_segments(read_bytes(none)) == metadata_segments(read_bytes(src)));
  CHECK(metadata_segments(read_bytes(all)).empty());
}

TEST_CASE("option --arithmetic warns that browsers cannot show the result", "[cli][optimize]") {
  TempDir tmp;
  const auto out = tmp / "arith.jpg";
  const auto r = run_jpegopt({"--arithmetic", "-o", out.string(), sample_jpegs().front().string()});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("jpegopt: warning: --arithmetic writes files that web browsers") == 0);
  CHECK(decode_pixels(read_bytes(out)) == decode_pixels(read_bytes(sample_jpegs().front())));
}

TEST_CASE("an in-place run removes temporary files a killed run left behind", "[cli][optimize]") {
  TempDir tmp;
  const auto f = tmp / "photo.jpg";
  fs::copy_file(sample_jpegs().front(), f);
  const auto stale = tmp / ".photo.jpg.jpegopt-tmp-999999999-0123456789ab";
  write_bytes(stale, jpegopt::Bytes{1, 2, 3});
  const auto unrelated = tmp / "notes.txt";
  write_bytes(unrelated, jpegopt::Bytes{'x'});
  CHECK(run_jpegopt({f.string()}).exit_code == 0);
  CHECK(!fs::exists(stale));
  CHECK(fs::exists(unrelated));
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(tmp.path()))
    ++entries;
  CHECK(entries == 2);  // photo.jpg and notes.txt: no temporary file of this run either
}
