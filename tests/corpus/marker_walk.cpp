#include "corpus/marker_walk.hpp"

namespace jpegopt::test {

namespace {

bool standalone(std::uint8_t marker) {
  return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8);  // TEM, RSTn, SOI: no length
}

// Position of the next marker other than RSTn after entropy-coded data starting at `pos`.
std::size_t skip_entropy_data(ByteView file, std::size_t pos) {
  while (pos + 1 < file.size() && !(file[pos] == 0xFF && file[pos + 1] != 0 &&
                                    (file[pos + 1] < 0xD0 || file[pos + 1] > 0xD7)))
    ++pos;
  return pos;
}

}  // namespace

std::vector<WalkedSegment> walk_segments(ByteView file, bool through_scans) {
  std::vector<WalkedSegment> out;
  if (file.size() < 2 || file[0] != 0xFF || file[1] != 0xD8) return out;
  std::size_t pos = 2;
  while (pos + 1 < file.size() && file[pos] == 0xFF) {
    const std::uint8_t marker = file[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xD9 || (marker == 0xDA && !through_scans)) break;
    if (standalone(marker)) {
      pos += 2;
      continue;
    }
    if (pos + 4 > file.size()) break;
    const std::size_t length = load_be16(&file[pos + 2]);
    if (length < 2 || pos + 2 + length > file.size()) break;
    out.push_back({marker, file.subspan(pos + 4, length - 2)});
    pos += 2 + length;
    if (marker == 0xDA) pos = skip_entropy_data(file, pos);
  }
  return out;
}

}  // namespace jpegopt::test
