// Reads ../shared/corpus/<folder>/MANIFEST.tsv: one row per file, columns by header name.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace jpegopt::test {

struct ManifestRow {
  std::filesystem::path path;                 // full path of the file
  std::map<std::string, std::string> fields;  // column name -> value ("file", "has_gps", ...)
  const std::string& operator[](const std::string& column) const;
};

// Rows of corpus_dir()/folder/MANIFEST.tsv (empty when absent).
std::vector<ManifestRow> read_manifest(const std::string& folder);

}  // namespace jpegopt::test
