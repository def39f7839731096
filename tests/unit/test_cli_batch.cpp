// End-to-end tests of batch runs: folders, --dest, --suffix, -j, --json, --check, --dry-run.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cctype>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "support/run_cli.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt::test;
namespace fs = std::filesystem;

namespace {

const char* const kSmall[] = {"eterm-circuit-300x231-420-baseline-stdhuff.jpg",
                              "gimp-kitten-gray-350x350-baseline.jpg",
                              "gimp-texture-96x96-444-dri0-comment.jpg",
                              "debian-softwaves-login-900x506-444-progressive.jpg"};

fs::path sample(int i) {
  return samples_dir() / kSmall[i];
}

void copy_to(const fs::path& from, const fs::path& to) {
  fs::create_directories(to.parent_path());
  fs::copy_file(from, to);
}

// tree/one.jpg, tree/sub/two.JPEG, tree/sub/deeper/three four.jpg, tree/sub/ünï.jpg, notes.txt
fs::path make_tree(const TempDir& tmp) {
  const fs::path root = tmp / "tree";
  copy_to(sample(0), root / "one.jpg");
  copy_to(sample(1), root / "sub" / "two.JPEG");
  copy_to(sample(2), root / "sub" / "deeper" / "three four.jpg");
  copy_to(sample(3), root / "sub" / "ünï.jpg");
  fs::create_directories(root / "empty");
  write_bytes(root / "notes.txt", jpegopt::Bytes{'h', 'i'});
  return root;
}

// Every regular file under `root` with its bytes, by relative path.
std::map<std::string, jpegopt::Bytes> snapshot(const fs::path& root) {
  std::map<std::string, jpegopt::Bytes> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) out[fs::relative(e.path(), root).generic_string()] = read_bytes(e);
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  for (const auto& line : lines(text))
    out.push_back(nlohmann::json::parse(line));
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("a folder without -r is an error for it - the other files go on", "[cli][batch]") {
  TempDir tmp;
  const auto root = make_tree(tmp);
  const auto before = fs::file_size(root / "one.jpg");
  const auto r = run_jpegopt({root.string(), (root / "one.jpg").string()});
  CHECK(r.exit_code == 1);
  CHECK(r.err ==
        "jpegopt: " + root.string() + ": is a folder; add -r to process the JPEG files in it\n");
  CHECK(fs::file_size(root / "one.jpg") < before);
}

TEST_CASE("cli: -r --dest mirrors the tree - files given directly land at the top",
          "[cli][batch]") {
  TempDir tmp;
  const auto root = make_tree(tmp);
  const auto source = snapshot(root);
  copy_to(sample(0), tmp / "direct.jpg");
  const auto dest = tmp / "out";
  const auto r = run_jpegopt(
      {"-r", root.string(), (tmp / "direct.jpg").string(), "-d", dest.string(), "-j", "2"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(snapshot(root) == source);  // the inputs are untouched
  const auto out = snapshot(dest);
  std::vector<std::string> names;
  for (const auto& [name, bytes] : out)
    names.push_back(name);
  CHECK(names == std::vector<std::string>{"direct.jpg", "one.jpg", "sub/deeper/three four.jpg",
                                          "sub/two.JPEG", "sub/ünï.jpg"});
  for (const auto& [name, bytes] : out) {
    INFO(name);
    const auto& original = name == "direct.jpg" ? read_bytes(sample(0)) : source.at(name);
    CHECK(bytes.size() < original.size());
    CHECK(decode_pixels(bytes) == decode_pixels(original));
  }
  // Reports in input order (sorted walk, then the direct file), then the summary.
  const auto report = lines(r.out);
  REQUIRE(report.size() == 6);
  CHECK(report[0].rfind((root / "one.jpg").string() + ": ", 0) == 0);
  CHECK(report[1].rfind((root / "sub/deeper/three four.jpg").string() + ": ", 0) == 0);
  CHECK(report[2].rfind((root / "sub/two.JPEG").string() + ": ", 0) == 0);
  CHECK(report[3].rfind((root / "sub/ünï.jpg").string() + ": ", 0) == 0);
  CHECK(report[4].rfind((tmp / "direct.jpg").string() + ": ", 0) == 0);
  CHECK(contains(report[4], "; wrote " + (dest / "direct.jpg").string()));
  CHECK(report[5].rfind("5 files: 5 optimized, 0 already optimal, 0 skipped, 0 failed", 0) == 0);

  // Existing outputs are not overwritten without --overwrite.
  const auto again = run_jpegopt({"-r", root.string(), "-d", dest.string()});
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "jpegopt: " + (root / "one.jpg").string() + ": " +
                                (dest / "one.jpg").string() + " exists; use --overwrite\n"));
  CHECK(run_jpegopt({"-r", root.string(), "-d", dest.string(), "--overwrite"}).exit_code == 0);
  CHECK(snapshot(dest) == out);
}

TEST_CASE("cli: --copy-unchanged completes the --dest tree", "[cli][batch]") {
  TempDir tmp;
  const auto root = make_tree(tmp);
  REQUIRE(run_jpegopt({"-r", root.string()}).exit_code == 0);  // now already optimal
  const auto optimal = snapshot(root);
  CHECK(run_jpegopt({"-r", root.string(), "-d", (tmp / "a").string()}).exit_code == 0);
  CHECK_FALSE(fs::exists(tmp / "a" / "one.jpg"));
  const auto r = run_jpegopt({"-r", root.string(), "-d", (tmp / "b").string(), "--copy-unchanged"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "; copied to " + (tmp / "b" / "one.jpg").string()));
  auto expected = optimal;
  expected.erase("notes.txt");
  CHECK(snapshot(tmp / "b") == expected);
}

TEST_CASE("cli: -j 1 and -j 4 write identical files and identical reports", "[cli][batch]") {
  TempDir tmp;
  const auto root = make_tree(tmp);
  for (const auto& p : sample_jpegs())
    copy_to(p, root / "all" / p.filename());
  const auto a = run_jpegopt({"-r", root.string(), "-d", (tmp / "j1").string(), "-j", "1"});
  const auto b = run_jpegopt({"-r", root.string(), "-d", (tmp / "j4").string(), "-j", "4"});
  CHECK(a.exit_code == 0);
  CHECK(b.exit_code == 0);
  CHECK(snapshot(tmp / "j1") == snapshot(tmp / "j4"));
  CHECK(snapshot(tmp / "j1").size() == 4 + sample_jpegs().size());
  auto strip = [&](std::string text, const std::string& dir) {
    for (std::size_t at; (at = text.find(dir)) != std::string::npos;)
      text.replace(at, dir.size(), "DEST");
    return text.substr(0, text.rfind(" in "));  // the elapsed time differs
  };
  CHECK(strip(a.out, (tmp / "j1").string()) == strip(b.out, (tmp / "j4").string()));
}

TEST_CASE("cli: --suffix writes NAME+STR.jpg beside the original", "[cli][batch]") {
  TempDir tmp;
  copy_to(sample(0), tmp / "photo.jpeg");
  const auto original = read_bytes(tmp / "photo.jpeg");
  const auto r = run_jpegopt({"--suffix", "-small", (tmp / "photo.jpeg").string()});
  CHECK(r.exit_code == 0);
  CHECK(read_bytes(tmp / "photo.jpeg") == original);
  REQUIRE(fs::exists(tmp / "photo-small.jpg"));
  CHECK(fs::file_size(tmp / "photo-small.jpg") < original.size());
  CHECK(decode_pixels(read_bytes(tmp / "photo-small.jpg")) == decode_pixels(original));
  // Once it exists it is kept, unless --overwrite.
  const auto again = run_jpegopt({"--suffix", "-small", (tmp / "photo.jpeg").string()});
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "photo-small.jpg exists; use --overwrite"));
  CHECK(run_jpegopt({"--suffix", "/x", (tmp / "photo.jpeg").string()}).exit_code == 2);
}

