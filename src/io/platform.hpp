// The one module that calls the operating system directly (POSIX; a Windows branch in the .cpp).
// Namespace jpegopt::platform. Everything else in io/ uses only standard C and C++ plus these
// functions, so a port touches one file. Functions report failures as std::error_code values (never
// throw) so callers can word the message; a value of {} means success.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace jpegopt::platform {

// Permission bits and owner of a file, as copied from a file being replaced to its replacement.
struct FileOwner {
  std::uint32_t mode = 0;  // permission bits, including setuid/setgid/sticky (07777)
  std::int64_t uid = -1;   // -1: unknown (Windows)
  std::int64_t gid = -1;   // -1: unknown (Windows)
};

// Access and modification times of a file.
struct FileTimes {
  std::filesystem::file_time_type mtime{};
  std::int64_t atime_sec = 0;  // seconds since the Unix epoch
  std::int64_t atime_nsec = 0;
  bool has_atime = false;  // false where the platform cannot read it (then atime is left alone)
};

// Whether a process id still names a running process.
enum class ProcessState { Running, Gone, Unknown };

// Creates `path` for writing in binary mode, failing if anything (even a dangling symlink) exists
// there; mode 0666 minus the umask, close-on-exec. Returns nullptr and sets `ec` on failure.
std::FILE* create_exclusive(const std::filesystem::path& path, std::error_code& ec) noexcept;
// Opens an existing file for writing in binary mode without truncating it ("r+b").
std::FILE* open_for_update(const std::filesystem::path& path, std::error_code& ec) noexcept;
// Flushes the stdio buffer of `file` and then forces its data and metadata to the disk (fsync).
std::error_code sync_file(std::FILE* file) noexcept;
// Forces the entries of folder `dir` to the disk, so a rename into it survives a crash.
std::error_code sync_directory(const std::filesystem::path& dir) noexcept;
// Sets the size of `file` (after flushing its stdio buffer) to `size` bytes (ftruncate).
std::error_code truncate_file(std::FILE* file, std::uintmax_t size) noexcept;
// Reads the permission bits and owner of `path` (following symlinks).
std::error_code read_owner(const std::filesystem::path& path, FileOwner& out) noexcept;
// Gives `file` the owner (when permitted: EPERM is ignored, and then setuid/setgid are dropped)
// and then the permission bits of `owner`.
std::error_code apply_owner(std::FILE* file, const FileOwner& owner) noexcept;
// Number of hard links (names) of the file at `path`, following symlinks.
std::error_code hard_link_count(const std::filesystem::path& path, std::uintmax_t& count) noexcept;
// Reads the access and modification times of `path`.
std::error_code read_times(const std::filesystem::path& path, FileTimes& out) noexcept;
// Sets the modification time (std::filesystem) and, when known, the access time (utimensat).
std::error_code apply_times(const std::filesystem::path& path, const FileTimes& times) noexcept;
// True when `stream` (e.g. stdout or stderr) is connected to a terminal.
bool is_terminal(std::FILE* stream) noexcept;
// Switches `stream` to binary mode (no newline translation); a no-op on POSIX.
void set_binary_mode(std::FILE* stream) noexcept;
// Makes a write to a closed pipe fail with EPIPE instead of killing the process with SIGPIPE.
// Call once at startup (main) when write_stdout()'s BrokenPipe is to be caught; process-wide.
void ignore_broken_pipe_signal() noexcept;
// Tunes the C allocator (glibc) to reuse freed image-sized buffers instead of returning them to
// the kernel and faulting fresh pages in for the next one. Call once at startup (main).
void keep_freed_memory() noexcept;
// Re-executes this program (/proc/self/exe, same arguments) once with glibc's
// glibc.malloc.hugetlb=1 tunable, so malloc asks for transparent huge pages on its large
// mappings: the image-sized buffers of a target-size search (decoded pixels, DCT planes, resized
// copies) are then faulted in 2 MiB at a time instead of 4 KiB, half the CPU of `-S` on a 12 MP
// photo where each page fault is expensive (virtual machines). Returns when the tunable is
// already set (by the user or by the re-exec), on other platforms, or when exec fails. Call
// before any input is read or output written.
void reexec_with_huge_pages(char** argv) noexcept;
// Id of this process, used in temporary file names.
std::uint64_t process_id() noexcept;
// Whether `pid` is a running process (kill(pid, 0)); Unknown when that cannot be told.
ProcessState process_state(std::uint64_t pid) noexcept;

// The size of a transparent huge page (2 MiB on x86-64 and most arm64 Linux kernels).
inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;
// Anonymous read-write memory of `bytes` (a multiple of kHugePageBytes) starting on a
// kHugePageBytes boundary, with transparent huge pages asked for (MADV_HUGEPAGE; the advice may
// be ignored); nullptr on failure. Release with unmap_huge_pages(p, bytes).
void* map_huge_pages(std::size_t bytes) noexcept;
void unmap_huge_pages(void* p, std::size_t bytes) noexcept;

}  // namespace jpegopt::platform
