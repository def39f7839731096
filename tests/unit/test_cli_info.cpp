#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <sstream>

#include "support/run_cli.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt::test;

TEST_CASE("jpegopt --version prints the project version", "[cli]") {
  const auto r = run_jpegopt({"--version"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("jpegopt ", 0) == 0);
}

TEST_CASE("jpegopt --help fits in 80 columns", "[cli]") {
  for (const auto& args : {std::vector<std::string>{"--help"}, {"info", "--help"}}) {
    const auto r = run_jpegopt(args);
    CHECK(r.exit_code == 0);
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
      INFO(line);
      CHECK(line.size() <= 80);
    }
  }
}

TEST_CASE("an unknown option is a usage error", "[cli]") {
  const auto r = run_jpegopt({"info", "--no-such-option", "x.jpg"});
  CHECK(r.exit_code == 2);
}

TEST_CASE("info describes every sample", "[cli]") {
  std::vector<std::string> args = {"info"};
  for (const auto& p : sample_jpegs())
    args.push_back(p.string());
  const auto r = run_jpegopt(args);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  for (const auto& p : sample_jpegs())
    CHECK(r.out.find(p.string()) != std::string::npos);
  CHECK(r.out.find("segments") != std::string::npos);
}

TEST_CASE("info --json gives one parseable object per file", "[cli]") {
  std::vector<std::string> args = {"info", "--json"};
  for (const auto& p : sample_jpegs())
    args.push_back(p.string());
  const auto r = run_jpegopt(args);
  REQUIRE(r.exit_code == 0);
  std::istringstream lines(r.out);
  std::string line;
  std::size_t count = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    CHECK(j["schema_version"] == 1);
    CHECK(j["path"] == sample_jpegs()[count].string());
    CHECK(j["width"].get<int>() > 0);
    CHECK(j["segments"].is_array());
    CHECK(j["segments"][0]["marker"] == "SOI");
    CHECK(j.contains("quality"));
    ++count;
  }
  CHECK(count == sample_jpegs().size());
}

TEST_CASE("info reports bad files on one line each and goes on", "[cli]") {
  TempDir tmp;
  const auto not_jpeg = tmp / "notes.jpg";
  write_bytes(not_jpeg, jpegopt::Bytes{'h', 'e', 'l', 'l', 'o'});
  const auto sample = sample_jpegs().front();
  const auto truncated = tmp / "cut.jpg";
  const auto data = read_bytes(sample);
  write_bytes(truncated, jpegopt::ByteView(data).first(data.size() / 2));
  const auto missing = tmp / "missing.jpg";
  const auto r = run_jpegopt(
      {"info", not_jpeg.string(), sample.string(), truncated.string(), missing.string()});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find(sample.string()) != std::string::npos);
  CHECK(r.err == "jpegopt: " + not_jpeg.string() + ": not a JPEG file (no SOI marker)\n" +
                     "jpegopt: " + truncated.string() +
                     ": entropy-coded data runs to the end of the file (no EOI)\n" +
                     "jpegopt: " + missing.string() + ": cannot open: No such file or directory\n");
}

TEST_CASE("info reads standard input", "[cli]") {
  const auto sample = sample_jpegs().front();
  const auto r = run_jpegopt({"info", "--json", "-"}, sample.string());
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["path"] == "-");
  CHECK(j["file_bytes"] == std::filesystem::file_size(sample));
}