TEST_CASE("stdin to stdout - and --stdout - carry only the image", "[cli][batch]") {
  TempDir tmp;
  const auto r = run_jpegopt({"-"}, sample(0).string());
  CHECK(r.exit_code == 0);
  const jpegopt::Bytes out(r.out.begin(), r.out.end());
  CHECK(out.size() < fs::file_size(sample(0)));
  CHECK(decode_pixels(out) == decode_pixels(read_bytes(sample(0))));
  CHECK(contains(r.err, "-: 12830 -> "));
  const auto s = run_jpegopt({"--stdout", sample(0).string()});
  CHECK(s.exit_code == 0);
  CHECK(s.out == r.out);
  // Standard input is read once; --json needs standard output.
  CHECK(run_jpegopt({"-", "-"}, sample(0).string()).exit_code == 2);
  const auto j = run_jpegopt({"--json", "-"}, sample(0).string());
  CHECK(j.exit_code == 2);
  CHECK(contains(j.err, "--json needs standard output"));
}

TEST_CASE("cli: --dry-run writes nothing and says what would happen", "[cli][batch]") {
  TempDir tmp;
  const auto root = make_tree(tmp);
  copy_to(sample(1), root / "png-named.png");
  const auto before = snapshot(tmp.path());
  const auto r = run_jpegopt({"-n", "-r", root.string()});
  CHECK(r.exit_code == 0);
  CHECK(snapshot(tmp.path()) == before);
  CHECK(contains(r.out, (root / "one.jpg").string() + ": 12830 -> "));
  CHECK(contains(r.out, "; would replace the file\n"));
  CHECK(contains(r.out, "(dry run: nothing written)"));
  const auto d = run_jpegopt({"-n", "-r", root.string(), "-d", (tmp / "out").string()});
  CHECK(d.exit_code == 0);
  CHECK_FALSE(fs::exists(tmp / "out"));
  CHECK(contains(d.out, "; would write " + (tmp / "out" / "sub" / "two.JPEG").string() + "\n"));
  CHECK(snapshot(tmp.path()) == before);
}

