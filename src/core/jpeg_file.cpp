#include "core/jpeg_file.hpp"

#include <fmt/format.h>

#include "jpegopt/error.hpp"

namespace jpegopt {

std::string marker::name(std::uint8_t m) {
  switch (m) {
    case kSoi:
      return "SOI";
    case kEoi:
      return "EOI";
    case kSos:
      return "SOS";
    case kDqt:
      return "DQT";
    case kDnl:
      return "DNL";
    case kDri:
      return "DRI";
    case kDht:
      return "DHT";
    case kDac:
      return "DAC";
    case kCom:
      return "COM";
    case 0xDE:
      return "DHP";
    case 0xDF:
      return "EXP";
    case 0x01:
      return "TEM";
    default:
      break;
  }
  if (is_sof(m)) return fmt::format("SOF{}", m - 0xC0);
  if (is_app(m)) return fmt::format("APP{}", m - kApp0);
  if (is_rst(m)) return fmt::format("RST{}", m - 0xD0);
  return fmt::format("0x{:02X}", m);
}

namespace {

// Offset of the first byte that is not part of an entropy-coded segment starting at `pos`: the
// 0xFF (or run of 0xFF fill bytes) that begins a marker other than RSTn. Returns size when the
// data runs to the end of the buffer.
std::size_t find_entropy_end(const Bytes& data, std::size_t pos) {
  const std::size_t n = data.size();
  while (pos + 1 < n) {
    if (data[pos] != 0xFF) {
      ++pos;
      continue;
    }
    std::size_t next = pos + 1;
    while (next < n && data[next] == 0xFF)
      ++next;  // fill bytes
    if (next >= n) return n;
    const std::uint8_t m = data[next];
    if (m == 0x00 || marker::is_rst(m)) {
      pos = next + 1;
      continue;
    }
    return pos;
  }
  return n;
}

Frame parse_sof(std::uint8_t m, ByteView payload) {
  if (payload.size() < 6) throw Error(ErrorCode::CorruptData, "frame header too short");
  Frame frame;
  frame.sof_marker = m;
  frame.precision = payload[0];
  frame.height = load_be16(&payload[1]);
  frame.width = load_be16(&payload[3]);
  const int count = payload[5];
  if (count == 0 || payload.size() < 6 + 3u * count)
    throw Error(ErrorCode::CorruptData, "frame header has a bad component count");
  for (int i = 0; i < count; ++i) {
    const auto* c = &payload[6 + 3 * i];
    frame.components.push_back({c[0], c[1] >> 4, c[1] & 15, c[2]});
  }
  return frame;
}

}  // namespace

JpegFile JpegFile::parse(Bytes data) {
  JpegFile file;
  file.data_ = std::move(data);
  const Bytes& d = file.data_;
  const std::size_t n = d.size();
  if (n < 2 || d[0] != 0xFF || d[1] != marker::kSoi)
    throw Error(ErrorCode::NotJpeg, "not a JPEG file (no SOI marker)");

  std::size_t pos = 0;
  bool have_frame = false;
  bool seen_eoi = false;
  while (pos < n) {
    // Anything that is not a marker start is a gap, up to the 0xFF that starts the next marker.
    std::size_t start = pos;
    while (pos < n) {
      if (d[pos] == 0xFF) {
        std::size_t next = pos + 1;
        while (next < n && d[next] == 0xFF)
          ++next;
        if (next < n && d[next] != 0x00) {
          pos = next - 1;  // the last 0xFF of the run starts the marker
          break;
        }
        pos = next;
      } else {
        ++pos;
      }
    }
    if (pos > start) file.parts_.push_back({PartType::Gap, 0, start, pos - start});
    if (pos >= n) break;

    const std::uint8_t m = d[pos + 1];
    if (marker::is_standalone(m)) {
      file.parts_.push_back({PartType::Segment, m, pos, 2});
      pos += 2;
      if (m == marker::kEoi) {
        seen_eoi = true;
        break;
      }
      continue;
    }
    if (pos + 4 > n)
      throw Error(ErrorCode::Truncated,
                  fmt::format("{} marker cut off at offset {}", marker::name(m), pos));
    const std::size_t length = load_be16(&d[pos + 2]);
    if (length < 2)
      throw Error(ErrorCode::CorruptData, fmt::format("{} segment at offset {} has length {}",
                                                      marker::name(m), pos, length));
    if (pos + 2 + length > n)
      throw Error(ErrorCode::Truncated,
                  fmt::format("{} segment at offset {} runs past the end of the file",
                              marker::name(m), pos));
    const Part segment{PartType::Segment, m, pos, 2 + length};
    file.parts_.push_back(segment);
    const ByteView payload = file.payload_of(segment);
    pos += 2 + length;

    if (marker::is_sof(m) && !have_frame) {
      file.frame_ = parse_sof(m, payload);
      have_frame = true;
    } else if (m == marker::kDri) {
      if (payload.size() < 2) throw Error(ErrorCode::CorruptData, "DRI segment too short");
      file.restart_interval_ = load_be16(payload.data());
    } else if (m == marker::kSos) {
      ++file.scans_;
      const std::size_t end = find_entropy_end(d, pos);
      if (end >= n)
        throw Error(ErrorCode::Truncated,
                    "entropy-coded data runs to the end of the file (no EOI)");
      if (end > pos) file.parts_.push_back({PartType::Entropy, 0, pos, end - pos});
      pos = end;
    }
  }
  if (!seen_eoi) throw Error(ErrorCode::Truncated, "no EOI marker (file cut short)");
  file.primary_end_ = pos;
  if (pos < n) file.parts_.push_back({PartType::Trailer, 0, pos, n - pos});
  return file;
}

ByteView JpegFile::trailer() const {
  return ByteView(data_).subspan(primary_end_);
}

std::vector<const Part*> JpegFile::segments(std::uint8_t m) const {
  std::vector<const Part*> out;
  for (const auto& part : parts_)
    if (part.type == PartType::Segment && part.marker == m) out.push_back(&part);
  return out;
}

Bytes JpegFile::write() const {
  Bytes out;
  out.reserve(data_.size());
  for (const auto& part : parts_)
    append(out, bytes_of(part));
  return out;
}

}  // namespace jpegopt
