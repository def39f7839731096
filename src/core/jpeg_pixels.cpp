#include "core/jpeg_pixels.hpp"

#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "core/exif.hpp"
#include "core/icc.hpp"
#include "core/libjpeg.hpp"
#include "core/metrics.hpp"

namespace jpegopt::jpeg_pixels {

namespace {

constexpr std::uint8_t kExifId[] = {'E', 'x', 'i', 'f', 0, 0};

PixelFormat format_for(J_COLOR_SPACE space) {
  switch (space) {
    case JCS_GRAYSCALE:
      return PixelFormat::Gray;
    case JCS_YCbCr:
    case JCS_RGB:
      return PixelFormat::Rgb;
    case JCS_CMYK:
    case JCS_YCCK:
      return PixelFormat::Cmyk;
    default:
      throw Error(ErrorCode::Unsupported,
                  fmt::format("JPEG colour space {} cannot be decoded to pixels", int{space}));
  }
}

J_COLOR_SPACE output_space(PixelFormat format) {
  return format == PixelFormat::Gray  ? JCS_GRAYSCALE
         : format == PixelFormat::Rgb ? JCS_RGB
                                      : JCS_CMYK;
}

// Opens the decoder and reads the header with the APP1/APP2 markers kept for metadata.
void open(lj::Decompressor& d) {
  d.bridge().warnings_fatal = true;
  auto* cinfo = d.get();
  d.run([&] {
    jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_save_markers(cinfo, JPEG_APP0 + 2, 0xFFFF);
  });
  d.read_header();
}

// The EXIF orientation and the ICC profile of the saved markers.
void read_metadata(const jpeg_decompress_struct& cinfo, const Limits& limits, Image& image) {
  std::vector<ByteView> app2;
  bool have_orientation = false;
  for (auto* m = cinfo.marker_list; m != nullptr; m = m->next) {
    const ByteView payload(m->data, m->data_length);
    if (m->marker == JPEG_APP0 + 2) {
      app2.push_back(payload);
    } else if (!have_orientation && m->marker == JPEG_APP0 + 1 && payload.size() > 6 &&
               std::memcmp(payload.data(), kExifId, 6) == 0) {
      have_orientation = true;  // the first EXIF segment decides, as viewers do
      try {
        image.orientation = exif::parse(payload.subspan(6)).orientation.value_or(1);
      } catch (const Error&) {
        image.orientation = 1;  // unreadable EXIF: show the pixels as stored
      }
    }
  }
  if (auto icc_profile = icc::reassemble(app2); icc_profile && icc_profile->complete) {
    if (icc_profile->profile.size() > limits.max_metadata_bytes)
      throw Error(ErrorCode::MetadataLimit,
                  fmt::format("ICC profile of {} bytes is over the limit of {}",
                              icc_profile->profile.size(), limits.max_metadata_bytes));
    image.icc = std::move(icc_profile->profile);
  }
}

}  // namespace

Header read_header(ByteView jpeg, const Limits& limits) {
  lj::Decompressor d(jpeg, limits);
  open(d);
  const auto* cinfo = d.get();
  Header header;
  header.width = static_cast<int>(cinfo->image_width);
  header.height = static_cast<int>(cinfo->image_height);
  header.components = cinfo->num_components;
  header.format = format_for(cinfo->jpeg_color_space);
  return header;
}

namespace {

// Sets the decode parameters (djpeg's defaults) and starts the decompressor; the output header.
Header start(lj::Decompressor& d, int scale_denom) {
  auto* cinfo = d.get();
  Header header;
  header.format = format_for(cinfo->jpeg_color_space);
  header.components = cinfo->num_components;
  cinfo->out_color_space = output_space(header.format);
  cinfo->scale_num = 1;
  cinfo->scale_denom = static_cast<unsigned>(scale_denom);
  cinfo->dct_method = JDCT_ISLOW;
  cinfo->do_fancy_upsampling = TRUE;
  d.run([&] { jpeg_start_decompress(cinfo); });
  if (cinfo->output_components != channels_of(header.format))
    throw Error(ErrorCode::Internal, "libjpeg returned an unexpected number of channels");
  header.width = static_cast<int>(cinfo->output_width);
  header.height = static_cast<int>(cinfo->output_height);
  return header;
}

}  // namespace

Image decode(ByteView jpeg, const Limits& limits, int scale_denom) {
  if (scale_denom != 1 && scale_denom != 2 && scale_denom != 4 && scale_denom != 8)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("DCT scale 1/{} is not one of 1, 1/2, 1/4, 1/8", scale_denom));
  lj::Decompressor d(jpeg, limits);
  open(d);
  auto* cinfo = d.get();

