#include "core/png_reader.hpp"

#include <png.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/exif.hpp"
#include "jpegopt/error.hpp"

namespace jpegopt::png {

namespace {

constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

// Error context and input of one libpng read: trivially destructible, so that libpng may longjmp
// back over it. Nothing is static; each read has its own.
struct Context {
  std::jmp_buf jump;
  char message[256];
  char first_warning[256];
  bool has_forced_code;
  ErrorCode forced_code;
  const std::uint8_t* data;
  std::size_t size;
  std::size_t pos;
};

Context& context_of(png_structp png) {
  return *static_cast<Context*>(png_get_error_ptr(png));
}

[[noreturn]] void on_error(png_structp png, png_const_charp message) {
  Context& ctx = context_of(png);
  std::snprintf(ctx.message, sizeof ctx.message, "%s", message);
  std::longjmp(ctx.jump, 1);
}

void on_warning(png_structp png, png_const_charp message) {
  Context& ctx = context_of(png);
  if (ctx.first_warning[0] == '\0')
    std::snprintf(ctx.first_warning, sizeof ctx.first_warning, "%s", message);
}

void on_read(png_structp png, png_bytep out, std::size_t count) {
  auto& ctx = *static_cast<Context*>(png_get_io_ptr(png));
  if (ctx.size - ctx.pos < count) {
    ctx.has_forced_code = true;
    ctx.forced_code = ErrorCode::Truncated;
    png_error(png, "unexpected end of PNG data");
  }
  std::memcpy(out, ctx.data + ctx.pos, count);
  ctx.pos += count;
}

// Owns libpng's read and info structs; every libpng call that can fail runs inside run().
class Reader {
 public:
  explicit Reader(ByteView data) {
    ctx_.message[0] = ctx_.first_warning[0] = '\0';
    ctx_.has_forced_code = false;
    ctx_.forced_code = ErrorCode::CorruptData;
    ctx_.data = data.data();
    ctx_.size = data.size();
    ctx_.pos = 0;
    png_ = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx_, on_error, on_warning);
    if (png_ != nullptr) info_ = png_create_info_struct(png_);
    if (png_ == nullptr || info_ == nullptr) {
      png_destroy_read_struct(png_ == nullptr ? nullptr : &png_, nullptr, nullptr);
      throw Error(ErrorCode::OutOfMemory, "out of memory creating the PNG decoder");
    }
    png_set_read_fn(png_, &ctx_, on_read);
  }
  ~Reader() { png_destroy_read_struct(&png_, &info_, nullptr); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  png_structp png() { return png_; }
  png_infop info() { return info_; }
  const char* first_warning() const { return ctx_.first_warning; }

  // Runs `f` (libpng calls and trivially destructible locals only) with setjmp armed; a libpng
  // error is rethrown as jpegopt::Error once libpng's frames are gone.
  template <class F>
  void run(F&& f) {
    if (setjmp(ctx_.jump) == 0) {
      f();
      return;
    }
    throw error();
  }

 private:
  Error error() const {
    ErrorCode code = ctx_.has_forced_code ? ctx_.forced_code : ErrorCode::CorruptData;
    if (!ctx_.has_forced_code && std::strstr(ctx_.message, "ut of memory") != nullptr)
      code = ErrorCode::OutOfMemory;
    return Error(code, fmt::format("PNG: {}", ctx_.message[0] ? ctx_.message : "libpng error"));
  }

  Context ctx_{};
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

// What a walk over the raw chunk list finds (libpng drops damaged ancillary chunks with only a
// warning; we must notice when that happens to a colour profile).
struct RawChunks {
  bool has_iccp = false;
  bool iccp_crc_ok = false;  // a damaged chunk may claim any profile size: that is corruption
  bool has_exif = false;
  ByteView exif;  // the first eXIf chunk with a correct CRC
};

RawChunks walk_chunks(ByteView data) {
  RawChunks found;
  std::size_t pos = 8;
  while (data.size() - pos >= 12) {
    const std::uint32_t length = load_be32(data.data() + pos);
    if (length > data.size() - pos - 12) break;
    const std::uint8_t* type = data.data() + pos + 4;
    if (std::memcmp(type, "IEND", 4) == 0) break;
    const bool crc_ok = crc32(crc32(0L, Z_NULL, 0), type, static_cast<uInt>(length) + 4) ==
                        load_be32(type + 4 + length);
    if (std::memcmp(type, "iCCP", 4) == 0 && !found.has_iccp) {
      found.has_iccp = true;
      found.iccp_crc_ok = crc_ok;
    }
    if (std::memcmp(type, "eXIf", 4) == 0 && !found.has_exif) {
      found.has_exif = true;
      if (crc_ok) found.exif = data.subspan(pos + 8, length);
    }
    pos += std::size_t{length} + 12;
  }
  return found;
}

int orientation_of(ByteView exif_chunk, const Limits& limits) {
  if (exif_chunk.size() > limits.max_metadata_bytes)
    throw Error(ErrorCode::MetadataLimit,
                fmt::format("PNG eXIf chunk of {} bytes is over the limit of {}", exif_chunk.size(),
                            limits.max_metadata_bytes));
  static constexpr std::uint8_t kExifId[6] = {'E', 'x', 'i', 'f', 0, 0};
  // Some writers keep the JPEG APP1 identifier in front of the TIFF header.
  if (exif_chunk.size() >= 6 && std::memcmp(exif_chunk.data(), kExifId, 6) == 0)
    exif_chunk = exif_chunk.subspan(6);
  try {
    return exif::parse(exif_chunk).orientation.value_or(1);
  } catch (const Error&) {
    return 1;  // unreadable EXIF: show the pixels as stored
  }
}

// sRGB transfer curve: 8-bit code → linear light, and the reverse with rounding to nearest.
float srgb_to_linear(double v) {
  return static_cast<float>(v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4));
}

const std::array<float, 256>& linear_table() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    for (int i = 0; i < 256; ++i)
      t[static_cast<std::size_t>(i)] = srgb_to_linear(i / 255.0);
    return t;
  }();
  return table;
}

