#include "io/files.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "io/platform.hpp"
#include "jpegopt/error.hpp"

namespace jpegopt::io {

namespace fs = std::filesystem;

namespace {
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// Reads to the end. `size_hint`: the expected size (a regular file's), so the bytes are read in one
// call straight into a buffer of the right size (no stdio copy, no regrowth).
FileBytes read_stream(std::FILE* f, const std::string& name, std::uintmax_t size_hint = 0) {
  constexpr std::size_t kMinBuffer = 1 << 16;
  // One byte more than expected, so a file that did not grow is read to EOF in one fread. Not
  // zeroed first: only the bytes read are kept.
  FileBytes out(size_hint < kMinBuffer ? kMinBuffer : static_cast<std::size_t>(size_hint) + 1);
  std::size_t used = 0;
  for (;;) {
    if (used == out.size()) out.resize(out.size() * 2);
    const std::size_t got = std::fread(out.data() + used, 1, out.size() - used, f);
    used += got;
    if (got == 0) break;
  }
  if (std::ferror(f))
    throw Error(ErrorCode::Io, "cannot read " + name + ": " + std::strerror(errno));
  out.resize(used);
  return out;
}

// ---- Writing -----------------------------------------------------------------------------------

// Temporary files are `.<name>` + kTempMarker + `<pid>-<random hex>`, next to their target.
constexpr std::string_view kTempMarker = ".jpegopt-tmp-";
// Longer names are cut so the temporary name stays under the usual 255-byte limit.
constexpr std::size_t kMaxTempStem = 180;
// Temporary files whose writer cannot be checked are stale after this long.
constexpr auto kStaleAge = std::chrono::hours(1);

[[noreturn]] void fail(const std::string& what, std::error_code ec) {
  throw Error(ErrorCode::Io, what + ": " + ec.message());
}

std::error_code errno_or_eio() {
  return {errno != 0 ? errno : EIO, std::generic_category()};
}

// Writes every byte or returns the reason it could not.
std::error_code write_all(std::FILE* file, ByteView bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    errno = 0;
    const std::size_t n = std::fwrite(bytes.data() + done, 1, bytes.size() - done, file);
    if (n == 0) return errno_or_eio();
    done += n;
  }
  return {};
}

std::string random_hex() {
  thread_local std::mt19937_64 engine = [] {
    std::random_device device;
    std::seed_seq seed{
        device(), device(),
        static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()),
        static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id()))};
    return std::mt19937_64(seed);
  }();
  static constexpr char kDigits[] = "0123456789abcdef";
  std::uint64_t value = engine();
  std::string out(12, '0');
  for (char& c : out) {
    c = kDigits[value & 15];
    value >>= 4;
  }
  return out;
}

// The pid in a temporary file name, or nothing when `name` is not one of ours.
template <class String>
std::optional<std::uint64_t> temp_file_pid(const String& name) {
  using Char = typename String::value_type;
  const String marker(kTempMarker.begin(), kTempMarker.end());
  if (name.empty() || name[0] != Char('.')) return std::nullopt;
  const std::size_t at = name.rfind(marker);
  if (at == String::npos || at < 1) return std::nullopt;
  std::size_t i = at + marker.size();
  std::uint64_t pid = 0;
  std::size_t digits = 0;
  for (; i < name.size() && name[i] >= Char('0') && name[i] <= Char('9'); ++i, ++digits) {
    if (digits == 19) return std::nullopt;  // would not fit
    pid = pid * 10 + static_cast<std::uint64_t>(name[i] - Char('0'));
  }
  if (digits == 0 || i >= name.size() || name[i] != Char('-')) return std::nullopt;
  const std::size_t hex_begin = ++i;
  for (; i < name.size(); ++i) {
    const Char c = name[i];
    const bool hex = (c >= Char('0') && c <= Char('9')) || (c >= Char('a') && c <= Char('f')) ||
                     (c >= Char('A') && c <= Char('F'));
    if (!hex) return std::nullopt;
  }
  if (i == hex_begin || i - hex_begin > 16) return std::nullopt;
  return pid;
}

