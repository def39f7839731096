// Marker-level model of a JPEG file: the ordered parts that tile the file exactly (segments,
// entropy-coded data, bytes between segments, and bytes after EOI), plus the frame header.
// Writing back an unmodified model reproduces the input byte for byte.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"

namespace jpegopt {

namespace marker {
inline constexpr std::uint8_t kSoi = 0xD8;
inline constexpr std::uint8_t kEoi = 0xD9;
inline constexpr std::uint8_t kSos = 0xDA;
inline constexpr std::uint8_t kDqt = 0xDB;
inline constexpr std::uint8_t kDnl = 0xDC;
inline constexpr std::uint8_t kDri = 0xDD;
inline constexpr std::uint8_t kDht = 0xC4;
inline constexpr std::uint8_t kDac = 0xCC;
inline constexpr std::uint8_t kApp0 = 0xE0;
inline constexpr std::uint8_t kApp15 = 0xEF;
inline constexpr std::uint8_t kCom = 0xFE;
constexpr bool is_sof(std::uint8_t m) {
  return m >= 0xC0 && m <= 0xCF && m != kDht && m != 0xC8 && m != kDac;
}
constexpr bool is_app(std::uint8_t m) {
  return m >= kApp0 && m <= kApp15;
}
constexpr bool is_rst(std::uint8_t m) {
  return m >= 0xD0 && m <= 0xD7;
}
// Markers that stand alone, without a length field.
constexpr bool is_standalone(std::uint8_t m) {
  return m == kSoi || m == kEoi || is_rst(m) || m == 0x01;
}
// A conventional name: "SOI", "APP1", "SOF2", "DQT", ...
std::string name(std::uint8_t m);
}  // namespace marker

enum class PartType {
  Segment,  // a marker and, unless standalone, its length-counted payload
  Entropy,  // entropy-coded data after an SOS header (restart markers included)
  Gap,      // bytes between segments that belong to none (fill bytes, garbage)
  Trailer,  // everything after the first EOI
};

struct Part {
  PartType type = PartType::Segment;
  std::uint8_t marker = 0;  // for segments
  std::size_t offset = 0;   // where the part starts in the file
  std::size_t size = 0;     // bytes, marker and length field included

  // For segments with a length: the bytes after the 2-byte length field.
  std::size_t payload_offset() const { return offset + 4; }
  std::size_t payload_size() const { return size >= 4 ? size - 4 : 0; }
};

struct FrameComponent {
  int id = 0;
  int h = 1, v = 1;  // sampling factors
  int quant_table = 0;
};

struct Frame {
  std::uint8_t sof_marker = 0;  // 0xC0..0xCF
  int precision = 8;
  int width = 0, height = 0;
  std::vector<FrameComponent> components;
  bool progressive() const {
    return sof_marker == 0xC2 || sof_marker == 0xC6 || sof_marker == 0xCA || sof_marker == 0xCE;
  }
  bool arithmetic() const { return sof_marker >= 0xC9 && sof_marker <= 0xCF; }
  bool lossless() const {
    return sof_marker == 0xC3 || sof_marker == 0xC7 || sof_marker == 0xCB || sof_marker == 0xCF;
  }
  bool hierarchical() const {
    return (sof_marker >= 0xC5 && sof_marker <= 0xC7) || sof_marker >= 0xCD;
  }
};

class JpegFile {
 public:
  // Parses the marker structure. Throws Error(NotJpeg) without SOI, Error(Truncated) when a
  // segment or the entropy-coded data runs past the end or EOI is missing, Error(CorruptData)
  // for malformed lengths or headers.
  static JpegFile parse(Bytes data);

  const Bytes& data() const { return data_; }
  const std::vector<Part>& parts() const { return parts_; }
  const Frame& frame() const { return frame_; }
  int scan_count() const { return scans_; }
  int restart_interval() const { return restart_interval_; }
  // Bytes after the first EOI (empty view when none).
  ByteView trailer() const;
  // Offset of the first EOI's end: the length of the primary image.
  std::size_t primary_end() const { return primary_end_; }

  ByteView bytes_of(const Part& part) const {
    return ByteView(data_).subspan(part.offset, part.size);
  }
  ByteView payload_of(const Part& part) const {
    return ByteView(data_).subspan(part.payload_offset(), part.payload_size());
  }
  // Every segment with this marker, in file order.
  std::vector<const Part*> segments(std::uint8_t m) const;

  // Concatenates the parts: the input bytes, exactly.
  Bytes write() const;

 private:
  Bytes data_;
  std::vector<Part> parts_;
  Frame frame_;
  int scans_ = 0;
  int restart_interval_ = 0;
  std::size_t primary_end_ = 0;
};

}  // namespace jpegopt
