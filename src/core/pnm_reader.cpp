#include "core/pnm_reader.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <string_view>

#include "jpegopt/error.hpp"

namespace jpegopt::pnm {

namespace {

bool is_space(std::uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

[[noreturn]] void malformed(std::string_view what) {
  throw Error(ErrorCode::CorruptData, fmt::format("PNM: malformed header: {}", what));
}

// Reads one header field: skips whitespace and comments, then a decimal number up to `max`.
std::uint64_t field(ByteView data, std::size_t& pos, std::string_view name, std::uint64_t max) {
  for (;;) {
    while (pos < data.size() && is_space(data[pos]))
      ++pos;
    if (pos < data.size() && data[pos] == '#') {
      while (pos < data.size() && data[pos] != '\n' && data[pos] != '\r')
        ++pos;
      continue;
    }
    break;
  }
  if (pos == data.size()) malformed(fmt::format("it ends before the {}", name));
  if (data[pos] < '0' || data[pos] > '9') malformed(fmt::format("the {} is not a number", name));
  std::uint64_t value = 0;
  while (pos < data.size() && data[pos] >= '0' && data[pos] <= '9') {
    value = value * 10 + static_cast<std::uint64_t>(data[pos] - '0');
    if (value > max) malformed(fmt::format("the {} is over {}", name, max));
    ++pos;
  }
  if (value == 0) malformed(fmt::format("the {} is 0", name));
  return value;
}

}  // namespace

bool is_pnm(ByteView data) {
  return data.size() >= 3 && data[0] == 'P' && (data[1] == '5' || data[1] == '6') &&
         is_space(data[2]);
}

Image read(ByteView data, const Limits& limits) {
  Image image = view(data, limits);
  image.own();
  return image;
}

Image view(ByteView data, const Limits& limits) {
  if (!is_pnm(data))
    throw Error(ErrorCode::InvalidArgument, "PNM: not a binary PGM or PPM (P5 or P6)");
  const bool rgb = data[1] == '6';
  std::size_t pos = 2;
  const std::uint64_t width = field(data, pos, "width", 65535);
  const std::uint64_t height = field(data, pos, "height", 65535);
  const std::uint64_t maxval = field(data, pos, "maxval", 65535);
  if (pos == data.size() || !is_space(data[pos])) {
    if (pos == data.size()) malformed("it ends after the maxval");
    malformed("no whitespace after the maxval");
  }
  ++pos;
  const std::uint64_t pixels = width * height;
  if (pixels > limits.max_pixels)
    throw Error(ErrorCode::TooLarge, fmt::format("PNM: {}x{} is {} pixels, over the limit of {}",
                                                 width, height, pixels, limits.max_pixels));

  Image image;
  image.width = static_cast<int>(width);
  image.height = static_cast<int>(height);
  image.format = rgb ? PixelFormat::Rgb : PixelFormat::Gray;
  const std::size_t samples = static_cast<std::size_t>(pixels) * (rgb ? 3 : 1);
  const std::size_t bytes_per_sample = maxval < 256 ? 1 : 2;
  const std::size_t need = samples * bytes_per_sample;
  if (data.size() - pos < need)
    throw Error(ErrorCode::Truncated, fmt::format("PNM: the samples are truncated ({} of {} bytes)",
                                                  data.size() - pos, need));
  const std::uint8_t* in = data.data() + pos;
  if (maxval == 255) {
    image.borrowed = in;
    return image;
  }
  image.pixels.resize(samples);
  const auto max = static_cast<std::uint32_t>(maxval);
  for (std::size_t i = 0; i < samples; ++i) {
    const std::uint32_t v =
        bytes_per_sample == 1 ? in[i] : (std::uint32_t{in[2 * i]} << 8 | in[2 * i + 1]);
    if (v > max)
      throw Error(ErrorCode::CorruptData,
                  fmt::format("PNM: sample {} is over the maxval {}", v, maxval));
    image.pixels[i] = static_cast<std::uint8_t>((v * 255 + max / 2) / max);
  }
  return image;
}

}  // namespace jpegopt::pnm
