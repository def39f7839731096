#include "io/platform.hpp"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#ifdef _WIN32
// Windows port: untested here. Fallbacks are marked "FALLBACK".
#define WIN32_LEAN_AND_MEAN
#include <fcntl.h>
#include <io.h>
#include <process.h>
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#endif
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace jpegopt::platform {

namespace fs = std::filesystem;

namespace {
std::error_code last_error() noexcept {
  return {errno, std::generic_category()};
}
}  // namespace

#ifndef _WIN32

std::FILE* create_exclusive(const fs::path& path, std::error_code& ec) noexcept {
  ec.clear();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    ec = last_error();
    return nullptr;
  }
  std::FILE* file = ::fdopen(fd, "wb");
  if (file == nullptr) {
    ec = last_error();
    ::close(fd);
    ::unlink(path.c_str());  // we created it a moment ago
  }
  return file;
}

std::FILE* open_for_update(const fs::path& path, std::error_code& ec) noexcept {
  ec.clear();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    ec = last_error();
    return nullptr;
  }
  std::FILE* file = ::fdopen(fd, "wb");  // "w" through fdopen does not truncate
  if (file == nullptr) {
    ec = last_error();
    ::close(fd);
  }
  return file;
}

std::error_code sync_file(std::FILE* file) noexcept {
  if (std::fflush(file) != 0) return last_error();
  if (::fsync(::fileno(file)) != 0) return last_error();
  return {};
}

std::error_code sync_directory(const fs::path& dir) noexcept {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return last_error();
  std::error_code ec;
  // Some file systems (FUSE, some network ones) cannot sync a folder; nothing more can be done.
  if (::fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP && errno != EOPNOTSUPP)
    ec = last_error();
  if (::close(fd) != 0 && !ec) ec = last_error();
  return ec;
}

std::error_code truncate_file(std::FILE* file, std::uintmax_t size) noexcept {
  if (std::fflush(file) != 0) return last_error();
  if (size > static_cast<std::uintmax_t>(std::numeric_limits<off_t>::max()))
    return std::make_error_code(std::errc::file_too_large);
  if (::ftruncate(::fileno(file), static_cast<off_t>(size)) != 0) return last_error();
  return {};
}

std::error_code read_owner(const fs::path& path, FileOwner& out) noexcept {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return last_error();
  out.mode = static_cast<std::uint32_t>(st.st_mode & 07777);
  out.uid = st.st_uid;
  out.gid = st.st_gid;
  return {};
}

std::error_code apply_owner(std::FILE* file, const FileOwner& owner) noexcept {
  const int fd = ::fileno(file);
  mode_t mode = static_cast<mode_t>(owner.mode & 07777);
  if (owner.uid >= 0 && owner.gid >= 0) {
    const auto uid = static_cast<uid_t>(owner.uid);
    const auto gid = static_cast<gid_t>(owner.gid);
    // Owner first: chown clears setuid/setgid, so the mode is applied after it.
    if (::fchown(fd, uid, gid) != 0) {
      if (errno != EPERM) return last_error();
      // Not allowed to give the file away: keep at least the group when we belong to it.
      if (::fchown(fd, static_cast<uid_t>(-1), gid) != 0 && errno != EPERM) return last_error();
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) return last_error();
    // Never hand out setuid/setgid for an owner or group the file did not get.
    if (st.st_uid != uid) mode &= static_cast<mode_t>(~S_ISUID);
    if (st.st_gid != gid) mode &= static_cast<mode_t>(~S_ISGID);
  }
  // EPERM: a file system without Unix permissions (vfat); the file keeps the default mode.
  if (::fchmod(fd, mode) != 0 && errno != EPERM) return last_error();
  return {};
}

std::error_code hard_link_count(const fs::path& path, std::uintmax_t& count) noexcept {
  std::error_code ec;
  count = fs::hard_link_count(path, ec);
  return ec;
}

std::error_code read_times(const fs::path& path, FileTimes& out) noexcept {
  std::error_code ec;
  out.mtime = fs::last_write_time(path, ec);
  if (ec) return ec;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return last_error();
  out.atime_sec = st.st_atim.tv_sec;
  out.atime_nsec = st.st_atim.tv_nsec;
  out.has_atime = true;
  return {};
}

