// Crash safety of in-place writes, end to end through the jpegopt binary: SIGKILL at random
// moments during an in-place batch never leaves a damaged file, stale temporary files keep their
// recognizable name and the next run removes them; a full disk leaves the original intact and is
// reported as an I/O error with the OS's text.
#include <catch2/catch.hpp>

#ifndef _WIN32

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/jpeg_file.hpp"
#include "support/run_cli.hpp"
#include "support/synth.hpp"
#include "support/test_paths.hpp"

using namespace jpegopt;
using namespace jpegopt::test;

namespace {

// Starts jpegopt with `args`, its output discarded; returns the child's pid.
pid_t spawn_jpegopt(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string binary = JPEGOPT_BINARY;
  argv.push_back(binary.data());
  std::vector<std::string> copies = args;
  for (auto& a : copies)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);  // else the child would write our buffered output again
  std::fflush(stderr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::FILE* null = std::freopen("/dev/null", "w", stdout);
    null = std::freopen("/dev/null", "w", stderr);
    (void)null;
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

bool is_temp_name(const std::string& name) {
  return name.size() > 1 && name[0] == '.' && name.find(".jpegopt-tmp-") != std::string::npos;
}

struct Original {
  Bytes bytes;
  Bytes pixels;
  Bytes verified;  // the last rewritten content already checked (files are rarely rewritten twice)
};

// Every file is its original or a JPEG with the original's pixels; other names are temporary
// files of the recognizable form. Returns how many files were rewritten.
int check_folder(const fs::path& dir, std::map<std::string, Original>& originals) {
  int rewritten = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const auto it = originals.find(name);
    if (it == originals.end()) {
      INFO(name);
      CHECK(is_temp_name(name));
      continue;
    }
    const Bytes now = read_bytes(entry.path());
    if (now == it->second.bytes) continue;
    INFO(name << " was rewritten");
    ++rewritten;
    if (now == it->second.verified) continue;
    REQUIRE_NOTHROW(JpegFile::parse(now));
    CHECK(decode_pixels(now) == it->second.pixels);
    it->second.verified = now;
  }
  for (const auto& [name, original] : originals)
    CHECK(fs::exists(dir / name));
  return rewritten;
}

}  // namespace

TEST_CASE("SIGKILL during an in-place batch leaves every file whole", "[crash]") {
  std::uint32_t seed = std::random_device{}();
  if (const char* env = std::getenv("JPEGOPT_CRASH_SEED")) seed = std::stoul(env);
  std::printf("crash-safety seed: %u (set JPEGOPT_CRASH_SEED to repeat)\n", seed);
  std::mt19937 rng(seed);

  TempDir dir;
  std::map<std::string, Original> originals;
  std::vector<std::pair<std::size_t, std::string>> by_size;
  // Small synthetic files first (many renames early in each run), then the samples.
  for (int i = 0; i < 16; ++i) {
    const std::string name = "synth-" + std::to_string(i) + ".jpg";
    write_bytes(dir / name, make_jpeg({.width = 48 + 16 * i,
                                       .height = 40 + 8 * i,
                                       .progressive = i % 3 == 0,
                                       .seed = static_cast<std::uint32_t>(i + 1)}));
  }
  for (const auto& sample : sample_jpegs())
    fs::copy_file(sample, dir / sample.filename());
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    const Bytes bytes = read_bytes(entry.path());
    by_size.emplace_back(bytes.size(), name);
    originals[name] = {bytes, decode_pixels(bytes), {}};
  }
  std::sort(by_size.begin(), by_size.end());
  std::vector<std::string> args = {"--quiet"};
  for (const auto& [size, name] : by_size)
    args.push_back((dir / name).string());

  std::uniform_int_distribution<int> delay_ms(0, 900);
  int kills = 0, rewritten = 0;
  for (int round = 0; round < 30; ++round) {
    const int delay = delay_ms(rng);
    const pid_t pid = spawn_jpegopt(args);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    if (::kill(pid, SIGKILL) == 0) ++kills;
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    INFO("round " << round << ", killed after " << delay << " ms");
    rewritten = check_folder(dir.path(), originals);
  }
  std::printf("crash-safety: %d kills, %d of %zu files rewritten so far\n", kills, rewritten,
              originals.size());
  CHECK(rewritten > 0);  // the kills did land after some writes

  // A normal run finishes the job and removes every stale temporary file.
  const CommandResult finish = run_jpegopt(args);
  CHECK(finish.exit_code == 0);
  CHECK(finish.err.empty());
  check_folder(dir.path(), originals);
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    names.insert(entry.path().filename().string());
  std::set<std::string> expected;
  for (const auto& [name, original] : originals)
    expected.insert(name);
  CHECK(names == expected);
}