TEST_CASE("cli: --check exits 3 listing files that would shrink - 0 when all are optimal",
          "[cli][batch]") {
  TempDir tmp;
  const auto root = make_tree(tmp);
  const auto before = snapshot(root);
  const auto r = run_jpegopt({"--check", "-r", root.string()});
  CHECK(r.exit_code == 3);
  CHECK(snapshot(root) == before);
  const auto report = lines(r.out);
  REQUIRE(report.size() == 5);
  CHECK(report[0].rfind((root / "one.jpg").string() + ": would shrink 12830 -> ", 0) == 0);
  CHECK(report[4].rfind("4 of 4 files would shrink: ", 0) == 0);
  // Within a threshold nothing counts as shrinking.
  CHECK(run_jpegopt({"--check", "--threshold", "99%", "-r", root.string()}).exit_code == 0);
  REQUIRE(run_jpegopt({"-r", root.string()}).exit_code == 0);
  const auto ok = run_jpegopt({"--check", "-r", root.string()});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "4 files checked: all already optimal\n");
  // A failure wins over "would shrink": status 1.
  write_bytes(root / "bad.jpg", jpegopt::Bytes{1, 2, 3});
  copy_to(sample(0), root / "z.jpg");
  const auto bad = run_jpegopt({"--check", "-r", root.string()});
  CHECK(bad.exit_code == 1);
  CHECK(contains(bad.err, "jpegopt: " + (root / "bad.jpg").string() + ": "));
}