  Image image;
  format_for(cinfo->jpeg_color_space);  // an unsupported colour space fails before the metadata
  read_metadata(*cinfo, limits, image);
  const Header header = start(d, scale_denom);
  image.format = header.format;
  image.width = header.width;
  image.height = header.height;
  image.pixels.resize(image.stride() * static_cast<std::size_t>(image.height));

  std::uint8_t* base = image.pixels.data();
  const std::size_t stride = image.stride();
  d.run([&] {
    while (cinfo->output_scanline < cinfo->output_height) {
      JSAMPROW row = base + stride * cinfo->output_scanline;
      jpeg_read_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_decompress(cinfo);
  });
  return image;
}

double ssim_luma(const Image& a, ByteView jpeg, const Limits& limits) {
  lj::Decompressor d(jpeg, limits);
  d.bridge().warnings_fatal = true;
  d.read_header();
  const Header header = start(d, 1);
  metrics::LumaSsim ssim(a, header.format, header.width, header.height);
  std::vector<std::uint8_t> samples(static_cast<std::size_t>(header.width) *
                                    static_cast<std::size_t>(channels_of(header.format)));
  auto* cinfo = d.get();
  JSAMPROW row = samples.data();
  for (int y = 0; y < header.height; ++y) {
    d.run([&] { jpeg_read_scanlines(cinfo, &row, 1); });
    ssim.add_row(row);
  }
  d.run([&] { jpeg_finish_decompress(cinfo); });
  return ssim.finish();
}

SsimAndDigest ssim_luma_and_digest(const Image& a, ByteView jpeg, const Limits& limits) {
  lj::Decompressor d(jpeg, limits);
  d.bridge().warnings_fatal = true;
  d.read_header();
  auto* cinfo = d.get();
  cinfo->buffered_image = TRUE;
  const Header header = start(d, 1);
  metrics::LumaSsim ssim(a, header.format, header.width, header.height);
  jvirt_barray_ptr* coefficients = nullptr;
  d.run([&] {
    int status = JPEG_SUSPENDED;
    do {  // a memory source never suspends: missing data is a (fatal) warning
      status = jpeg_consume_input(cinfo);
    } while (status != JPEG_REACHED_EOI && status != JPEG_SUSPENDED);
    if (status == JPEG_REACHED_EOI)
      coefficients = jpeg_read_coefficients(cinfo);  // the arrays, in buffered-image mode
  });
  if (!coefficients) throw Error(ErrorCode::Truncated, "the JPEG data ends early");
  SsimAndDigest out;
  out.digest = lossless::coefficient_digest(d, coefficients);
  std::vector<std::uint8_t> samples(static_cast<std::size_t>(header.width) *
                                    static_cast<std::size_t>(channels_of(header.format)));
  JSAMPROW row = samples.data();
  d.run([&] { jpeg_start_output(cinfo, cinfo->input_scan_number); });
  for (int y = 0; y < header.height; ++y) {
    d.run([&] { jpeg_read_scanlines(cinfo, &row, 1); });
    ssim.add_row(row);
  }
  d.run([&] {
    jpeg_finish_output(cinfo);
    jpeg_finish_decompress(cinfo);
  });
  out.ssim = ssim.finish();
  return out;
}

}  // namespace jpegopt::jpeg_pixels
