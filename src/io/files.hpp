// Reading whole files and writing them atomically.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "jpegopt/error.hpp"

namespace jpegopt::io {

// Memory for a file's bytes: requests of 2 MiB or more are mapped on transparent huge pages (a
// 6 MB PPM is then faulted in a few times instead of 1,500, each fault expensive on a virtual
// machine), smaller ones come from operator new. New bytes are left unset: the read writes them.
template <class T>
struct FileAllocator : DefaultInitAllocator<T> {  // construct(): new bytes left unset
  template <class U>
  struct rebind {
    using other = FileAllocator<U>;
  };
  FileAllocator() = default;
  template <class U>
  FileAllocator(const FileAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_bytes(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { deallocate_bytes(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const FileAllocator<U>&) const noexcept {
    return true;
  }
  static void* allocate_bytes(std::size_t bytes);
  static void deallocate_bytes(void* p, std::size_t bytes) noexcept;
};
using FileBytes = std::vector<std::uint8_t, FileAllocator<std::uint8_t>>;

// Reads a whole file ("-" reads standard input). Throws Error(Io) with the OS's reason.
FileBytes read_file(const std::filesystem::path& path);

// How write_atomic() replaces a file.
struct WriteOptions {
  // Give the new file the access and modification times of the one it replaces. Default off.
  bool preserve_times = false;
  // When the file has several hard links, update it in place so every link sees the new bytes
  // (instead of renaming a new file over this one name, which would split the links). Default on.
  bool keep_hard_links = true;
};

// Thrown by write_stdout() when the reader of standard output went away (EPIPE): main should exit
// quietly. It is an Error(Io, "broken pipe on standard output"), so code that only knows Error
// still reports it sensibly.
class BrokenPipe : public Error {
 public:
  BrokenPipe() : Error(ErrorCode::Io, "broken pipe on standard output") {}
};

// Replaces `target` with `bytes` so that a crash or error leaves either the old or the new file.
// Writes `.<name>.jpegopt-tmp-<pid>-<random>` in the same folder, flushes and fsyncs it, copies
// mode and owner from the existing target (else the umask default), optionally its times, renames
// it over the target and fsyncs the folder. A symlink target is resolved and its file replaced.
// A file with several hard links is updated in place instead (see WriteOptions::keep_hard_links).
// On failure the temporary file is removed, the target is untouched, and Error(Io, "<what>:
// <reason>") is thrown.
void write_atomic(const std::filesystem::path& target, ByteView bytes, const WriteOptions& opts);

// Writes an output file (-o, --dest) with the same temporary-file-and-rename scheme, with the
// default mode. Refuses with Error(Io, "exists; use --overwrite") when something (even a dangling
// symlink) is already at `target` and `overwrite` is false.
void write_new_file(const std::filesystem::path& target, ByteView bytes, bool overwrite);

// Writes all of `bytes` to standard output in binary mode and flushes it. Throws BrokenPipe on
// EPIPE (needs platform::ignore_broken_pipe_signal(), else SIGPIPE ends the process) and Error(Io)
// on any other failure.
void write_stdout(ByteView bytes);

// Deletes the temporary files of write_atomic()/write_new_file() in `folder` (not recursively)
// that no running process is writing: the pid in the name is gone or, when that cannot be told,
// the file is older than an hour. Best effort: never throws for a file or folder it cannot read
// or delete. Returns how many files were removed.
std::size_t remove_stale_temp_files(const std::filesystem::path& folder);

}  // namespace jpegopt::io
