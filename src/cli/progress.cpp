#include "cli/progress.hpp"

#include <fmt/format.h>

#include "cli/report.hpp"

namespace jpegopt::cli {

namespace {

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int unit = 0;
  const bool negative = bytes < 0;
  double value = negative ? -bytes : bytes;
  while (value >= 1000 && unit < 4) {
    value /= 1000;
    ++unit;
  }
  return fmt::format("{}{:.{}f} {}", negative ? "-" : "", value, unit == 0 ? 0 : 1, units[unit]);
}

std::string clock_time(double seconds) {
  const auto total = static_cast<long long>(seconds + 0.5);
  if (total >= 3600)
    return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
  return fmt::format("{}:{:02}", total / 60, total % 60);
}

}  // namespace

Progress::Progress(std::size_t total, bool enabled, std::FILE* stream)
    : total_(total), enabled_(enabled && total > 1), stream_(stream) {}

std::string Progress::format(std::size_t done, std::size_t total, std::size_t bytes_in,
                             std::size_t bytes_out, double seconds) {
  std::string line =
      fmt::format("[{}/{}] saved {} ({:.1f}%)", done, total,
                  human_bytes(static_cast<double>(bytes_in) - static_cast<double>(bytes_out)),
                  percent_saved(bytes_in, bytes_out));
  if (done > 0 && seconds > 0) {
    const double rate = static_cast<double>(done) / seconds;
    line += fmt::format(", {:.1f} files/s", rate);
    if (done < total) line += ", ETA " + clock_time(static_cast<double>(total - done) / rate);
  }
  return line;
}

void Progress::file_done(std::size_t bytes_in, std::size_t bytes_out) {
  ++done_;
  bytes_in_ += bytes_in;
  bytes_out_ += bytes_out;
  draw(done_ == total_);
}

void Progress::tick() {
  draw(false);
}

void Progress::clear() {
  if (!enabled_ || !shown_) return;
  std::fputs("\r\033[K", stream_);
  std::fflush(stream_);
  shown_ = false;
}

void Progress::draw(bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && shown_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - started_).count();
  std::fprintf(stream_, "\r%s\033[K",
               format(done_, total_, bytes_in_, bytes_out_, seconds).c_str());
  std::fflush(stream_);
  shown_ = true;
}

}  // namespace jpegopt::cli
