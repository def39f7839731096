#include "corpus/manifest.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/test_paths.hpp"

namespace jpegopt::test {

const std::string& ManifestRow::operator[](const std::string& column) const {
  auto it = fields.find(column);
  if (it == fields.end()) throw std::out_of_range("no manifest column " + column);
  return it->second;
}

namespace {
std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, '\t'))
    out.push_back(cell);
  if (!line.empty() && line.back() == '\t') out.emplace_back();
  return out;
}
}  // namespace

std::vector<ManifestRow> read_manifest(const std::string& folder) {
  std::vector<ManifestRow> rows;
  const auto dir = corpus_dir() / folder;
  std::ifstream in(dir / "MANIFEST.tsv");
  if (!in) return rows;
  std::string line;
  std::getline(in, line);
  const auto header = split_tabs(line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto cells = split_tabs(line);
    ManifestRow row;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i)
      row.fields[header[i]] = cells[i];
    row.path = dir / row["file"];
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace jpegopt::test
