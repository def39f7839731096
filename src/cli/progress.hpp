// The progress line on a terminal: files done/total, bytes saved, rate and ETA, redrawn in place
// on stderr and cleared before any other output.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace jpegopt::cli {

class Progress {
 public:
  // Draws nothing unless `enabled` (stderr is a terminal, more than one file, not --quiet).
  Progress(std::size_t total, bool enabled, std::FILE* stream = stderr);
  // Records a finished file and redraws (at most every 100 ms, and always for the last file).
  void file_done(std::size_t bytes_in, std::size_t bytes_out);
  // Redraws with a fresh ETA (called while waiting on a slow file).
  void tick();
  // Erases the line so that other output starts at column 0; the next draw puts it back.
  void clear();

  // The line as drawn (exposed for tests): "[3/10] saved 1.2 MB (14.0%), 2.5 files/s, ETA 0:03".
  static std::string format(std::size_t done, std::size_t total, std::size_t bytes_in,
                            std::size_t bytes_out, double seconds);

 private:
  void draw(bool force);

  std::size_t total_;
  bool enabled_;
  std::FILE* stream_;
  std::size_t done_ = 0, bytes_in_ = 0, bytes_out_ = 0;
  bool shown_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace jpegopt::cli
