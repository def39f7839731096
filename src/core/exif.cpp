// Bounded EXIF (TIFF) reader and in-place rewriters.
//
// The reader builds a Layout: the IFDs we know (IFD0, ExifIFD, GPS IFD, Interop IFD, IFD1), their
// entries and the byte regions they occupy. The rewriters never move anything: they edit values in
// place, drop one IFD0 entry by shifting the later ones up, and zero-fill the regions that belonged
// to what they remove (skipping any byte that something else we know about still uses). Only a
// trailing run of erased bytes is trimmed, so every offset left in the structure stays valid.
#include "core/exif.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "jpegopt/error.hpp"

namespace jpegopt::exif {
namespace {

constexpr std::size_t kHeaderSize = 8;
constexpr std::size_t kEntrySize = 12;
// IFD0, ExifIFD, GPS, Interop and IFD1 are all we follow; the cap guards future chain walking.
constexpr std::size_t kMaxIfds = 8;
// Real files have a few hundred entries at most; each IFD count is 16-bit, so cap the sum.
constexpr std::size_t kMaxTotalEntries = 8192;

constexpr std::uint16_t kTagImageWidth = 0x0100;
constexpr std::uint16_t kTagImageLength = 0x0101;
constexpr std::uint16_t kTagMake = 0x010F;
constexpr std::uint16_t kTagModel = 0x0110;
constexpr std::uint16_t kTagOrientation = 0x0112;
constexpr std::uint16_t kTagDateTime = 0x0132;
constexpr std::uint16_t kTagThumbnailOffset = 0x0201;
constexpr std::uint16_t kTagThumbnailLength = 0x0202;
constexpr std::uint16_t kTagExifIfd = 0x8769;
constexpr std::uint16_t kTagGpsIfd = 0x8825;
constexpr std::uint16_t kTagDateTimeOriginal = 0x9003;
constexpr std::uint16_t kTagPixelXDimension = 0xA002;
constexpr std::uint16_t kTagPixelYDimension = 0xA003;
constexpr std::uint16_t kTagInteropIfd = 0xA005;
constexpr std::uint16_t kTagGpsLatitude = 0x0002;
constexpr std::uint16_t kTagGpsLongitude = 0x0004;

constexpr std::uint16_t kTypeAscii = 2;
constexpr std::uint16_t kTypeShort = 3;
constexpr std::uint16_t kTypeLong = 4;
constexpr std::uint16_t kTypeIfd = 13;

// Size in bytes of one value of each TIFF type (index = type); 0 for unknown types.
constexpr std::array<std::uint8_t, 14> kTypeSizes = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4};

struct Region {
  std::size_t begin = 0;
  std::size_t end = 0;  // one past the last byte
};

struct Entry {
  std::uint16_t tag = 0;
  std::uint16_t type = 0;
  std::uint32_t count = 0;
  std::size_t pos = 0;          // offset of the 12-byte entry
  std::optional<Region> value;  // where the value bytes are, when known and in range
  bool out_of_line = false;     // value stored at an offset (more than 4 bytes)
};

struct Ifd {
  std::size_t offset = 0;
  std::vector<Entry> entries;
  Region table;                         // count + entries (+ next pointer when in range)
  std::optional<std::size_t> next_pos;  // where the next-IFD offset is, when in range
  std::uint32_t next = 0;

  const Entry* find(std::uint16_t tag) const {
    for (const Entry& e : entries)
      if (e.tag == tag) return &e;
    return nullptr;
  }
};

struct Layout {
  bool little_endian = false;
  Ifd ifd0;
  std::optional<Ifd> exif;
  std::optional<Ifd> gps;
  std::optional<Ifd> interop;
  std::optional<Ifd> ifd1;
  std::optional<Region> thumbnail;  // JPEG thumbnail bytes, when in range
  std::uint32_t thumbnail_length = 0;
};

class Reader {
 public:
  Reader(ByteView data, bool little_endian) : data_(data), le_(little_endian) {}

