// Predicts, without encoding, how many bytes libjpeg-turbo (2.1, Huffman, optimize_coding) writes
// for one progressive scan: the DHT segment(s) just before the SOS, the SOS header and the
// entropy-coded data, i.e. what lossless::scan_costs() measures on a real encode.
//
// The model follows jcphuff.c symbol for symbol (DC prediction with the point transform, dummy
// blocks of interleaved MCUs as jctrans.c fills them, run/size symbols, ZRL, EOB runs, the
// correction-bit buffering of AC refinement scans and its forced EOB flushes) and builds each
// Huffman table as jpeg_gen_optimal_table does, so the number of bits is exact. Only the
// byte stuffing (a 0x00 after each 0xFF byte of entropy data) is estimated, as data bytes / 256;
// the error this leaves is a small fraction of a percent of the data.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/lossless.hpp"

namespace jpegopt::scan_cost {

// The DC Huffman table libjpeg's encoder gives each component in a transcode
// (jpeg_copy_critical_parameters -> jpeg_set_colorspace): YCbCr/YCCK chroma share table 1,
// everything else uses table 0. Components sharing a table in one interleaved DC scan share
// its statistics.
std::vector<int> dc_table_numbers(J_COLOR_SPACE color_space, int components);

// How the byte stuffing of the entropy-coded data is counted.
enum class Stuffing {
  Exact,     // a second pass emulates the bitstream with the real codes and counts 0xFF bytes
  Estimate,  // data bytes / 256: one pass, about a third of the time. On the test images AC
             // first and DC first scans stay within 0.4%, AC refinement within 1.1%, but DC
             // refinement scans of flat images (long runs of one bits) are off by up to 30%.
};

// Reads the coefficients in place through the source's row pointers (no copy: the estimator must
// not outlive the source) and keeps only a 64-bit mask of the nonzero ones per block, then
// answers scan queries.
class Estimator {
 public:
  // `dc_tables`: see dc_table_numbers(); empty means table 0 for the first component and table 1
  // for the others (the YCbCr assignment).
  Estimator(const std::vector<lossless::Source::ComponentView>& comps, int image_width,
            int image_height, std::vector<int> dc_tables = {});
  // Reads the view, the image size and the color space of `source`.
  explicit Estimator(lossless::Source& source);

  // Bytes of one scan (tables + SOS header + entropy-coded data).
  std::size_t scan_bytes(const lossless::Scan& scan, Stuffing stuffing = Stuffing::Exact) const;
  // Bytes of several scans, in order. AC scans of the same component share each pass over its
  // blocks, so asking for many splits or point transforms at once costs much less than one by
  // one. Throws std::invalid_argument on a scan libjpeg would reject as malformed.
  // With `counts`, also stores each scan's Huffman symbol counts (what lossless::encode needs to
  // write the scan in one pass).
  std::vector<std::size_t> scan_bytes(const std::vector<lossless::Scan>& scans,
                                      Stuffing stuffing = Stuffing::Exact,
                                      std::vector<lossless::ScanCounts>* counts = nullptr) const;

  int components() const { return static_cast<int>(comps_.size()); }

 private:
  struct Component {
    int width = 0, height = 0;  // in blocks
    int h_samp = 1, v_samp = 1;
    int dc_table = 0;
    std::vector<const JBLOCK*> rows;     // rows[y][x]: block (x, y), natural order, not owned
    std::vector<std::uint64_t> nonzero;  // per block: bit k set when zigzag AC coefficient k != 0
    const JCOEF* block(std::size_t b) const {
      return rows[b / static_cast<std::size_t>(width)][b % static_cast<std::size_t>(width)];
    }
  };

  std::size_t dc_scan_bytes(const lossless::Scan& scan, Stuffing stuffing,
                            lossless::ScanCounts* counts) const;
  void ac_scans_bytes(int comp, const std::vector<const lossless::Scan*>& scans, Stuffing stuffing,
                      std::vector<std::size_t>& out,
                      std::vector<lossless::ScanCounts>* counts) const;

  std::vector<Component> comps_;
  int image_width_ = 0, image_height_ = 0;
  int max_h_ = 1, max_v_ = 1;
};

// One-shot convenience: builds an Estimator and asks for one scan. Prefer the class when asking
// several questions about the same image.
std::size_t estimate_scan_bytes(const std::vector<lossless::Source::ComponentView>& comps,
                                const lossless::Scan& scan, int image_width, int image_height);

// A Huffman table as jpeg_gen_optimal_table builds it from symbol frequencies (exposed for tests):
// the code length and canonical code of every symbol (length 0 when unused) and how many symbols
// the table holds.
struct HuffmanLengths {
  std::array<std::uint8_t, 256> length{};
  std::array<std::uint16_t, 256> code{};
  int symbols = 0;
};
HuffmanLengths optimal_huffman_lengths(const std::array<std::uint64_t, 256>& freq);

}  // namespace jpegopt::scan_cost