// thresholds[k - 1] is the linear value halfway (in code values) between codes k - 1 and k.
const std::array<float, 255>& threshold_table() {
  static const std::array<float, 255> table = [] {
    std::array<float, 255> t{};
    for (int k = 1; k < 256; ++k)
      t[static_cast<std::size_t>(k - 1)] = srgb_to_linear((k - 0.5) / 255);
    return t;
  }();
  return table;
}

std::uint8_t linear_to_srgb(float v) {
  const auto& t = threshold_table();
  return static_cast<std::uint8_t>(std::upper_bound(t.begin(), t.end(), v) - t.begin());
}

// colour·α + background·(1 − α), mixed in linear light.
std::uint8_t composite(std::uint8_t colour, std::uint8_t alpha, std::uint8_t background) {
  if (alpha == 255) return colour;
  if (alpha == 0) return background;
  const auto& lin = linear_table();
  const float a = alpha / 255.0f;
  return linear_to_srgb(lin[colour] * a + lin[background] * (1 - a));
}

// One decoded row (1..4 channels: G, GA, RGB, RGBA) into the output row (1 or 3 channels).
void convert_row(const std::uint8_t* in, int in_channels, std::uint8_t* out, int out_channels,
                 int width, const std::array<std::uint8_t, 3>& bg) {
  const bool alpha = in_channels == 2 || in_channels == 4;
  const int colours = alpha ? in_channels - 1 : in_channels;
  for (int x = 0; x < width; ++x) {
    const std::uint8_t* p = in + static_cast<std::size_t>(x) * in_channels;
    std::uint8_t* q = out + static_cast<std::size_t>(x) * out_channels;
    for (int c = 0; c < out_channels; ++c) {
      const std::uint8_t v = p[colours == 1 ? 0 : c];
      q[c] = alpha ? composite(v, p[in_channels - 1], bg[static_cast<std::size_t>(c)]) : v;
    }
  }
}

}  // namespace

bool is_png(ByteView data) {
  return data.size() >= 8 && std::memcmp(data.data(), kSignature, 8) == 0;
}