  std::size_t size() const { return data_.size(); }
  bool has(std::uint64_t offset, std::uint64_t length) const {
    return offset <= data_.size() && length <= data_.size() - offset;
  }
  std::uint16_t u16(std::size_t pos) const {
    const std::uint8_t* p = data_.data() + pos;
    return le_ ? static_cast<std::uint16_t>(p[0] | (p[1] << 8)) : load_be16(p);
  }
  std::uint32_t u32(std::size_t pos) const {
    const std::uint8_t* p = data_.data() + pos;
    if (!le_) return load_be32(p);
    return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
           (std::uint32_t{p[3]} << 24);
  }
  ByteView bytes(Region r) const { return data_.subspan(r.begin, r.end - r.begin); }

 private:
  ByteView data_;
  bool le_;
};

// Limits shared by every IFD read during one walk.
struct Budget {
  std::set<std::size_t> visited;
  std::size_t ifds = 0;
  std::size_t entries = 0;
};

enum class IfdFailure { None, OutOfRange, Loop, OverLimit };

std::optional<Ifd> read_ifd(const Reader& r, std::uint64_t offset, Budget& budget,
                            IfdFailure& failure) {
  failure = IfdFailure::None;
  if (offset < kHeaderSize || !r.has(offset, 2)) {
    failure = IfdFailure::OutOfRange;
    return std::nullopt;
  }
  const auto pos = static_cast<std::size_t>(offset);
  if (budget.visited.count(pos) != 0) {
    failure = IfdFailure::Loop;
    return std::nullopt;
  }
  const std::size_t count = r.u16(pos);
  if (!r.has(pos + 2, std::uint64_t{count} * kEntrySize)) {
    failure = IfdFailure::OutOfRange;
    return std::nullopt;
  }
  if (budget.ifds + 1 > kMaxIfds || budget.entries + count > kMaxTotalEntries) {
    failure = IfdFailure::OverLimit;
    return std::nullopt;
  }
  budget.visited.insert(pos);
  ++budget.ifds;
  budget.entries += count;

  Ifd ifd;
  ifd.offset = pos;
  ifd.entries.reserve(count);
  const std::size_t entries_end = pos + 2 + count * kEntrySize;
  ifd.table = Region{pos, entries_end};
  if (r.has(entries_end, 4)) {
    ifd.next_pos = entries_end;
    ifd.next = r.u32(entries_end);
    ifd.table.end = entries_end + 4;
  }
  for (std::size_t i = 0; i < count; ++i) {
    Entry e;
    e.pos = pos + 2 + i * kEntrySize;
    e.tag = r.u16(e.pos);
    e.type = r.u16(e.pos + 2);
    e.count = r.u32(e.pos + 4);
    if (e.type < kTypeSizes.size() && kTypeSizes[e.type] != 0) {
      const std::uint64_t length = std::uint64_t{e.count} * kTypeSizes[e.type];
      if (length <= 4) {
        e.value = Region{e.pos + 8, e.pos + 8 + static_cast<std::size_t>(length)};
      } else {
        e.out_of_line = true;
        const std::uint32_t at = r.u32(e.pos + 8);
        if (r.has(at, length)) e.value = Region{at, at + static_cast<std::size_t>(length)};
      }
    }
    ifd.entries.push_back(e);
  }
  return ifd;
}

// First value of an integer entry (BYTE, SHORT or LONG), when readable.
std::optional<std::uint32_t> first_uint(const Reader& r, const Entry& e) {
  if (!e.value || e.count == 0) return std::nullopt;
  switch (e.type) {
    case 1:
      return r.bytes(*e.value)[0];
    case kTypeShort:
      return r.u16(e.value->begin);
    case kTypeLong:
    case kTypeIfd:
      return r.u32(e.value->begin);
    default:
      return std::nullopt;
  }
}

std::optional<std::string> ascii(const Reader& r, const Entry* e) {
  if (e == nullptr || e->type != kTypeAscii || !e->value) return std::nullopt;
  const ByteView b = r.bytes(*e->value);
  std::string s(b.begin(), std::find(b.begin(), b.end(), std::uint8_t{0}));
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
    s.pop_back();
  if (s.empty()) return std::nullopt;
  return s;
}

// Follows a sub-IFD pointer tag of `parent`; nullopt when absent, damaged, a loop or over limits.
std::optional<Ifd> follow(const Reader& r, const Ifd& parent, std::uint16_t tag, Budget& budget) {
  const Entry* e = parent.find(tag);
  if (e == nullptr || (e->type != kTypeLong && e->type != kTypeIfd)) return std::nullopt;
  const auto offset = first_uint(r, *e);
  if (!offset) return std::nullopt;
  IfdFailure failure = IfdFailure::None;
  return read_ifd(r, *offset, budget, failure);
}

bool read_byte_order(ByteView tiff) {
  if (tiff.size() < kHeaderSize)
    throw Error(ErrorCode::CorruptMetadata, "EXIF: TIFF header truncated");
  bool le = false;
  if (tiff[0] == 'I' && tiff[1] == 'I') {
    le = true;
  } else if (!(tiff[0] == 'M' && tiff[1] == 'M')) {
    throw Error(ErrorCode::CorruptMetadata, "EXIF: bad TIFF byte order mark");
  }
  if (Reader(tiff, le).u16(2) != 42)
    throw Error(ErrorCode::CorruptMetadata, "EXIF: bad TIFF magic");
  return le;
}

Layout read_layout(ByteView tiff) {
  Layout layout;
  layout.little_endian = read_byte_order(tiff);
  const Reader r(tiff, layout.little_endian);
  Budget budget;
  IfdFailure failure = IfdFailure::None;
  auto ifd0 = read_ifd(r, r.u32(4), budget, failure);
  if (!ifd0) {
    if (failure == IfdFailure::OverLimit)
      throw Error(ErrorCode::MetadataLimit, "EXIF: IFD0 has too many entries");
    throw Error(ErrorCode::CorruptMetadata, "EXIF: IFD0 is out of range");
  }
  layout.ifd0 = std::move(*ifd0);
  layout.exif = follow(r, layout.ifd0, kTagExifIfd, budget);
  layout.gps = follow(r, layout.ifd0, kTagGpsIfd, budget);
  if (layout.exif) layout.interop = follow(r, *layout.exif, kTagInteropIfd, budget);
  if (layout.ifd0.next != 0) layout.ifd1 = read_ifd(r, layout.ifd0.next, budget, failure);
  if (layout.ifd1) {
    const Entry* off = layout.ifd1->find(kTagThumbnailOffset);
    const Entry* len = layout.ifd1->find(kTagThumbnailLength);
    const auto at = off != nullptr ? first_uint(r, *off) : std::nullopt;
    const auto length = len != nullptr ? first_uint(r, *len) : std::nullopt;
    if (at && length && *length != 0 && *at >= kHeaderSize && r.has(*at, *length)) {
      layout.thumbnail = Region{*at, std::size_t{*at} + *length};
      layout.thumbnail_length = *length;
    }
  }
  return layout;
}

// Every IFD the layout knows, for iteration.
std::vector<const Ifd*> all_ifds(const Layout& layout) {
  std::vector<const Ifd*> out{&layout.ifd0};
  for (const auto* ifd : {&layout.exif, &layout.gps, &layout.interop, &layout.ifd1})
    if (*ifd) out.push_back(&**ifd);
  return out;
}

// Marks the bytes of an IFD table and of its out-of-line values.
void mark_ifd(const Ifd& ifd, std::vector<bool>& mask) {
  auto mark = [&mask](Region reg) {
    for (std::size_t i = reg.begin; i < reg.end && i < mask.size(); ++i)
      mask[i] = true;
  };
  mark(ifd.table);
  for (const Entry& e : ifd.entries)
    if (e.out_of_line && e.value) mark(*e.value);
}

// Bytes used by every known structure except `skip` (and the thumbnail when `skip_thumbnail`).
std::vector<bool> protected_bytes(const Layout& layout, std::size_t size, const Ifd* skip,
                                  bool skip_thumbnail) {
  std::vector<bool> mask(size, false);
  for (std::size_t i = 0; i < kHeaderSize && i < size; ++i)
    mask[i] = true;
  for (const Ifd* ifd : all_ifds(layout))
    if (ifd != skip) mark_ifd(*ifd, mask);
  if (layout.thumbnail && !skip_thumbnail)
    for (std::size_t i = layout.thumbnail->begin; i < layout.thumbnail->end; ++i)
      mask[i] = true;
  return mask;
}

// Zero-fills the bytes in `erase` that are not protected, then trims a trailing run of erased
// bytes (allowing up to three zero padding bytes between erased regions).
void erase_and_trim(Bytes& out, const std::vector<bool>& erase, const std::vector<bool>& keep) {
  std::vector<bool> erased(out.size(), false);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (erase[i] && !keep[i]) {
      out[i] = 0;
      erased[i] = true;
    }
  }
  std::size_t end = out.size();
  while (end > kHeaderSize) {
    if (erased[end - 1]) {
      --end;
      continue;
    }
    std::size_t k = end;
    while (k > kHeaderSize && end - k < 3 && !erased[k - 1] && out[k - 1] == 0 && !keep[k - 1])
      --k;
    if (k < end && k > kHeaderSize && erased[k - 1]) {
      end = k;
      continue;
    }
    break;
  }
  out.resize(end);
}

