#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "io/files.hpp"
#include "io/platform.hpp"
#include "jpegopt/error.hpp"
#include "support/test_paths.hpp"

#ifndef _WIN32
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#endif

using namespace jpegopt;
namespace fs = std::filesystem;
using test::read_bytes;
using test::TempDir;
using test::write_bytes;

namespace {

Bytes pattern_bytes(std::size_t size, unsigned seed) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i)
    out[i] = static_cast<std::uint8_t>((i * 31 + seed) & 0xff);
  return out;
}

// Names of everything in `dir`, sorted.
std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.insert(entry.path().filename());
  return names;
}

// A pid that no process can have: above the kernel's pid_max.
std::uint64_t impossible_pid() {
  std::uint64_t pid_max = 4194304;  // the largest pid_max Linux allows
  std::ifstream in("/proc/sys/kernel/pid_max");
  if (in) in >> pid_max;
  return pid_max + 1;
}

}  // namespace

TEST_CASE("read_file reads small and huge-page-sized files exactly", "[files]") {
  TempDir dir;
  // Below, at and above 2 MiB (the size from which the buffer is mapped on huge pages).
  for (const std::size_t size :
       {std::size_t{0}, std::size_t{1}, std::size_t{70000}, platform::kHugePageBytes - 1,
        platform::kHugePageBytes, 3 * platform::kHugePageBytes + 12345}) {
    CAPTURE(size);
    const fs::path file = dir / "input.ppm";
    const Bytes bytes = pattern_bytes(size, 5);
    write_bytes(file, bytes);
    const io::FileBytes read = io::read_file(file);
    CHECK(Bytes(read.begin(), read.end()) == bytes);
    io::FileBytes copy = read;  // the allocator copies, grows and frees like std::allocator
    copy.resize(size + 1, 7);
    CHECK(copy.back() == 7);
    CHECK(std::equal(read.begin(), read.end(), copy.begin()));
  }
}

TEST_CASE("write_atomic replaces content and keeps the mode", "[files]") {
  TempDir dir;
  const fs::path file = dir / "photo.jpg";
  write_bytes(file, pattern_bytes(1000, 1));
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);

  const Bytes replacement = pattern_bytes(700, 2);
  io::write_atomic(file, replacement, {});

  CHECK(read_bytes(file) == replacement);
  CHECK((fs::status(file).permissions() & fs::perms::mask) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));  // 0640
  CHECK(names_in(dir.path()) == std::set<std::string>{"photo.jpg"});
}

TEST_CASE("write_atomic creates a missing file and leaves no temporary files", "[files]") {
  TempDir dir;
  const fs::path file = dir / "new.jpg";
  const Bytes bytes = pattern_bytes(5000, 3);
  io::write_atomic(file, bytes, {});
  CHECK(read_bytes(file) == bytes);
  io::write_atomic(file, pattern_bytes(10, 4), {});
  io::write_atomic(file, {}, {});
  CHECK(fs::file_size(file) == 0);
  CHECK(names_in(dir.path()) == std::set<std::string>{"new.jpg"});
}

TEST_CASE("write_atomic keeps the times when asked", "[files]") {
  TempDir dir;
  const fs::path file = dir / "old.jpg";
  write_bytes(file, pattern_bytes(100, 5));
  const auto old_mtime = fs::last_write_time(file) - std::chrono::hours(24 * 10);
  fs::last_write_time(file, old_mtime);
#ifndef _WIN32
  struct stat before {};
  REQUIRE(::stat(file.c_str(), &before) == 0);
  struct timespec times[2]{};
  times[0].tv_sec = before.st_mtim.tv_sec - 1000;  // an atime different from the mtime
  times[1].tv_nsec = UTIME_OMIT;
  REQUIRE(::utimensat(AT_FDCWD, file.c_str(), times, 0) == 0);
#endif

  io::WriteOptions opts;
  opts.preserve_times = true;
  io::write_atomic(file, pattern_bytes(50, 6), opts);
  CHECK(fs::last_write_time(file) == old_mtime);
#ifndef _WIN32
  struct stat after {};
  REQUIRE(::stat(file.c_str(), &after) == 0);
  CHECK(after.st_atim.tv_sec == times[0].tv_sec);
#endif
  CHECK(read_bytes(file) == pattern_bytes(50, 6));

  io::write_atomic(file, pattern_bytes(40, 7), {});
  CHECK(fs::last_write_time(file) > old_mtime);
}

