// fit_target() over ../shared/corpus/photos: every result, metadata included, is at most the
// limit, is a JPEG of the reported size, and an unreachable limit is refused with the smallest
// size reached. Throws nothing else: arithmetic-coded and CMYK photos are re-encoded too.
#include <catch2/catch.hpp>

#include <string>

#include "corpus/manifest.hpp"
#include "jpegopt/error.hpp"
#include "jpegopt/optimize.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;

TEST_CASE("corpus target: every photo fits 200KB and 5% of its size", "[corpus][target]") {
  const auto rows = read_manifest("photos");
  for (const auto& row : rows) {
    if (row["decodes_cleanly"] != "yes") continue;
    const Bytes input = read_bytes(row.path);
    for (const bool percent : {false, true}) {
      Options o;
      o.effort = Effort::Fast;
      o.target.max_size = percent ? SizeLimit{0, 5} : SizeLimit{200000, 0};
      const std::uint64_t limit = o.target.max_size->resolve(input.size());
      INFO(row.path.filename().string() << ", limit " << limit);
      try {
        const Outcome out = process(input, o);
        CHECK(out.mode == Mode::Target);
        const std::size_t size =
            out.status == FileStatus::Optimized ? out.bytes.size() : input.size();
        CHECK(size <= limit);
        if (out.status == FileStatus::Optimized) CHECK_FALSE(decode_pixels(out.bytes).empty());
      } catch (const Error& e) {
        // Only a limit below the kept metadata can be out of reach with resizing allowed.
        CHECK(e.code() == ErrorCode::TargetUnreachable);
        CHECK(std::string(e.what()).rfind("cannot reach " + std::to_string(limit) + " bytes: ",
                                          0) == 0);
      }
    }
  }
}
