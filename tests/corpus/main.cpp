// Runs the corpus tests, or exits 77 (CTest's "skipped") when ../shared/corpus is absent, as in a
// user's fresh clone.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "support/test_paths.hpp"

int main(int argc, char* argv[]) {
  // Listing works without a corpus: CTest discovers the test cases at build time.
  bool listing = false;
  for (int i = 1; i < argc; ++i)
    listing = listing || std::strncmp(argv[i], "--list", 6) == 0;
  if (!listing && !std::filesystem::is_directory(jpegopt::test::corpus_dir())) {
    std::printf("corpus not found at %s: skipping\n", jpegopt::test::corpus_dir().c_str());
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