TEST_CASE("write_atomic failures leave the original and no temporary files", "[files]") {
  TempDir dir;

  SECTION("the parent folder does not exist") {
    const fs::path file = dir / "missing" / "a.jpg";
    try {
      io::write_atomic(file, pattern_bytes(100, 8), {});
      FAIL("no exception");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::Io);
      CHECK_THAT(e.what(), Catch::Contains("No such file or directory"));
    }
    CHECK(names_in(dir.path()).empty());
  }

  SECTION("the target is a folder") {
    const fs::path folder = dir / "folder.jpg";
    fs::create_directory(folder);
    write_bytes(folder / "inside", pattern_bytes(10, 9));
    try {
      io::write_atomic(folder, pattern_bytes(100, 8), {});
      FAIL("no exception");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::Io);
    }
    CHECK(fs::is_directory(folder));
    CHECK(read_bytes(folder / "inside") == pattern_bytes(10, 9));
    CHECK(names_in(dir.path()) == std::set<std::string>{"folder.jpg"});
  }

#ifndef _WIN32
  SECTION("a write fails half way (file size limit)") {
    const fs::path file = dir / "a.jpg";
    const Bytes original = pattern_bytes(300, 10);
    write_bytes(file, original);

    // RLIMIT_FSIZE makes writes past 16 KB fail with EFBIG, even for root. Restore everything
    // before any check, since Catch2 may write files too.
    struct rlimit saved {};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
    auto* saved_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = saved;
    small.rlim_cur = 16 * 1024;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string message;
    bool threw = false;
    try {
      io::write_atomic(file, pattern_bytes(200 * 1024, 11), {});
    } catch (const Error& e) {
      threw = e.code() == ErrorCode::Io;
      message = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, saved_handler);

    CHECK(threw);
    CHECK_THAT(message, Catch::Contains("cannot write temporary file"));
    CHECK(read_bytes(file) == original);
    CHECK(names_in(dir.path()) == std::set<std::string>{"a.jpg"});
  }
#endif
}

TEST_CASE("write_atomic updates a hard-linked file in place", "[files]") {
  TempDir dir;
  const fs::path first = dir / "first.jpg";
  const fs::path second = dir / "second.jpg";
  write_bytes(first, pattern_bytes(2000, 12));
  fs::create_hard_link(first, second);
#ifndef _WIN32
  struct stat before {};
  REQUIRE(::stat(first.c_str(), &before) == 0);
#endif

  const Bytes replacement = pattern_bytes(1500, 13);
  io::write_atomic(first, replacement, {});

  CHECK(read_bytes(first) == replacement);
  CHECK(read_bytes(second) == replacement);
  CHECK(fs::hard_link_count(first) == 2);
  CHECK(fs::equivalent(first, second));
#ifndef _WIN32
  struct stat after {};
  REQUIRE(::stat(first.c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);
#endif
  CHECK(names_in(dir.path()) == std::set<std::string>{"first.jpg", "second.jpg"});

  SECTION("and grows it when the new content is longer") {
    const Bytes longer = pattern_bytes(5000, 14);
    io::write_atomic(second, longer, {});
    CHECK(read_bytes(first) == longer);
  }

  SECTION("unless keep_hard_links is off") {
    io::WriteOptions opts;
    opts.keep_hard_links = false;
    io::write_atomic(first, pattern_bytes(10, 15), opts);
    CHECK(read_bytes(first) == pattern_bytes(10, 15));
    CHECK(read_bytes(second) == replacement);
    CHECK(fs::hard_link_count(second) == 1);
  }
}

TEST_CASE("write_atomic through a symlink replaces the linked file", "[files]") {
  TempDir dir;
  const fs::path real = dir / "real.jpg";
  const fs::path link = dir / "link.jpg";
  write_bytes(real, pattern_bytes(100, 16));
  fs::create_symlink("real.jpg", link);
  io::write_atomic(link, pattern_bytes(60, 17), {});
  CHECK(fs::is_symlink(link));
  CHECK(read_bytes(real) == pattern_bytes(60, 17));
  CHECK(names_in(dir.path()) == std::set<std::string>{"link.jpg", "real.jpg"});
}

TEST_CASE("write_new_file refuses to overwrite without the flag", "[files]") {
  TempDir dir;
  const fs::path out = dir / "out.jpg";

  io::write_new_file(out, pattern_bytes(100, 18), false);
  CHECK(read_bytes(out) == pattern_bytes(100, 18));

  try {
    io::write_new_file(out, pattern_bytes(50, 19), false);
    FAIL("no exception");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Io);
    CHECK_THAT(e.what(), Catch::Contains("exists; use --overwrite"));
  }
  CHECK(read_bytes(out) == pattern_bytes(100, 18));

  io::write_new_file(out, pattern_bytes(50, 19), true);
  CHECK(read_bytes(out) == pattern_bytes(50, 19));

  // A dangling symlink counts as existing and is never followed.
  const fs::path dangling = dir / "dangling.jpg";
  fs::create_symlink("nowhere.jpg", dangling);
  CHECK_THROWS_AS(io::write_new_file(dangling, pattern_bytes(5, 20), false), Error);
  CHECK(!fs::exists(dir / "nowhere.jpg"));
  CHECK(names_in(dir.path()) == std::set<std::string>{"dangling.jpg", "out.jpg"});
}

