// Safe ownership of libjpeg-turbo's decompress and compress objects.
//
// libjpeg reports fatal errors by calling error_exit, which must not return. We longjmp out of it,
// but only ever back into guarded(), whose callable holds nothing with a destructor ("setjmp
// quarantine"): every object that owns memory lives outside the guarded region, in the handles
// below. Once control is back in guarded(), no libjpeg frame is on the stack and the error is
// rethrown as jpegopt::Error. Each handle has its own error context; nothing is static.
#pragma once

#include <csetjmp>
#include <cstdint>
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <string>

#include <jpeglib.h>

#include "core/bytes.hpp"
#include "jpegopt/error.hpp"
#include "jpegopt/limits.hpp"

namespace jpegopt::lj {

// Error context of one libjpeg object. `mgr` must stay the first member: libjpeg hands our
// callbacks a jpeg_error_mgr*, which we cast back to the bridge.
struct ErrorBridge {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  char first_warning[JMSG_LENGTH_MAX];
  int warnings;
  bool warnings_fatal;    // escalate libjpeg warnings (corrupt data) to errors
  int max_scans;          // 0 = unlimited
  ErrorCode forced_code;  // set by our own checks before they raise an error
  bool has_forced_code;
  jpeg_progress_mgr progress;
};

// Fills the bridge and installs it in a libjpeg object (cinfo->err, cinfo->progress).
void install_bridge(ErrorBridge& bridge, j_common_ptr cinfo, const Limits& limits);

// Builds the exception for the error recorded in `bridge`.
Error error_from_bridge(const ErrorBridge& bridge, j_common_ptr cinfo);

// Runs `f` (libjpeg calls only; no locals with destructors) with setjmp armed for `bridge`.
// Rethrows a libjpeg error as jpegopt::Error once the libjpeg frames are gone.
template <class F>
void guarded(ErrorBridge& bridge, j_common_ptr cinfo, F&& f) {
  if (setjmp(bridge.jump) == 0) {
    f();
    return;
  }
  throw error_from_bridge(bridge, cinfo);
}

// A JPEG decoder reading from memory the caller keeps alive (empty data: none to read; the
// object then only holds what its memory manager allocates).
class Decompressor {
 public:
  Decompressor(ByteView data, const Limits& limits);
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  jpeg_decompress_struct* get() { return &cinfo_; }
  const jpeg_decompress_struct* get() const { return &cinfo_; }
  j_common_ptr common() { return reinterpret_cast<j_common_ptr>(&cinfo_); }
  ErrorBridge& bridge() { return bridge_; }

  // jpeg_read_header, then the pixel limit and the precision check.
  void read_header();
  // Reads every scan into coefficient arrays (lossless path). Valid until destruction.
  jvirt_barray_ptr* read_coefficients();
  // Runs `f` under this object's error guard.
  template <class F>
  void run(F&& f) {
    guarded(bridge_, common(), std::forward<F>(f));
  }

  int warnings() const { return bridge_.warnings; }
  std::string first_warning() const { return bridge_.first_warning; }

 private:
  jpeg_decompress_struct cinfo_{};
  ErrorBridge bridge_{};
  ByteView data_;
  Limits limits_;
};

// A JPEG encoder writing into a byte vector owned by the caller (never jpeg_mem_dest: after an
// error its buffer pointer dangles). An optional byte budget aborts the encode early once the
// output grows past it (used to drop losing candidates quickly).
class Compressor {
 public:
  explicit Compressor(Bytes& out, std::size_t byte_budget = 0);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  jpeg_compress_struct* get() { return &cinfo_; }
  j_common_ptr common() { return reinterpret_cast<j_common_ptr>(&cinfo_); }
  ErrorBridge& bridge() { return bridge_; }

  template <class F>
  void run(F&& f) {
    guarded(bridge_, common(), std::forward<F>(f));
  }

  // True when the last error was the byte budget being exceeded.
  bool over_budget() const { return over_budget_; }

  struct Dest {
    jpeg_destination_mgr mgr;  // first member: libjpeg hands us this pointer
    Bytes* out;
    std::size_t budget;
    bool* over_budget;
    bool* out_of_memory;
  };

 private:
  jpeg_compress_struct cinfo_{};
  ErrorBridge bridge_{};
  Dest dest_{};
  bool over_budget_ = false;
  bool out_of_memory_ = false;
};

}  // namespace jpegopt::lj