std::error_code apply_times(const fs::path& path, const FileTimes& times) noexcept {
  std::error_code ec;
  fs::last_write_time(path, times.mtime, ec);
  if (ec) return ec;
  if (!times.has_atime) return {};
  struct timespec ts[2]{};
  ts[0].tv_sec = static_cast<time_t>(times.atime_sec);
  ts[0].tv_nsec = static_cast<long>(times.atime_nsec);
  ts[1].tv_sec = 0;
  ts[1].tv_nsec = UTIME_OMIT;  // the modification time was set above
  if (::utimensat(AT_FDCWD, path.c_str(), ts, 0) != 0) return last_error();
  return {};
}

bool is_terminal(std::FILE* stream) noexcept {
  return ::isatty(::fileno(stream)) == 1;
}

void set_binary_mode(std::FILE* /*stream*/) noexcept {}

void ignore_broken_pipe_signal() noexcept {
  struct sigaction action {};
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // SIG_IGN is a C cast in <signal.h>
  action.sa_handler = SIG_IGN;
#pragma GCC diagnostic pop
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGPIPE, &action, nullptr);
}

void keep_freed_memory() noexcept {
#ifdef __GLIBC__
  // glibc serves blocks of 128 KiB or more with fresh mmap()s and gives freed heap tops back to
  // the kernel, so every image-sized buffer is faulted in page by page again (memset and first
  // touch were a third of a -q re-encode's CPU). Buffers up to 32 MiB (glibc's maximum) come from
  // the heap instead, and freed memory stays for the next one: peak memory is unchanged.
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

void reexec_with_huge_pages(char** argv) noexcept {
#if defined(__GLIBC__) && defined(__linux__)
  // glibc reads its tunables at startup only, so the setting needs a fresh exec of this binary.
  constexpr const char* kTunable = "glibc.malloc.hugetlb=1";
  const char* current = std::getenv("GLIBC_TUNABLES");
  if (current && std::strstr(current, "glibc.malloc.hugetlb")) return;  // ours, or the user's
  const std::string saved = current ? current : "";
  try {
    const std::string value = saved.empty() ? kTunable : saved + ":" + kTunable;
    if (::setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  } catch (...) {
    return;
  }
  ::execv("/proc/self/exe", argv);
  // exec failed (no /proc, say): carry on in this process, environment as it was.
  if (current)
    ::setenv("GLIBC_TUNABLES", saved.c_str(), 1);
  else
    ::unsetenv("GLIBC_TUNABLES");
#else
  (void)argv;
#endif
}

std::uint64_t process_id() noexcept {
  return static_cast<std::uint64_t>(::getpid());
}

ProcessState process_state(std::uint64_t pid) noexcept {
  if (pid == 0) return ProcessState::Unknown;  // kill(0, 0) would address our process group
  if (pid > static_cast<std::uint64_t>(std::numeric_limits<pid_t>::max()))
    return ProcessState::Gone;  // no such pid can exist
  if (::kill(static_cast<pid_t>(pid), 0) == 0) return ProcessState::Running;
  if (errno == EPERM) return ProcessState::Running;  // exists, belongs to another user
  if (errno == ESRCH) return ProcessState::Gone;
  return ProcessState::Unknown;
}

void* map_huge_pages(std::size_t bytes) noexcept {
  // Over-map by one huge page and trim both ends so that the block starts on a boundary.
  if (bytes > std::numeric_limits<std::size_t>::max() - kHugePageBytes) return nullptr;
  void* raw = ::mmap(nullptr, bytes + kHugePageBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned =
      (start + kHugePageBytes - 1) & ~(std::uintptr_t{kHugePageBytes} - 1);
  if (aligned > start) ::munmap(raw, aligned - start);
  if (const std::size_t tail = start + kHugePageBytes - aligned; tail > 0)
    ::munmap(reinterpret_cast<void*>(aligned + bytes), tail);
#ifdef MADV_HUGEPAGE
  ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);  // advice: failure is harmless
#endif
  return reinterpret_cast<void*>(aligned);
}

void unmap_huge_pages(void* p, std::size_t bytes) noexcept {
  if (p) ::munmap(p, bytes);
}

#else  // _WIN32

std::FILE* create_exclusive(const fs::path& path, std::error_code& ec) noexcept {
  ec.clear();
  std::FILE* file = ::_wfopen(path.c_str(), L"wbxN");  // x: exclusive, N: not inherited
  if (file == nullptr) ec = last_error();
  return file;
}

std::FILE* open_for_update(const fs::path& path, std::error_code& ec) noexcept {
  ec.clear();
  std::FILE* file = ::_wfopen(path.c_str(), L"r+bN");
  if (file == nullptr) ec = last_error();
  return file;
}

std::error_code sync_file(std::FILE* file) noexcept {
  if (std::fflush(file) != 0) return last_error();
  if (::_commit(::_fileno(file)) != 0) return last_error();
  return {};
}

std::error_code sync_directory(const fs::path& /*dir*/) noexcept {
  // FALLBACK: NTFS journals the rename itself; syncing a folder needs a backup-semantics handle.
  return {};
}

std::error_code truncate_file(std::FILE* file, std::uintmax_t size) noexcept {
  if (std::fflush(file) != 0) return last_error();
  if (size > static_cast<std::uintmax_t>(std::numeric_limits<long long>::max()))
    return std::make_error_code(std::errc::file_too_large);
  const errno_t err = ::_chsize_s(::_fileno(file), static_cast<long long>(size));
  if (err != 0) return {err, std::generic_category()};
  return {};
}

std::error_code read_owner(const fs::path& path, FileOwner& out) noexcept {
  // FALLBACK: only the read-only attribute maps to permission bits; ACLs are not copied.
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec) return ec;
  out.mode = static_cast<std::uint32_t>(st.permissions() & fs::perms::mask);
  out.uid = -1;
  out.gid = -1;
  return {};
}

std::error_code apply_owner(std::FILE* /*file*/, const FileOwner& /*owner*/) noexcept {
  // FALLBACK: the new file inherits the folder's ACL; a read-only original's attribute is not
  // copied, since the replacement must stay writable until the rename.
  return {};
}

std::error_code hard_link_count(const fs::path& path, std::uintmax_t& count) noexcept {
  std::error_code ec;
  count = fs::hard_link_count(path, ec);
  return ec;
}

std::error_code read_times(const fs::path& path, FileTimes& out) noexcept {
  // FALLBACK: the access time is not read (NTFS often does not update it anyway).
  std::error_code ec;
  out.mtime = fs::last_write_time(path, ec);
  out.has_atime = false;
  return ec;
}

std::error_code apply_times(const fs::path& path, const FileTimes& times) noexcept {
  std::error_code ec;
  fs::last_write_time(path, times.mtime, ec);
  return ec;
}

bool is_terminal(std::FILE* stream) noexcept {
  return ::_isatty(::_fileno(stream)) != 0;
}

void set_binary_mode(std::FILE* stream) noexcept {
  ::_setmode(::_fileno(stream), _O_BINARY);
}

void ignore_broken_pipe_signal() noexcept {}  // there is no SIGPIPE; writes fail with EPIPE/EINVAL

void keep_freed_memory() noexcept {}

void reexec_with_huge_pages(char** /*argv*/) noexcept {}

std::uint64_t process_id() noexcept {
  return static_cast<std::uint64_t>(::_getpid());
}

ProcessState process_state(std::uint64_t pid) noexcept {
  if (pid == 0 || pid > 0xFFFFFFFFu) return ProcessState::Gone;
  HANDLE process = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (process == nullptr)
    return ::GetLastError() == ERROR_INVALID_PARAMETER ? ProcessState::Gone : ProcessState::Unknown;
  DWORD code = 0;
  const BOOL ok = ::GetExitCodeProcess(process, &code);
  ::CloseHandle(process);
  if (!ok) return ProcessState::Unknown;
  return code == STILL_ACTIVE ? ProcessState::Running : ProcessState::Gone;
}

// FALLBACK: no large pages (they need a privilege); aligned heap memory.
void* map_huge_pages(std::size_t bytes) noexcept {
  return ::_aligned_malloc(bytes, kHugePageBytes);
}

void unmap_huge_pages(void* p, std::size_t /*bytes*/) noexcept {
  ::_aligned_free(p);
}

#endif  // _WIN32

}  // namespace jpegopt::platform
