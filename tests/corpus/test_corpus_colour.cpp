// --to-srgb on the wide-gamut photos of the corpus, against lcms2's own transicc.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "core/colour.hpp"
#include "core/jpeg_pixels.hpp"
#include "corpus/manifest.hpp"
#include "support/run_cli.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;

TEST_CASE("corpus: to_srgb of Adobe RGB and Display P3 photos matches transicc", "[colour]") {
  if (!have_program("transicc")) return;  // liblcms2-utils: the reference conversion
  int checked = 0;
  for (const auto& row : read_manifest("photos")) {
    const std::string& icc = row["has_icc"];
    if (icc.find("Adobe RGB") == std::string::npos && icc.find("Display P3") == std::string::npos)
      continue;
    INFO(row.path.filename().string());
    const Image source = jpeg_pixels::decode(read_bytes(row.path), {});
    REQUIRE_FALSE(source.icc.empty());
    Image image = source;
    colour::to_srgb(image);
    REQUIRE(image.format == PixelFormat::Rgb);
    CHECK(image.icc.empty());

    // About 4000 pixels spread over the image, converted by transicc in floating point.
    TempDir dir;
    write_bytes(dir / "profile.icc", source.icc);
    const std::size_t count = source.pixels.size() / 3;
    const std::size_t step = std::max<std::size_t>(1, count / 4000) | 1;
    std::ostringstream input;
    std::vector<int> ours;
    for (std::size_t px = 0; px < count; px += step) {
      for (std::size_t c = 0; c < 3; ++c) {
        input << int{source.pixels[px * 3 + c]} << ' ';
        ours.push_back(image.pixels[px * 3 + c]);
      }
      input << '\n';
    }
    const std::string text = input.str();
    write_bytes(dir / "in.txt", Bytes(text.begin(), text.end()));
    const auto result =
        run_shell("transicc -n -s -t1 -b -i" + shell_quote((dir / "profile.icc").string()) + " < " +
                  shell_quote((dir / "in.txt").string()));
    REQUIRE(result.exit_code == 0);
    std::istringstream output(result.out);
    std::vector<int> reference;
    double v = 0;
    while (output >> v)
      reference.push_back(static_cast<int>(std::lround(v)));
    REQUIRE(reference.size() == ours.size());
    int max_diff = 0;
    for (std::size_t i = 0; i < ours.size(); ++i)
      max_diff = std::max(max_diff, std::abs(ours[i] - reference[i]));
    CHECK(max_diff <= 1);
    ++checked;
  }
  CHECK(checked >= 1);
}