class Writer {
 public:
  Writer(Bytes& data, bool little_endian) : data_(data), le_(little_endian) {}
  void u16(std::size_t pos, std::uint32_t v) { put(pos, 2, v); }
  void u32(std::size_t pos, std::uint32_t v) { put(pos, 4, v); }

 private:
  void put(std::size_t pos, int n, std::uint32_t v) {
    for (int i = 0; i < n; ++i) {
      const int shift = le_ ? 8 * i : 8 * (n - 1 - i);
      data_[pos + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> shift);
    }
  }
  Bytes& data_;
  bool le_;
};

void check_orientation(int orientation) {
  if (orientation < 1 || orientation > 8)
    throw Error(ErrorCode::InvalidArgument,
                "EXIF: orientation " + std::to_string(orientation) + " is not in 1..8");
}

// Writes an integer into a SHORT or LONG entry with count 1 (a SHORT becomes a LONG when the value
// does not fit; both are stored inline). Other types are left alone.
void set_uint(Writer& w, const Entry& e, std::uint32_t v) {
  if (e.count != 1 || (e.type != kTypeShort && e.type != kTypeLong)) return;
  if (e.type == kTypeShort && v <= 0xFFFF) {
    w.u16(e.pos + 8, v);
    w.u16(e.pos + 10, 0);
    return;
  }
  w.u16(e.pos + 2, kTypeLong);
  w.u32(e.pos + 8, v);
}

}  // namespace