// A temporary file next to a target. The destructor closes it and deletes it unless released.
class TempFile {
 public:
  TempFile(const fs::path& dir, const fs::path& target_name) {
    fs::path::string_type stem = target_name.native();
    if (stem.size() > kMaxTempStem) stem.resize(kMaxTempStem);
    const std::string prefix =
        std::string(kTempMarker) + std::to_string(platform::process_id()) + "-";
    std::error_code ec;
    for (int attempt = 0; attempt < 16; ++attempt) {
      fs::path name(".");
      name += stem;
      name += prefix + random_hex();
      path_ = dir / name;
      file_ = platform::create_exclusive(path_, ec);
      if (file_ != nullptr) return;
      if (ec != std::errc::file_exists) break;
    }
    fail("cannot create temporary file", ec);
  }
  ~TempFile() {
    if (file_ != nullptr) std::fclose(file_);
    if (!released_) {
      std::error_code ignored;
      fs::remove(path_, ignored);
    }
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  std::FILE* file() const { return file_; }
  const fs::path& path() const { return path_; }

  // Closes the file, throwing when the close reports an error (NFS reports write errors here).
  void close() {
    std::FILE* file = file_;
    file_ = nullptr;
    errno = 0;
    if (std::fclose(file) != 0) fail("cannot close temporary file", errno_or_eio());
  }
  // The file now lives under another name (renamed): do not delete it.
  void release() { released_ = true; }

 private:
  fs::path path_;
  std::FILE* file_ = nullptr;
  bool released_ = false;
};

// Writes, flushes, fsyncs and closes the temporary file; owner and times are applied when given.
void fill_temp(TempFile& temp, ByteView bytes, const platform::FileOwner* owner,
               const platform::FileTimes* times) {
  std::error_code ec;
  // Mode and owner first, so the bytes are never readable by more people than the original's.
  if (owner != nullptr && (ec = platform::apply_owner(temp.file(), *owner)))
    fail("cannot set mode and owner of temporary file", ec);
  if ((ec = write_all(temp.file(), bytes))) fail("cannot write temporary file", ec);
  errno = 0;
  if (std::fflush(temp.file()) != 0) fail("cannot write temporary file", errno_or_eio());
  // Times after the last write and before the fsync, so the fsync makes them durable too.
  if (times != nullptr && (ec = platform::apply_times(temp.path(), *times)))
    fail("cannot set times of temporary file", ec);
  if ((ec = platform::sync_file(temp.file()))) fail("cannot sync temporary file", ec);
  temp.close();
}

// Renames the finished temporary file over `target` and makes the rename durable.
void rename_into_place(TempFile& temp, const fs::path& target, const fs::path& dir) {
  std::error_code ec;
  fs::rename(temp.path(), target, ec);
  if (ec) fail("cannot rename temporary file over the target", ec);
  temp.release();
  if ((ec = platform::sync_directory(dir))) fail("cannot sync folder after rename", ec);
}

// Copies the finished temporary file's bytes into the existing inode of `target`, so every hard
// link sees them. RISK WINDOW: from the first write below until the fsync returns, `target` holds a
// mix of old and new bytes; a crash there leaves it damaged (the complete new bytes are still in
// the fsynced temporary file until remove_stale_temp_files() runs), and concurrent readers may see
// the mix. New content is usually smaller than the old, so the writes reuse allocated blocks and
// ENOSPC is unlikely. If a write fails, the temporary file is renamed over this one name as a last
// resort (splitting the links) and an Error is still thrown.
void update_in_place(TempFile& temp, const fs::path& target, const fs::path& dir, ByteView bytes,
                     const platform::FileTimes* times) {
  std::error_code ec;
  std::FILE* file = platform::open_for_update(target, ec);
  if (file == nullptr) fail("cannot open hard-linked file for writing", ec);
  ec = write_all(file, bytes);
  if (!ec) ec = platform::truncate_file(file, bytes.size());
  if (!ec && times != nullptr) ec = platform::apply_times(target, *times);
  if (!ec) ec = platform::sync_file(file);
  errno = 0;
  if (std::fclose(file) != 0 && !ec) ec = errno_or_eio();
  if (ec) {
    std::string what = "cannot update hard-linked file in place: " + ec.message();
    std::error_code rename_ec;
    fs::rename(temp.path(), target, rename_ec);
    if (rename_ec) throw Error(ErrorCode::Io, what + "; the file may be damaged");
    temp.release();
    (void)platform::sync_directory(dir);
    throw Error(ErrorCode::Io,
                what + "; this name now holds a separate copy, other links may be damaged");
  }
  // ~TempFile deletes the temporary file.
}

fs::path folder_of(const fs::path& target) {
  fs::path dir = target.parent_path();
  return dir.empty() ? fs::path(".") : dir;
}
}  // namespace

namespace {
std::size_t huge_page_multiple(std::size_t bytes) {
  return (bytes + platform::kHugePageBytes - 1) & ~(platform::kHugePageBytes - 1);
}
}  // namespace

template <class T>
void* FileAllocator<T>::allocate_bytes(std::size_t bytes) {
  if (bytes < platform::kHugePageBytes) return ::operator new(bytes);
  if (bytes > std::numeric_limits<std::size_t>::max() - platform::kHugePageBytes)
    throw std::bad_alloc();
  void* p = platform::map_huge_pages(huge_page_multiple(bytes));
  if (!p) throw std::bad_alloc();
  return p;
}

template <class T>
void FileAllocator<T>::deallocate_bytes(void* p, std::size_t bytes) noexcept {
  if (bytes < platform::kHugePageBytes)
    ::operator delete(p);
  else
    platform::unmap_huge_pages(p, huge_page_multiple(bytes));
}

template struct FileAllocator<std::uint8_t>;

