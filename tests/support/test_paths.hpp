// Where test data lives, and small file helpers for tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/bytes.hpp"

namespace jpegopt::test {

namespace fs = std::filesystem;

// samples/ of the repository.
fs::path samples_dir();
// ../shared/corpus, or $JPEGOPT_CORPUS when set.
fs::path corpus_dir();
// Every *.jpg in samples/, sorted.
std::vector<fs::path> sample_jpegs();
// Every *.jpg in a folder, sorted (empty when the folder is absent).
std::vector<fs::path> jpegs_in(const fs::path& dir);

Bytes read_bytes(const fs::path& path);
void write_bytes(const fs::path& path, ByteView bytes);

// A fresh temporary folder, removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// True when `program` is on PATH (peers such as djpeg and exiftool are optional oracles).
bool have_program(const std::string& program);

}  // namespace jpegopt::test