ExifInfo parse(ByteView tiff) {
  const Layout layout = read_layout(tiff);
  const Reader r(tiff, layout.little_endian);
  ExifInfo info;
  info.little_endian = layout.little_endian;
  info.ifd0_tag_count = static_cast<int>(layout.ifd0.entries.size());
  if (const Entry* e = layout.ifd0.find(kTagOrientation)) {
    const auto v = first_uint(r, *e);
    if (v && *v >= 1 && *v <= 8) info.orientation = static_cast<int>(*v);
  }
  info.make = ascii(r, layout.ifd0.find(kTagMake));
  info.model = ascii(r, layout.ifd0.find(kTagModel));
  if (layout.exif) info.datetime = ascii(r, layout.exif->find(kTagDateTimeOriginal));
  if (!info.datetime) info.datetime = ascii(r, layout.ifd0.find(kTagDateTime));
  if (layout.gps) {
    info.has_gps = true;
    info.gps_tag_count = static_cast<int>(layout.gps->entries.size());
    info.gps_has_position = layout.gps->find(kTagGpsLatitude) != nullptr &&
                            layout.gps->find(kTagGpsLongitude) != nullptr;
  }
  info.thumbnail_bytes = layout.thumbnail_length;
  auto dimension = [&r](const Ifd& ifd, std::uint16_t tag) -> std::optional<std::uint32_t> {
    const Entry* e = ifd.find(tag);
    if (e == nullptr || (e->type != kTypeShort && e->type != kTypeLong)) return std::nullopt;
    return first_uint(r, *e);
  };
  info.image_width = dimension(layout.ifd0, kTagImageWidth);
  info.image_height = dimension(layout.ifd0, kTagImageLength);
  if (layout.exif) {
    info.pixel_width = dimension(*layout.exif, kTagPixelXDimension);
    info.pixel_height = dimension(*layout.exif, kTagPixelYDimension);
  }
  return info;
}