TEST_CASE("cli: --json: one object per file in order and a summary - every documented field",
          "[cli][batch]") {
  TempDir tmp;
  const auto root = make_tree(tmp);
  write_bytes(root / "bad.jpg", jpegopt::Bytes{1, 2, 3});
  const auto r = run_jpegopt({"--json", "-r", root.string(), "-j", "3"});
  CHECK(r.exit_code == 1);
  const auto objects = json_lines(r.out);
  REQUIRE(objects.size() == 6);
  const std::vector<std::string> file_fields = {
      "schema_version",   "type",      "path",     "output",           "written", "status",
      "reason",           "message",   "bytes_in", "bytes_out",        "mode",    "coding",
      "quality",          "width",     "height",   "pixels_identical", "ssim",    "trials",
      "metadata_removed", "elapsed_ms"};
  for (std::size_t i = 0; i < 5; ++i) {
    INFO(objects[i].dump());
    CHECK(objects[i].size() == file_fields.size());
    for (const auto& field : file_fields)
      CHECK(objects[i].contains(field));
    CHECK(objects[i].at("schema_version") == 1);
    CHECK(objects[i].at("type") == "file");
  }
  CHECK(objects[0].at("path") == (root / "bad.jpg").string());
  CHECK(objects[0].at("status") == "failed");
  CHECK(objects[0].at("reason") == "not_jpeg");
  CHECK(objects[1].at("path") == (root / "one.jpg").string());
  CHECK(objects[1].at("status") == "optimized");
  CHECK(objects[1].at("output") == (root / "one.jpg").string());
  CHECK(objects[1].at("written") == true);
  CHECK(objects[1].at("bytes_in") == 12830);
  CHECK(objects[1].at("bytes_out") == fs::file_size(root / "one.jpg"));
  CHECK(objects[1].at("mode") == "lossless");
  CHECK(objects[1].at("width") == 300);
  CHECK(objects[1].at("height") == 231);
  CHECK(objects[1].at("pixels_identical") == true);
  CHECK(objects[2].at("metadata_removed").at("com") == 150);  // three four.jpg has a comment
  const auto& summary = objects[5];
  CHECK(summary.at("type") == "summary");
  CHECK(summary.at("files") == 5);
  CHECK(summary.at("optimized") == 4);
  CHECK(summary.at("failed") == 1);
  for (const char* field : {"schema_version", "unchanged", "skipped", "bytes_in", "bytes_out",
                            "saved_percent", "elapsed_ms", "dry_run", "check"})
    CHECK(summary.contains(field));
  CHECK(r.err == "jpegopt: " + (root / "bad.jpg").string() + ": not a JPEG file (no SOI marker)\n");
}

TEST_CASE("cli: --json: a name that is not UTF-8 gets U+FFFD and its bytes in hex",
          "[cli][batch]") {
  TempDir tmp;
  const fs::path odd = tmp / "caf\xe9.jpg";
  copy_to(sample(0), odd);
  const auto r = run_jpegopt({"--json", "-n", odd.string()});
  CHECK(r.exit_code == 0);
  const auto objects = json_lines(r.out);
  REQUIRE(objects.size() == 2);
  CHECK(objects[0].at("path") == (tmp / "caf\xef\xbf\xbd.jpg").string());
  CHECK(objects[0].at("path_hex").get<std::string>().size() == 2 * odd.string().size());
  CHECK(objects[0].at("path_hex").get<std::string>().substr(2 * tmp.path().string().size()) ==
        "2f636166e92e6a7067");
}

TEST_CASE("unreadable inputs fail one by one - the rest is processed", "[cli][batch]") {
  TempDir tmp;
  const auto root = make_tree(tmp);
  REQUIRE(mkfifo((root / "fifo.jpg").c_str(), 0644) == 0);
  fs::create_symlink(tmp / "gone.jpg", root / "dangling.jpg");
  const auto before = fs::file_size(root / "one.jpg");
  const auto r = run_jpegopt(
      {"-r", (tmp / "no such folder").string(), root.string(), (tmp / "missing.jpg").string()});
  CHECK(r.exit_code == 1);
  CHECK(lines(r.err) == std::vector<std::string>{
                            "jpegopt: " + (tmp / "no such folder").string() +
                                ": cannot open: No such file or directory",
                            "jpegopt: " + (root / "dangling.jpg").string() + ": dangling symlink",
                            "jpegopt: " + (root / "fifo.jpg").string() + ": not a regular file",
                            "jpegopt: " + (tmp / "missing.jpg").string() +
                                ": cannot open: No such file or directory"});
  CHECK(fs::file_size(root / "one.jpg") < before);
  CHECK(contains(r.out, "8 files: 4 optimized, 0 already optimal, 0 skipped, 4 failed"));
}

