#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "cli/destination.hpp"
#include "cli/inputs.hpp"
#include "jpegopt/error.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt::cli;
using jpegopt::test::TempDir;
namespace fs = std::filesystem;

namespace {

void touch(const fs::path& path) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << "x";
}

std::vector<std::string> relatives(const std::vector<Input>& inputs) {
  std::vector<std::string> out;
  for (const auto& i : inputs)
    out.push_back(i.relative.generic_string() + (i.error.empty() ? "" : " !" + i.error));
  return out;
}

}  // namespace

TEST_CASE("glob_match: * - ? - sets - ** and quoting", "[inputs]") {
  CHECK(glob_match("*.jpg", "a.jpg"));
  CHECK_FALSE(glob_match("*.jpg", "a.jpeg"));
  CHECK_FALSE(glob_match("*.jpg", "d/a.jpg"));
  CHECK(glob_match("**.jpg", "d/a.jpg"));
  CHECK(glob_match("**/a.jpg", "a.jpg"));
  CHECK(glob_match("**/a.jpg", "x/y/a.jpg"));
  CHECK(glob_match("d/*/a.jpg", "d/x/a.jpg"));
  CHECK_FALSE(glob_match("d/*/a.jpg", "d/x/y/a.jpg"));
  CHECK(glob_match("?.jpg", "a.jpg"));
  CHECK_FALSE(glob_match("?.jpg", "ab.jpg"));
  CHECK(glob_match("[a-c]x", "bx"));
  CHECK_FALSE(glob_match("[!a-c]x", "bx"));
  CHECK(glob_match("[!a-c]x", "dx"));
  CHECK(glob_match("\\*", "*"));
  CHECK_FALSE(glob_match("\\*", "a"));
  CHECK(glob_match("[", "["));
  CHECK(glob_match("", ""));
  CHECK_FALSE(glob_match("a", ""));
  CHECK_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b", std::string(200, 'a')));
}

TEST_CASE("is_excluded: names match any component - paths match the whole", "[inputs]") {
  CHECK(is_excluded("thumbs/a.jpg", {"thumbs"}));
  CHECK(is_excluded("x/thumbs/a.jpg", {"thumbs"}));
  CHECK(is_excluded("x/a-small.jpg", {"*-small.jpg"}));
  CHECK_FALSE(is_excluded("x/a.jpg", {"*-small.jpg"}));
  CHECK(is_excluded("x/y/a.jpg", {"x/*/a.jpg"}));
  CHECK_FALSE(is_excluded("z/x/y/a.jpg", {"x/*/a.jpg"}));
  CHECK_FALSE(is_excluded("a.jpg", {}));
}

TEST_CASE("has_image_extension: JPEG names in any case - PNG when asked", "[inputs]") {
  for (const char* name : {"a.jpg", "a.JPG", "a.jpeg", "a.JpEg", "a.jpe", "a.jfif", "a.JFIF"})
    CHECK(has_image_extension(name, false));
  for (const char* name : {"a.png", "a.gif", "a", "jpg", "a.jpg.txt", ".jpgx"})
    CHECK_FALSE(has_image_extension(name, false));
  CHECK(has_image_extension("a.PNG", true));
  for (const char* name : {"a.ppm", "a.PGM", "a.pnm"}) {
    CHECK(has_image_extension(name, true));
    CHECK_FALSE(has_image_extension(name, false));
  }
}

TEST_CASE("is_pixel_file_name: PNG and PNM names in any case", "[inputs]") {
  for (const char* name : {"a.png", "a.PNG", "a.ppm", "a.PGM", "a.pnm", "dir.jpg/b.Ppm"})
    CHECK(is_pixel_file_name(name));
  for (const char* name : {"a.jpg", "a", "png", "a.png.txt", "a.pbm", "a.pam"})
    CHECK_FALSE(is_pixel_file_name(name));
}

TEST_CASE("split_file_list: lines - CRLF - NUL", "[inputs]") {
  CHECK(split_file_list("a.jpg\nb c.jpg\r\n\nd.jpg", false) ==
        std::vector<std::string>{"a.jpg", "b c.jpg", "d.jpg"});
  CHECK(split_file_list(std::string_view("a\nb\0c\0\0", 7), true) ==
        std::vector<std::string>{"a\nb", "c"});
  CHECK(split_file_list("", false).empty());
}