FileBytes read_file(const std::filesystem::path& path) {
  if (path == "-") return read_stream(stdin, "standard input");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(ErrorCode::Io, "is a folder");
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) throw Error(ErrorCode::Io, std::string("cannot open: ") + std::strerror(errno));
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  return read_stream(f.get(), "file", ec ? 0 : size);
}

void write_atomic(const fs::path& target, ByteView bytes, const WriteOptions& opts) {
  std::error_code ec;
  fs::path path = target;
  const fs::file_status link_status = fs::symlink_status(path, ec);
  if (ec && link_status.type() != fs::file_type::not_found) fail("cannot read file status", ec);
  if (fs::is_symlink(link_status)) {
    // Replace the file the link points to; renaming over the link would turn it into a file.
    path = fs::canonical(path, ec);
    if (ec) fail("cannot resolve symlink", ec);
  }
  const fs::file_status status = fs::status(path, ec);
  if (ec && status.type() != fs::file_type::not_found) fail("cannot read file status", ec);
  const bool exists = fs::exists(status);
  if (fs::is_directory(status)) throw Error(ErrorCode::Io, "is a folder");
  if (exists && !fs::is_regular_file(status)) throw Error(ErrorCode::Io, "not a regular file");

  platform::FileOwner owner;
  platform::FileTimes times;
  std::uintmax_t links = 1;
  if (exists) {
    if ((ec = platform::read_owner(path, owner))) fail("cannot read mode and owner", ec);
    if ((ec = platform::hard_link_count(path, links))) fail("cannot read hard link count", ec);
    if (opts.preserve_times && (ec = platform::read_times(path, times)))
      fail("cannot read file times", ec);
  }
  const bool keep_times = exists && opts.preserve_times;
  const bool in_place = exists && opts.keep_hard_links && links > 1;

  const fs::path dir = folder_of(path);
  TempFile temp(dir, path.filename());
  // The temporary file gets the original's mode and owner even when only its bytes are used (in
  // place), so it is never readable by more people than the original.
  fill_temp(temp, bytes, exists ? &owner : nullptr, keep_times && !in_place ? &times : nullptr);
  if (in_place)
    update_in_place(temp, path, dir, bytes, keep_times ? &times : nullptr);
  else
    rename_into_place(temp, path, dir);
}

void write_new_file(const fs::path& target, ByteView bytes, bool overwrite) {
  std::error_code ec;
  // symlink_status: a dangling or any other symlink counts as existing and is never followed.
  const fs::file_status status = fs::symlink_status(target, ec);
  if (ec && status.type() != fs::file_type::not_found) fail("cannot read file status", ec);
  if (fs::exists(status) && !overwrite) throw Error(ErrorCode::Io, "exists; use --overwrite");
  if (fs::is_directory(status)) throw Error(ErrorCode::Io, "is a folder");

  const fs::path dir = folder_of(target);
  TempFile temp(dir, target.filename());
  fill_temp(temp, bytes, nullptr, nullptr);
  if (!overwrite) {
    // The check above races with other writers; link() is atomic and fails when something has
    // appeared at `target` meanwhile. ~TempFile then removes the temporary name.
    fs::create_hard_link(temp.path(), target, ec);
    if (!ec) {
      if ((ec = platform::sync_directory(dir))) fail("cannot sync folder after link", ec);
      return;
    }
    if (ec == std::errc::file_exists) throw Error(ErrorCode::Io, "exists; use --overwrite");
    // No hard links on this file system (vfat, some network shares): rename instead, which
    // replaces a file created at `target` since the check above (a small race).
  }
  rename_into_place(temp, target, dir);
}

void write_stdout(ByteView bytes) {
  platform::set_binary_mode(stdout);
  std::error_code ec = write_all(stdout, bytes);
  if (!ec) {
    errno = 0;
    if (std::fflush(stdout) != 0) ec = errno_or_eio();
  }
  if (!ec) return;
  std::clearerr(stdout);
  if (ec == std::errc::broken_pipe) throw BrokenPipe();
  fail("cannot write to standard output", ec);
}

std::size_t remove_stale_temp_files(const fs::path& folder) {
  std::size_t removed = 0;
  std::error_code ec;
  fs::directory_iterator it(folder, ec);
  if (ec) return 0;
  const auto now = fs::file_time_type::clock::now();
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path& path = it->path();
    const std::optional<std::uint64_t> pid = temp_file_pid(path.filename().native());
    if (!pid) continue;
    std::error_code file_ec;
    if (!fs::is_regular_file(fs::symlink_status(path, file_ec)) || file_ec) continue;
    bool stale = false;
    switch (platform::process_state(*pid)) {
      case platform::ProcessState::Running:
        break;  // its writer may still be at work (or the pid was reused: then it stays)
      case platform::ProcessState::Gone:
        stale = true;
        break;
      case platform::ProcessState::Unknown: {
        const auto written = fs::last_write_time(path, file_ec);
        stale = !file_ec && now - written > kStaleAge;
        break;
      }
    }
    if (stale && fs::remove(path, file_ec)) ++removed;
  }
  return removed;
}

}  // namespace jpegopt::io