TEST_CASE("the next run removes stale temporary files even when it writes nothing", "[crash]") {
  TempDir dir;
  const fs::path file = dir / "photo.jpg";
  write_bytes(file, make_jpeg({.width = 64, .height = 64}));
  REQUIRE(run_jpegopt({"--quiet", file.string()}).exit_code == 0);  // now already optimal
  const Bytes optimized = read_bytes(file);
  // A dead writer's leftover: pid 2^22+1 is above Linux's pid_max default and never running.
  const fs::path stale = dir / ".photo.jpg.jpegopt-tmp-4194305-1a2b3c";
  write_bytes(stale, Bytes{0xFF, 0xD8});
  const fs::path unrelated = dir / ".photo.jpg.keep";
  write_bytes(unrelated, Bytes{1});
  const CommandResult again = run_jpegopt({file.string()});
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.out, Catch::Contains("already optimal"));
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(unrelated));
  CHECK(read_bytes(file) == optimized);
}

TEST_CASE("an in-place run on a full disk reports io and keeps the original", "[crash]") {
  if (::geteuid() != 0) {
    WARN("skipped: mounting a small tmpfs needs root");
    return;
  }
  TempDir dir;
  const fs::path mount_point = dir / "full";
  fs::create_directory(mount_point);
  const std::string mount =
      "mount -t tmpfs -o size=64k tmpfs '" + mount_point.string() + "' 2>/dev/null";
  if (std::system(mount.c_str()) != 0) {
    WARN("skipped: cannot mount a tmpfs here");
    return;
  }
  struct Unmount {
    std::string command;
    ~Unmount() {
      if (std::system(command.c_str()) != 0) std::fprintf(stderr, "cannot unmount\n");
    }
  } unmount{"umount '" + mount_point.string() + "'"};

  // About 40 KB that optimizes to about 35 KB: the temporary copy cannot fit next to it.
  const Bytes original = make_jpeg({.width = 208, .height = 160, .h = 1, .v = 1, .quality = 95});
  REQUIRE(original.size() > 33 * 1024);
  REQUIRE(original.size() < 60 * 1024);
  const fs::path file = mount_point / "photo.jpg";
  write_bytes(file, original);
  const CommandResult cli = run_jpegopt({file.string()});
  CHECK(cli.exit_code == 1);
  CHECK_THAT(cli.err, Catch::StartsWith("jpegopt: " + file.string() + ": "));
  CHECK_THAT(cli.err, Catch::Contains("No space left on device"));
  CHECK(read_bytes(file) == original);
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(mount_point))
    names.insert(entry.path().filename().string());
  CHECK(names == std::set<std::string>{"photo.jpg"});
}

TEST_CASE("cli: --dest never writes through a symlink planted at an output path", "[crash][dest]") {
  TempDir dir;
  fs::create_directories(dir / "in");
  fs::create_directories(dir / "out");
  write_bytes(dir / "in" / "a.jpg", make_jpeg({.width = 64, .height = 64}));
  const Bytes outside = {'k', 'e', 'e', 'p'};
  write_bytes(dir / "outside.jpg", outside);
  fs::create_symlink(dir / "outside.jpg", dir / "out" / "a.jpg");
  const CommandResult refused =
      run_jpegopt({"--quiet", (dir / "in" / "a.jpg").string(), "-d", (dir / "out").string()});
  CHECK(refused.exit_code == 1);
  CHECK(read_bytes(dir / "outside.jpg") == outside);
  CHECK(fs::is_symlink(dir / "out" / "a.jpg"));
  // With --overwrite the link itself is replaced by the result; its target stays untouched.
  const CommandResult replaced = run_jpegopt(
      {"--quiet", "--overwrite", (dir / "in" / "a.jpg").string(), "-d", (dir / "out").string()});
  CHECK(replaced.exit_code == 0);
  CHECK(read_bytes(dir / "outside.jpg") == outside);
  CHECK_FALSE(fs::is_symlink(dir / "out" / "a.jpg"));
  CHECK(decode_pixels(read_bytes(dir / "out" / "a.jpg")) ==
        decode_pixels(read_bytes(dir / "in" / "a.jpg")));
}

#endif