TEST_CASE("cli: --files-from: lines - NUL-separated - stdin - mirrored under --dest",
          "[cli][batch]") {
  TempDir tmp;
  const auto root = make_tree(tmp);
  write_bytes(tmp / "list.txt", jpegopt::Bytes{});
  const std::string list = "one.jpg\nsub/deeper/three four.jpg\n";
  write_bytes(tmp / "list.txt", jpegopt::Bytes(list.begin(), list.end()));
  const auto r = run_shell("cd " + shell_quote(root.string()) + " && " +
                           shell_quote(JPEGOPT_BINARY) + " --files-from - -d ../out < ../list.txt");
  CHECK(r.exit_code == 0);
  CHECK(fs::exists(tmp / "out" / "one.jpg"));
  CHECK(fs::exists(tmp / "out" / "sub" / "deeper" / "three four.jpg"));
  const std::string nul("sub/two.JPEG\0../tree/one.jpg\0", 29);
  write_bytes(tmp / "list0", jpegopt::Bytes(nul.begin(), nul.end()));
  const auto z = run_shell("cd " + shell_quote(root.string()) + " && " +
                           shell_quote(JPEGOPT_BINARY) + " -0 --files-from ../list0 -d ../out0");
  CHECK(z.exit_code == 1);
  CHECK(fs::exists(tmp / "out0" / "sub" / "two.JPEG"));
  CHECK(z.err == "jpegopt: ../tree/one.jpg: refusing a '..' path: it would leave --dest\n");
  CHECK(snapshot(tmp / "out0").size() == 1);
}

TEST_CASE("cli: --dest refuses to write through a symlinked folder inside it", "[cli][batch]") {
  TempDir tmp;
  const auto root = make_tree(tmp);
  fs::create_directories(tmp / "out");
  fs::create_directories(tmp / "elsewhere");
  fs::create_directory_symlink(tmp / "elsewhere", tmp / "out" / "sub");
  const auto r = run_jpegopt({"-r", root.string(), "-d", (tmp / "out").string()});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "jpegopt: " + (root / "sub/two.JPEG").string() +
                            ": refusing to write through symlinked folder " +
                            (tmp / "out" / "sub").string() + " in --dest\n"));
  CHECK(fs::is_empty(tmp / "elsewhere"));
  CHECK(fs::exists(tmp / "out" / "one.jpg"));
  // An output that is the input itself is refused.
  const auto same = run_jpegopt({(root / "one.jpg").string(), "-d", root.string(), "--overwrite"});
  CHECK(same.exit_code == 1);
  CHECK(contains(same.err, "the output is the input file itself"));
}

TEST_CASE("cli: --preserve keeps mtime - a hard-linked file keeps its inode", "[cli][batch]") {
  TempDir tmp;
  const auto root = make_tree(tmp);
  const auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(48);
  fs::last_write_time(root / "one.jpg", old_time);
  fs::last_write_time(root / "sub" / "two.JPEG", old_time);
  fs::create_hard_link(root / "sub" / "ünï.jpg", tmp / "other-name.jpg");
  struct stat before {};
  REQUIRE(stat((root / "sub" / "ünï.jpg").c_str(), &before) == 0);
  const auto r = run_jpegopt({"-p", "-r", root.string(), "-d", (tmp / "out").string()});
  CHECK(r.exit_code == 0);
  CHECK(fs::last_write_time(tmp / "out" / "one.jpg") == old_time);
  const auto in_place = run_jpegopt({"-p", "-r", root.string()});
  CHECK(in_place.exit_code == 0);
  CHECK(fs::last_write_time(root / "one.jpg") == old_time);
  CHECK(fs::last_write_time(root / "sub" / "two.JPEG") == old_time);
  struct stat after {};
  REQUIRE(stat((root / "sub" / "ünï.jpg").c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);
  CHECK(after.st_nlink == 2);
  CHECK(read_bytes(tmp / "other-name.jpg") == read_bytes(root / "sub" / "ünï.jpg"));
  CHECK(fs::file_size(tmp / "other-name.jpg") < fs::file_size(sample(3)));
}

namespace {

std::string read_text(const fs::path& path) {
  const auto bytes = read_bytes(path);
  return std::string(bytes.begin(), bytes.end());
}

// The backticked names in the first column of the table under `heading` in a Markdown file.
std::set<std::string> documented_fields(const std::string& markdown, const std::string& heading) {
  std::set<std::string> out;
  const auto start = markdown.find("\n## " + heading);
  REQUIRE(start != std::string::npos);
  const auto end = markdown.find("\n## ", start + 4);
  std::istringstream in(markdown.substr(start, end - start));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    const std::string cell = line.substr(2, line.find(" |", 2) - 2);
    for (std::size_t at = 0; (at = cell.find('`', at)) != std::string::npos;) {
      const auto close = cell.find('`', at + 1);
      out.insert(cell.substr(at + 1, close - at - 1));
      at = close + 1;
    }
  }
  return out;
}

std::set<std::string> keys(const nlohmann::json& object) {
  std::set<std::string> out;
  for (const auto& item : object.items())
    out.insert(item.key());
  return out;
}

}  // namespace