Bytes minimal_orientation_segment(int orientation) {
  check_orientation(orientation);
  Bytes out = {'E',  'x',
               'i',  'f',
               0,    0,  // APP1 identifier
               'M',  'M',
               0,    42,
               0,    0,
               0,    8,  // big-endian TIFF header, IFD0 at 8
               0,    1,  // one entry
               0x01, 0x12,
               0,    kTypeShort,
               0,    0,
               0,    1,  // Orientation, SHORT, count 1
               0,    static_cast<std::uint8_t>(orientation),
               0,    0,  // value, padded to 4 bytes
               0,    0,
               0,    0};  // no next IFD
  return out;
}

Bytes remove_gps(ByteView tiff) {
  const Layout layout = read_layout(tiff);
  Bytes out(tiff.begin(), tiff.end());
  if (layout.ifd0.find(kTagGpsIfd) == nullptr) return out;

  // Drop every GPS pointer entry from IFD0: shift the later entries (and the next-IFD pointer) up.
  Writer w(out, layout.little_endian);
  const std::size_t base = layout.ifd0.offset;
  std::size_t count = layout.ifd0.entries.size();
  const std::size_t tail = layout.ifd0.next_pos ? 4 : 0;
  for (std::size_t i = 0; i < count;) {
    const std::size_t pos = base + 2 + i * kEntrySize;
    if (Reader(out, layout.little_endian).u16(pos) != kTagGpsIfd) {
      ++i;
      continue;
    }
    const std::size_t table_end = base + 2 + count * kEntrySize + tail;
    std::copy(out.begin() + static_cast<std::ptrdiff_t>(pos + kEntrySize),
              out.begin() + static_cast<std::ptrdiff_t>(table_end),
              out.begin() + static_cast<std::ptrdiff_t>(pos));
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(table_end - kEntrySize),
              out.begin() + static_cast<std::ptrdiff_t>(table_end), std::uint8_t{0});
    --count;
  }
  w.u16(base, static_cast<std::uint32_t>(count));

  if (layout.gps) {
    std::vector<bool> erase(out.size(), false);
    mark_ifd(*layout.gps, erase);
    erase_and_trim(out, erase, protected_bytes(layout, out.size(), &*layout.gps, false));
  }
  return out;
}

Bytes remove_thumbnail(ByteView tiff) {
  const Layout layout = read_layout(tiff);
  Bytes out(tiff.begin(), tiff.end());
  if (!layout.ifd0.next_pos || layout.ifd0.next == 0) return out;
  Writer(out, layout.little_endian).u32(*layout.ifd0.next_pos, 0);
  if (layout.ifd1) {
    std::vector<bool> erase(out.size(), false);
    mark_ifd(*layout.ifd1, erase);
    if (layout.thumbnail)
      for (std::size_t i = layout.thumbnail->begin; i < layout.thumbnail->end; ++i)
        erase[i] = true;
    erase_and_trim(out, erase, protected_bytes(layout, out.size(), &*layout.ifd1, true));
  }
  return out;
}

Bytes update_geometry(ByteView tiff, int orientation, std::uint32_t width, std::uint32_t height) {
  check_orientation(orientation);
  const Layout layout = read_layout(tiff);
  Bytes out(tiff.begin(), tiff.end());
  Writer w(out, layout.little_endian);
  if (const Entry* e = layout.ifd0.find(kTagOrientation)) {
    if (e->count == 1 && e->type == kTypeShort)
      w.u16(e->pos + 8, static_cast<std::uint32_t>(orientation));
    if (e->count == 1 && e->type == kTypeLong)
      w.u32(e->pos + 8, static_cast<std::uint32_t>(orientation));
  }
  if (const Entry* e = layout.ifd0.find(kTagImageWidth)) set_uint(w, *e, width);
  if (const Entry* e = layout.ifd0.find(kTagImageLength)) set_uint(w, *e, height);
  if (layout.exif) {
    if (const Entry* e = layout.exif->find(kTagPixelXDimension)) set_uint(w, *e, width);
    if (const Entry* e = layout.exif->find(kTagPixelYDimension)) set_uint(w, *e, height);
  }
  return out;
}

}  // namespace jpegopt::exif
