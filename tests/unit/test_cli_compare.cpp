#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <regex>

#include "support/run_cli.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;

namespace {

std::string sample(const std::string& name) {
  return (samples_dir() / name).string();
}

const std::string kRocket = "skimage-rocket-640x427-444-icc.jpg";
const std::string kKitten = "gimp-kitten-gray-350x350-baseline.jpg";

}  // namespace

TEST_CASE("compare: identical images", "[compare]") {
  const auto r = run_jpegopt({"compare", sample(kRocket), sample(kRocket)});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "PSNR inf dB  SSIM 1.000000  R 1.000000 G 1.000000 B 1.000000  max diff 0\n");
  CHECK(r.err.empty());

  const auto gray = run_jpegopt({"compare", sample(kKitten), sample(kKitten)});
  CHECK(gray.exit_code == 0);
  CHECK(gray.out == "PSNR inf dB  SSIM 1.000000  gray 1.000000  max diff 0\n");

  const auto j = run_jpegopt({"compare", "--json", sample(kRocket), sample(kRocket)});
  CHECK(j.exit_code == 0);
  const auto json = nlohmann::json::parse(j.out);
  CHECK(json["a"] == sample(kRocket));
  CHECK(json["b"] == sample(kRocket));
  CHECK(json["width"] == 640);
  CHECK(json["height"] == 427);
  CHECK(json["identical"] == true);
  CHECK(json["psnr"].is_null());
  CHECK(json["ssim"] == 1.0);
  CHECK(json["ssim_channels"] == nlohmann::json{{"R", 1.0}, {"G", 1.0}, {"B", 1.0}});
  CHECK(json["max_abs_diff"] == 0);
  CHECK(std::count(j.out.begin(), j.out.end(), '\n') == 1);
}

TEST_CASE("compare: a re-encoded copy", "[compare]") {
  TempDir dir;
  SynthSpec spec;
  spec.width = 96;
  spec.height = 64;
  spec.quality = 95;
  write_bytes(dir / "a.jpg", make_jpeg(spec));
  spec.quality = 30;
  write_bytes(dir / "b.jpg", make_jpeg(spec));
  const auto r = run_jpegopt({"compare", (dir / "a.jpg").string(), (dir / "b.jpg").string()});
  CHECK(r.exit_code == 0);
  CHECK(std::regex_match(r.out,
                         std::regex("PSNR [0-9]+\\.[0-9]{2} dB  SSIM 0\\.[0-9]{6}  R 0\\.[0-9]{6} "
                                    "G 0\\.[0-9]{6} B 0\\.[0-9]{6}  max diff [1-9][0-9]*\n")));
  const auto j =
      run_jpegopt({"compare", "--json", (dir / "a.jpg").string(), (dir / "b.jpg").string()});
  const auto json = nlohmann::json::parse(j.out);
  CHECK(json["identical"] == false);
  CHECK(json["psnr"].get<double>() > 20);
  CHECK(json["psnr"].get<double>() < 60);
  CHECK(json["ssim"].get<double>() < 1.0);
  CHECK(json["max_abs_diff"].get<int>() > 0);
}

TEST_CASE("compare: PNG against the JPEG it was made from", "[compare]") {
  if (!have_program("djpeg") || !have_program("pnmtopng")) return;  // netpbm writes the PNG
  TempDir dir;
  const auto png = dir / "rocket.png";
  REQUIRE(run_shell("djpeg " + shell_quote(sample(kRocket)) + " | pnmtopng > " +
                    shell_quote(png.string()))
              .exit_code == 0);
  const auto r = run_jpegopt({"compare", sample(kRocket), png.string()});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "PSNR inf dB  SSIM 1.000000  R 1.000000 G 1.000000 B 1.000000  max diff 0\n");
}

TEST_CASE("compare: PPM against the JPEG it was decoded from", "[compare]") {
  if (!have_program("djpeg")) return;
  TempDir dir;
  const auto ppm = dir / "rocket.ppm";
  REQUIRE(run_shell("djpeg " + shell_quote(sample(kRocket)) + " > " + shell_quote(ppm.string()))
              .exit_code == 0);
  const auto r = run_jpegopt({"compare", ppm.string(), sample(kRocket)});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "PSNR inf dB  SSIM 1.000000  R 1.000000 G 1.000000 B 1.000000  max diff 0\n");
}

TEST_CASE("compare: errors and usage", "[compare]") {
  const auto sizes = run_jpegopt({"compare", sample(kRocket), sample(kKitten)});
  CHECK(sizes.exit_code == 1);
  CHECK(sizes.out.empty());
  CHECK(sizes.err == "jpegopt: " + sample(kRocket) + ": size 640x427 differs from " +
                         sample(kKitten) + " (350x350)\n");

  TempDir dir;
  write_bytes(dir / "notes.txt", Bytes{'h', 'e', 'l', 'l', 'o'});
  const auto text = run_jpegopt({"compare", sample(kRocket), (dir / "notes.txt").string()});
  CHECK(text.exit_code == 1);
  CHECK(text.err == "jpegopt: " + (dir / "notes.txt").string() + ": not a JPEG, PNG or PNM file\n");

  Bytes truncated = read_bytes(samples_dir() / kRocket);
  truncated.resize(truncated.size() / 2);
  write_bytes(dir / "half.jpg", truncated);
  const auto half = run_jpegopt({"compare", (dir / "half.jpg").string(), sample(kRocket)});
  CHECK(half.exit_code == 1);
  CHECK(half.err.rfind("jpegopt: " + (dir / "half.jpg").string() + ": ", 0) == 0);
  CHECK(std::count(half.err.begin(), half.err.end(), '\n') == 1);

  const auto missing = run_jpegopt({"compare", sample(kRocket), (dir / "nope.jpg").string()});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.rfind("jpegopt: " + (dir / "nope.jpg").string() + ": ", 0) == 0);

  CHECK(run_jpegopt({"compare", sample(kRocket)}).exit_code == 2);
  CHECK(run_jpegopt({"compare"}).exit_code == 2);
  CHECK(run_jpegopt({"compare", "--bogus", sample(kRocket), sample(kRocket)}).exit_code == 2);
  CHECK(run_jpegopt({"compare", sample(kRocket), sample(kRocket), sample(kRocket)}).exit_code == 2);
}
