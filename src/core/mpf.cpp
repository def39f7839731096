#include "core/mpf.hpp"

#include <fmt/format.h>

#include "jpegopt/error.hpp"

namespace jpegopt::mpf {

namespace {

constexpr std::size_t kHeader = 4;  // "MPF\0"
constexpr std::uint16_t kTagNumberOfImages = 0xB001;
constexpr std::uint16_t kTagMpEntry = 0xB002;
constexpr std::size_t kMaxEntries = 1024;

struct Reader {
  ByteView tiff;
  bool le;
  void need(std::size_t pos, std::size_t n) const {
    if (pos > tiff.size() || n > tiff.size() - pos)
      throw Error(ErrorCode::CorruptMetadata, "MPF index truncated");
  }
  std::uint32_t u16(std::size_t pos) const {
    need(pos, 2);
    return le ? (tiff[pos] | (tiff[pos + 1] << 8)) : ((tiff[pos] << 8) | tiff[pos + 1]);
  }
  std::uint32_t u32(std::size_t pos) const {
    need(pos, 4);
    const std::uint32_t a = tiff[pos], b = tiff[pos + 1], c = tiff[pos + 2], d = tiff[pos + 3];
    return le ? (a | b << 8 | c << 16 | d << 24) : (a << 24 | b << 16 | c << 8 | d);
  }
};

void store32(Bytes& out, std::size_t pos, std::uint32_t v, bool le) {
  for (int i = 0; i < 4; ++i) {
    const int shift = le ? 8 * i : 8 * (3 - i);
    out[pos + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> shift);
  }
}

}  // namespace

Index parse(ByteView payload) {
  if (payload.size() < kHeader + 8 || !starts_with(payload, "MPF\0"))
    throw Error(ErrorCode::CorruptMetadata, "not an MPF segment");
  const ByteView tiff = payload.subspan(kHeader);
  Index index;
  if (tiff[0] == 'I' && tiff[1] == 'I')
    index.little_endian = true;
  else if (!(tiff[0] == 'M' && tiff[1] == 'M'))
    throw Error(ErrorCode::CorruptMetadata, "MPF index has no byte-order mark");
  const Reader r{tiff, index.little_endian};
  const std::uint32_t ifd = r.u32(4);
  const std::uint32_t count = r.u16(ifd);
  std::uint32_t images = 0, entry_bytes = 0, entry_offset = 0;
  for (std::uint32_t i = 0; i < count && i < kMaxEntries; ++i) {
    const std::size_t e = ifd + 2 + 12 * std::size_t{i};
    const std::uint32_t tag = r.u16(e);
    if (tag == kTagNumberOfImages) images = r.u32(e + 8);
    if (tag == kTagMpEntry) {
      entry_bytes = r.u32(e + 4);
      entry_offset = r.u32(e + 8);
    }
  }
  if (images == 0 || images > kMaxEntries || entry_bytes != 16 * images)
    throw Error(ErrorCode::CorruptMetadata,
                fmt::format("MPF index lists {} images in {} entry bytes", images, entry_bytes));
  for (std::uint32_t i = 0; i < images; ++i) {
    const std::size_t pos = entry_offset + 16 * std::size_t{i};
    index.entries.push_back({r.u32(pos), r.u32(pos + 4), r.u32(pos + 8), pos});
  }
  return index;
}

Bytes with_entries(ByteView payload, const Index& index, const std::vector<std::uint32_t>& sizes,
                   const std::vector<std::uint32_t>& offsets) {
  Bytes out(payload.begin(), payload.end());
  for (std::size_t i = 0; i < index.entries.size() && i < sizes.size() && i < offsets.size(); ++i) {
    const std::size_t pos = kHeader + index.entries[i].field_pos;
    store32(out, pos + 4, sizes[i], index.little_endian);
    store32(out, pos + 8, offsets[i], index.little_endian);
  }
  return out;
}

}  // namespace jpegopt::mpf