TEST_CASE("cli: --json carries exactly the fields docs/json-report.md documents", "[cli][batch]") {
  TempDir tmp;
  const auto root = make_tree(tmp);
  write_bytes(root / "bad.jpg", jpegopt::Bytes{1, 2, 3});
  const auto r = run_jpegopt({"--json", "-r", root.string()});
  const auto objects = json_lines(r.out);
  REQUIRE(objects.size() == 6);
  const std::string doc = read_text(samples_dir().parent_path() / "docs" / "json-report.md");
  auto file_fields = documented_fields(doc, "File objects");
  // Present only for names that are not UTF-8 (checked in the test above).
  CHECK(file_fields.erase("path_hex") == 1);
  CHECK(file_fields.erase("output_hex") == 1);
  CHECK(keys(objects[0]) == file_fields);  // failed
  CHECK(keys(objects[1]) == file_fields);  // optimized
  auto summary_fields = documented_fields(doc, "The summary object");
  CHECK(keys(objects[5]) == summary_fields);
}

TEST_CASE("the man page names every long option of --help", "[cli][batch]") {
  std::string page = read_text(samples_dir().parent_path() / "docs" / "jpegopt.1");
  for (std::size_t at; (at = page.find("\\-")) != std::string::npos;)
    page.replace(at, 2, "-");
  for (const std::string command : {"--help", "info --help"}) {
    const auto help = run_shell(shell_quote(JPEGOPT_BINARY) + " " + command);
    REQUIRE(help.exit_code == 0);
    std::size_t found = 0;
    for (std::size_t at = 0; (at = help.out.find("--", at)) != std::string::npos;) {
      std::size_t end = at + 2;
      while (end < help.out.size() &&
             (std::isalnum(static_cast<unsigned char>(help.out[end])) || help.out[end] == '-'))
        ++end;
      const std::string option = help.out.substr(at, end - at);
      at = end;
      if (option.size() <= 2) continue;
      ++found;
      INFO("add " << option << " to docs/jpegopt.1");
      CHECK(page.find(option) != std::string::npos);
    }
    CHECK(found >= 2);
  }
}

TEST_CASE("a closed standard output ends the run quietly", "[cli][batch]") {
  TempDir tmp;
  const auto root = make_tree(tmp);
  const auto status = tmp / "status";
  // `true` exits at once, so the first report line meets a closed pipe.
  const auto r =
      run_shell("{ " + shell_quote(JPEGOPT_BINARY) + " --json -n -r " + shell_quote(root.string()) +
                "; echo $? > " + shell_quote(status.string()) + "; } | true");
  CHECK(r.err.empty());
  CHECK(read_text(status) == "0\n");
}

TEST_CASE("output options that cannot combine are usage errors", "[cli][batch]") {
  const auto s = sample(0).string();
  CHECK(run_jpegopt({"-o", "/dev/null", "-d", "x", s}).exit_code == 2);
  CHECK(run_jpegopt({"--stdout", "--suffix", "-a", s}).exit_code == 2);
  const auto copy = run_jpegopt({"--copy-unchanged", s});
  CHECK(copy.exit_code == 2);
  CHECK(copy.err ==
        "jpegopt: --copy-unchanged needs -d/--dest\nRun 'jpegopt --help' for the options.\n");
  CHECK(run_jpegopt({"-o", "/dev/null", "-r", samples_dir().string()}).exit_code == 2);
}