TEST_CASE("collect_inputs: sorted walk - filters - folder errors - symlinks", "[inputs]") {
  TempDir tmp;
  const fs::path root = tmp / "tree";
  touch(root / "b.jpg");
  touch(root / "A.JPEG");
  touch(root / "notes.txt");
  touch(root / "pic.png");
  touch(root / "sub" / "z.jfif");
  touch(root / "sub" / "deeper" / "ünï code.jpe");
  touch(root / "skip" / "x.jpg");
  touch(tmp / "elsewhere" / "linked.jpg");
  fs::create_directory_symlink(tmp / "elsewhere", root / "link");
  fs::create_symlink(tmp / "nowhere.jpg", root / "dangling.jpg");

  InputOptions options;
  options.recursive = true;
  options.excludes = {"skip"};
  const auto inputs = collect_inputs({root.string()}, {}, options);
  CHECK(relatives(inputs) == std::vector<std::string>{"A.JPEG", "b.jpg",
                                                      "dangling.jpg !dangling symlink",
                                                      "sub/deeper/ünï code.jpe", "sub/z.jfif"});
  CHECK(inputs[1].path == root / "b.jpg");

  options.follow_symlinks = true;
  options.include_png = true;
  options.excludes = {"skip", "*.jfif"};
  CHECK(relatives(collect_inputs({root.string()}, {}, options)) ==
        std::vector<std::string>{"A.JPEG", "b.jpg", "dangling.jpg !dangling symlink",
                                 "link/linked.jpg", "pic.png", "sub/deeper/ünï code.jpe"});

  // Without -r a folder is an error; files given directly keep their order; duplicates go.
  options = InputOptions{};
  const auto direct =
      collect_inputs({(root / "b.jpg").string(), root.string(), (root / "notes.txt").string(),
                      (root / "b.jpg").string(), "-"},
                     {"sub/z.jfif"}, options);
  REQUIRE(direct.size() == 5);
  CHECK(direct[0].relative == "b.jpg");
  CHECK(direct[1].error == "is a folder; add -r to process the JPEG files in it");
  CHECK(direct[2].relative == "notes.txt");  // named explicitly: no extension filter
  CHECK(direct[3].path == "-");
  CHECK(direct[4].relative == "sub/z.jfif");  // listed: keeps its relative path

  // A folder that does not exist is one failed input; the others stay.
  options.recursive = true;
  const auto missing =
      collect_inputs({(tmp / "absent").string(), (root / "sub").string()}, {}, options);
  REQUIRE(missing.size() == 3);
  CHECK(missing[0].relative == "absent");
  CHECK(missing[1].relative == "deeper/ünï code.jpe");
}

TEST_CASE("output_path: in place - suffix - PNG - dest mirroring and escapes", "[inputs]") {
  OutputMode in_place;
  CHECK(output_path({"d/a.jpg", "a.jpg", {}}, in_place, false) == "d/a.jpg");
  CHECK(output_path({"d/a.png", "a.png", {}}, in_place, false) == "d/a.jpg");
  CHECK(output_path({"d/a.png", "a.png", {}}, in_place, true) == "d/a.png");
  CHECK(replaces_input({"d/a.jpg", "a.jpg", {}}, in_place));
  CHECK_FALSE(replaces_input({"d/a.PNG", "a.PNG", {}}, in_place));

  OutputMode suffix;
  suffix.suffix = "-small";
  CHECK(output_path({"d/a.jpeg", "a.jpeg", {}}, suffix, false) == "d/a-small.jpg");
  CHECK_FALSE(replaces_input({"d/a.jpg", "a.jpg", {}}, suffix));

  OutputMode dest;
  dest.kind = OutputKind::Dest;
  dest.dest = "out";
  CHECK(output_path({"src/x/a.jpg", "x/a.jpg", {}}, dest, false) == "out/x/a.jpg");
  CHECK(output_path({"src/x/a.png", "x/a.png", {}}, dest, false) == "out/x/a.jpg");
  CHECK(output_path({"src/x/a.png", "x/a.png", {}}, dest, true) == "out/x/a.png");
  CHECK(output_path({"-", "", {}}, dest, false) == "-");
  CHECK_THROWS_WITH(output_path({"../a.jpg", "../a.jpg", {}}, dest, false),
                    "refusing a '..' path: it would leave --dest");
  CHECK_THROWS_WITH(output_path({"x/../../a.jpg", "x/../../a.jpg", {}}, dest, false),
                    "refusing a '..' path: it would leave --dest");
  CHECK_THROWS_AS(output_path({"/etc/a.jpg", "/etc/a.jpg", {}}, dest, false), jpegopt::Error);
}

TEST_CASE("prepare_dest_folders: creates folders - refuses symlinked ones", "[inputs]") {
  TempDir tmp;
  const fs::path dest = tmp / "out";
  prepare_dest_folders(dest, dest / "a" / "b" / "x.jpg", true);
  CHECK(fs::is_directory(dest / "a" / "b"));
  fs::create_directory(tmp / "outside");
  fs::create_directory_symlink(tmp / "outside", dest / "a" / "escape");
  CHECK_THROWS_WITH(prepare_dest_folders(dest, dest / "a" / "escape" / "c" / "x.jpg", true),
                    "refusing to write through symlinked folder " +
                        (dest / "a" / "escape").string() + " in --dest");
  CHECK_FALSE(fs::exists(tmp / "outside" / "c"));
  touch(dest / "file");
  CHECK_THROWS_WITH(prepare_dest_folders(dest, dest / "file" / "x.jpg", true),
                    (dest / "file").string() + " is in the way: not a folder");
  // A dry run checks without creating.
  prepare_dest_folders(dest, dest / "new" / "x.jpg", false);
  CHECK_FALSE(fs::exists(dest / "new"));
}

TEST_CASE("refuse_same_file: same inode or path", "[inputs]") {
  TempDir tmp;
  touch(tmp / "a.jpg");
  fs::create_hard_link(tmp / "a.jpg", tmp / "b.jpg");
  CHECK_THROWS_AS(refuse_same_file(tmp / "a.jpg", tmp / "b.jpg"), jpegopt::Error);
  CHECK_THROWS_AS(refuse_same_file(tmp / "a.jpg", tmp / "." / "a.jpg"), jpegopt::Error);
  CHECK_NOTHROW(refuse_same_file(tmp / "a.jpg", tmp / "c.jpg"));
}
