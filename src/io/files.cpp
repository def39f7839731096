#include "io/files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "jpegopt/error.hpp"

namespace jpegopt::io {

namespace {
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

Bytes read_stream(std::FILE* f, const std::string& name) {
  Bytes out;
  std::uint8_t buffer[1 << 16];
  for (;;) {
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, f);
    out.insert(out.end(), buffer, buffer + got);
    if (got < sizeof buffer) break;
  }
  if (std::ferror(f))
    throw Error(ErrorCode::Io, "cannot read " + name + ": " + std::strerror(errno));
  return out;
}
}  // namespace

Bytes read_file(const std::filesystem::path& path) {
  if (path == "-") return read_stream(stdin, "standard input");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(ErrorCode::Io, "is a folder");
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) throw Error(ErrorCode::Io, std::string("cannot open: ") + std::strerror(errno));
  return read_stream(f.get(), "file");
}

}  // namespace jpegopt::io
