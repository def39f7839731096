// The lossless back end: read a JPEG's DCT coefficients once, then write them again with better
// entropy coding. Baseline with optimized Huffman tables, or progressive with a scan script chosen
// by measuring what each candidate scan costs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/libjpeg.hpp"
#include "jpegopt/options.hpp"

namespace jpegopt::lossless {

// One scan of a progressive script (components by index into the frame).
struct Scan {
  std::vector<int> components;
  int ss = 0, se = 63, ah = 0, al = 0;
  bool operator==(const Scan&) const = default;
};
using Script = std::vector<Scan>;

// The source coefficients, read once and shared by every candidate encode.
class Source {
 public:
  // Reads the coefficients of `jpeg`.
  Source(ByteView jpeg, const Limits& limits);
  // Empty coefficient arrays for the frame that `frame` (set up as for jpeg_write_coefficients:
  // size, colour space, components with their sampling factors and quantization table numbers,
  // the tables) would write, as if read back from that JPEG (the colour space and component ids
  // a decoder sees when no JFIF segment is written); the caller then writes every block through
  // block_row(). The encoder's route to the lossless back end without a JPEG in between.
  explicit Source(const jpeg_compress_struct& frame);
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  lj::Decompressor& decoder() { return dec_; }
  std::size_t input_bytes() const { return input_bytes_; }  // of the JPEG it was read from
  jvirt_barray_ptr* coefficients() const { return coefs_; }
  int components() const { return dec_.get()->num_components; }
  bool arithmetic() const { return dec_.get()->arith_code != 0; }
  bool progressive() const { return dec_.get()->progressive_mode != 0; }
  // Blocks in one MCU when every component is interleaved (libjpeg allows at most 10).
  int blocks_per_mcu() const;

  // One component's coefficients, straight from libjpeg's arrays (valid while this Source lives).
  struct ComponentView {
    int width_in_blocks = 0, height_in_blocks = 0;  // real blocks (no padding)
    int h_samp = 1, v_samp = 1;
    std::vector<const JBLOCK*> rows;  // rows[y][x] is block (x, y); at least width_in_blocks each
  };
  std::vector<ComponentView> view();

  // Block row `row` of component `ci`, to write (a Source made from a frame). Rows below the
  // last real one that pad the component to whole MCUs are never read.
  JBLOCKROW block_row(int ci, int row);

 private:
  lj::Decompressor dec_;
  jvirt_barray_ptr* coefs_ = nullptr;
  std::size_t input_bytes_ = 0;
};

// The Huffman symbol counts of one scan, as libjpeg's optimization pass (jcphuff.c) gathers them:
// per component of the scan, the counts of the table that component codes with (components
// sharing a table share its counts); none for a DC refinement scan, which has no table.
struct ScanCounts {
  std::vector<std::array<std::uint64_t, 256>> per_component;
};

// Encodes the source's coefficients: baseline when `script` is empty, else progressive with it.
// The output has no APPn/COM segments (no JFIF or Adobe either). When byte_budget is non-zero and
// the output grows past it, returns an empty vector (the candidate lost).
// With `counts` (one per scan of a progressive Huffman script), each scan's optimal tables are
// built from them (jpeg_gen_optimal_table, as libjpeg does) and the file is written in one pass
// per scan instead of two (statistics, then output). Counts that miss a symbol make libjpeg fail;
// the encode then falls back to the two passes. Counts that are merely wrong cost bytes, never
// coefficients.
Bytes encode(Source& source, const Script& script, bool arithmetic, std::size_t byte_budget = 0,
             const std::vector<ScanCounts>* counts = nullptr);

// Bytes each scan of an encoded progressive file takes (the DHT/DAC segments just before its SOS,
// the SOS header and its entropy-coded data), in script order.
std::vector<std::size_t> scan_costs(ByteView encoded);

// jpegtran's (libjpeg's jpeg_simple_progression) script for this source.
Script simple_script(const Source& source);

struct SearchResult {
  Bytes jpeg;  // the winning encode (no APPn segments)
  bool progressive = false;
  std::string description;  // e.g. "progressive, 9 scans (luma split 1-5, SA 1)"
  int encodes = 0;          // encodes the search ran
};

// Finds the smallest encoding under `coding` and `effort`.
SearchResult search(Source& source, Coding coding, Effort effort, bool arithmetic);

// A 128-bit digest of everything that decides the decoded pixels: geometry, colour space,
// component ids and sampling, quantization tables and every DCT coefficient. Two sources with
// equal digests decode to the same pixels; verification compares digests so that the source's
// coefficients can be freed before the result is decoded (half the peak memory).
struct Digest {
  std::uint64_t a = 0, b = 0;
  bool operator==(const Digest&) const = default;
};
Digest coefficient_digest(Source& source);
// The digest of coefficients a decoder holds (jpeg_read_coefficients' arrays, or in buffered-image
// mode those of its coefficient controller once every scan is in).
Digest coefficient_digest(lj::Decompressor& decoder, jvirt_barray_ptr* coefficients);

}  // namespace jpegopt::lossless