Image read(ByteView data, const Limits& limits, std::array<std::uint8_t, 3> background) {
  if (!is_png(data)) throw Error(ErrorCode::InvalidArgument, "not a PNG file (bad signature)");
  const RawChunks raw = walk_chunks(data);

  Reader reader(data);
  png_structp png = reader.png();
  png_infop info = reader.info();
  // Our own pixel limit replaces libpng's 1e6 × 1e6 default; decompressed ancillary chunks (the
  // ICC profile) are bounded by the metadata limit.
  const auto chunk_max = static_cast<png_alloc_size_t>(
      std::min<std::uint64_t>(limits.max_metadata_bytes + 1024, PNG_SIZE_MAX));
  reader.run([&] {
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_chunk_malloc_max(png, chunk_max);
    png_read_info(png, info);
  });

  const png_uint_32 width = png_get_image_width(png, info);
  const png_uint_32 height = png_get_image_height(png, info);
  const std::uint64_t pixels = std::uint64_t{width} * height;
  if (pixels > limits.max_pixels)
    throw Error(ErrorCode::TooLarge, fmt::format("{}x{} is {} pixels, over the limit of {}", width,
                                                 height, pixels, limits.max_pixels));

  Image image;
  image.width = static_cast<int>(width);
  image.height = static_cast<int>(height);
  png_charp name = nullptr;
  int compression = 0;
  png_bytep profile = nullptr;
  png_uint_32 profile_size = 0;
  if (png_get_iCCP(png, info, &name, &compression, &profile, &profile_size) != 0)
    image.icc.assign(profile, profile + profile_size);
  else if (raw.has_iccp && raw.iccp_crc_ok &&
           std::string_view(reader.first_warning()).find("exceeds application limits") !=
               std::string_view::npos)  // over png_set_chunk_malloc_max
    throw Error(ErrorCode::MetadataLimit,
                fmt::format("PNG iCCP profile over the metadata limit of {} bytes",
                            limits.max_metadata_bytes));
  else if (raw.has_iccp)  // libpng refused it; dropping it would shift the colours silently
    throw Error(ErrorCode::CorruptMetadata,
                fmt::format("PNG iCCP profile unreadable: {}", reader.first_warning()));
  if (raw.has_exif) image.orientation = orientation_of(raw.exif, limits);

  const int colour_type = png_get_color_type(png, info);
  const int bit_depth = png_get_bit_depth(png, info);
  int passes = 1;
  reader.run([&] {
    png_set_expand(png);  // palette → RGB, grey < 8 bits → 8 bits, tRNS → alpha channel
    if (bit_depth == 16) png_set_scale_16(png);  // v·255/65535, rounded
    passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
  });
  const int in_channels = png_get_channels(png, info);
  const std::size_t rowbytes = png_get_rowbytes(png, info);
  if (in_channels < 1 || in_channels > 4 || rowbytes != std::size_t{width} * in_channels)
    throw Error(ErrorCode::Internal, "unexpected libpng row layout");
  const bool grey =
      (colour_type & PNG_COLOR_MASK_COLOR) == 0 && colour_type != PNG_COLOR_TYPE_PALETTE;
  const bool has_alpha = in_channels == 2 || in_channels == 4;
  const bool grey_background = background[0] == background[1] && background[1] == background[2];
  image.format = grey && (!has_alpha || grey_background) ? PixelFormat::Gray : PixelFormat::Rgb;
  const int out_channels = image.channels();
  image.pixels.resize(image.stride() * height);

  std::uint8_t* out = image.pixels.data();
  const std::size_t stride = image.stride();
  if (passes == 1) {
    // Rows already in the output layout (no alpha, as many channels) are decoded in place.
    const bool direct = in_channels == out_channels && rowbytes == stride;
    std::vector<std::uint8_t> row(direct ? 0 : rowbytes);
    std::uint8_t* buffer = row.data();
    reader.run([&] {
      for (png_uint_32 y = 0; y < height; ++y) {
        if (direct) {
          png_read_row(png, out + y * stride, nullptr);
          continue;
        }
        png_read_row(png, buffer, nullptr);
        convert_row(buffer, in_channels, out + y * stride, out_channels, image.width, background);
      }
      png_read_end(png, nullptr);
    });
  } else {  // Adam7: libpng needs the whole image to combine the passes
    std::vector<std::uint8_t> whole(rowbytes * height);
    std::vector<png_bytep> rows(height);
    for (png_uint_32 y = 0; y < height; ++y)
      rows[y] = whole.data() + y * rowbytes;
    png_bytepp row_pointers = rows.data();
    reader.run([&] {
      png_read_image(png, row_pointers);
      png_read_end(png, nullptr);
    });
    for (png_uint_32 y = 0; y < height; ++y)
      convert_row(rows[y], in_channels, out + y * stride, out_channels, image.width, background);
  }
  return image;
}

}  // namespace jpegopt::png
