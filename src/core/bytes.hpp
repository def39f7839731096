// Small helpers for reading and writing big- and little-endian integers in byte buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

namespace jpegopt {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// An allocator whose resize() leaves new elements default-initialized (for float: unset), for
// buffers that are written in full right after (coefficient planes, file reads): value-initializing
// them first would be a memset of every element, and the first touch of fresh pages, for nothing.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <class U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    std::construct_at(p, std::forward<Args>(args)...);
  }
};
template <class T>
using UninitVector = std::vector<T, DefaultInitAllocator<T>>;

inline std::uint16_t load_be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}
inline void append_be16(Bytes& out, unsigned v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
inline void append(Bytes& out, ByteView data) {
  out.insert(out.end(), data.begin(), data.end());
}

// True when `data` starts with the bytes of `prefix` (which may contain NULs).
template <std::size_t N>
bool starts_with(ByteView data, const char (&prefix)[N]) {
  constexpr std::size_t n = N - 1;  // without the literal's terminating NUL
  if (data.size() < n) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (data[i] != static_cast<std::uint8_t>(prefix[i])) return false;
  return true;
}

}  // namespace jpegopt