TEST_CASE("remove_stale_temp_files removes only dead writers' temporary files", "[files]") {
  TempDir dir;
  const std::string dead = ".a.jpg.jpegopt-tmp-" + std::to_string(impossible_pid()) + "-deadbeef";
  const std::string alive =
      ".b.jpg.jpegopt-tmp-" + std::to_string(platform::process_id()) + "-0123abcd";
  write_bytes(dir / dead, pattern_bytes(10, 21));
  write_bytes(dir / alive, pattern_bytes(10, 22));
  write_bytes(dir / "a.jpg", pattern_bytes(10, 23));
  write_bytes(dir / ".c.jpg.jpegopt-tmp-x-1", pattern_bytes(10, 24));         // not our pattern
  write_bytes(dir / ".d.jpg.jpegopt-tmp-999999999-", pattern_bytes(10, 25));  // no random part
  fs::create_directory(dir / "sub");
  write_bytes(dir / "sub" / dead, pattern_bytes(10, 26));  // not recursive

  CHECK(io::remove_stale_temp_files(dir.path()) == 1);
  CHECK(names_in(dir.path()) == std::set<std::string>{alive, "a.jpg", ".c.jpg.jpegopt-tmp-x-1",
                                                      ".d.jpg.jpegopt-tmp-999999999-", "sub"});
  CHECK(fs::exists(dir / "sub" / dead));
  CHECK(io::remove_stale_temp_files(dir / "does-not-exist") == 0);
}

TEST_CASE("platform reports process states and link counts", "[files]") {
  using platform::ProcessState;
  CHECK(platform::process_state(platform::process_id()) == ProcessState::Running);
  CHECK(platform::process_state(impossible_pid()) == ProcessState::Gone);
  TempDir dir;
  write_bytes(dir / "x", pattern_bytes(1, 27));
  std::uintmax_t links = 0;
  CHECK(!platform::hard_link_count(dir / "x", links));
  CHECK(links == 1);
  CHECK(platform::hard_link_count(dir / "y", links));
}

#ifndef _WIN32
namespace {
// Runs write_stdout() in a child whose standard output is a pipe; returns the child's exit code
// (0: written, 3: BrokenPipe, 4: other Error) and what arrived through the pipe.
int write_stdout_in_child(const Bytes& bytes, bool close_reader, Bytes& received) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::fflush(stdout);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], 1);
    ::close(fds[1]);
    platform::ignore_broken_pipe_signal();
    int code = 0;
    try {
      io::write_stdout(bytes);
    } catch (const io::BrokenPipe&) {
      code = 3;
    } catch (const Error&) {
      code = 4;
    }
    ::_exit(code);
  }
  ::close(fds[1]);
  if (close_reader) ::close(fds[0]);
  received.clear();
  if (!close_reader) {
    std::uint8_t buffer[4096];
    for (;;) {
      const ssize_t got = ::read(fds[0], buffer, sizeof buffer);
      if (got <= 0) break;
      received.insert(received.end(), buffer, buffer + got);
    }
    ::close(fds[0]);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}
}  // namespace

TEST_CASE("write_stdout writes everything and reports a broken pipe", "[files]") {
  const Bytes bytes = pattern_bytes(300 * 1024, 28);  // more than a pipe buffer
  Bytes received;
  CHECK(write_stdout_in_child(bytes, false, received) == 0);
  CHECK(received == bytes);
  CHECK(write_stdout_in_child(bytes, true, received) == 3);
}

TEST_CASE("write_atomic on a full disk reports it and keeps the original", "[files]") {
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

  const fs::path file = mount_point / "small.jpg";
  const Bytes original = pattern_bytes(1000, 29);
  write_bytes(file, original);
  try {
    io::write_atomic(file, pattern_bytes(200 * 1024, 30), {});
    FAIL("no exception");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::Io);
    CHECK_THAT(e.what(), Catch::Contains("No space left on device"));
  }
  CHECK(read_bytes(file) == original);
  CHECK(names_in(mount_point) == std::set<std::string>{"small.jpg"});
}
#endif
