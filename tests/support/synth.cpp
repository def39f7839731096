#include "support/synth.hpp"

#include <algorithm>

#include "core/jpeg_file.hpp"
#include "core/libjpeg.hpp"

namespace jpegopt::test {

Bytes synth_pixels(const SynthSpec& spec) {
  Bytes pixels(static_cast<std::size_t>(spec.width) * spec.height * spec.components);
  std::uint32_t state = spec.seed * 2654435761u + 1;
  std::size_t i = 0;
  for (int y = 0; y < spec.height; ++y)
    for (int x = 0; x < spec.width; ++x)
      for (int c = 0; c < spec.components; ++c) {
        state = state * 1664525u + 1013904223u;
        const int noise = static_cast<int>((state >> 24) % 48) - 24;
        const int base = (x * 255 / std::max(1, spec.width - 1) * (c + 1) +
                          y * 255 / std::max(1, spec.height - 1) * (3 - c % 3)) /
                         4;
        pixels[i++] = static_cast<std::uint8_t>(std::clamp(base + noise, 0, 255));
      }
  return pixels;
}

Bytes make_jpeg(const SynthSpec& spec) {
  const Bytes pixels = synth_pixels(spec);
  Bytes out;
  lj::Compressor enc(out);
  jpeg_compress_struct* c = enc.get();
  c->image_width = static_cast<JDIMENSION>(spec.width);
  c->image_height = static_cast<JDIMENSION>(spec.height);
  c->input_components = spec.components;
  c->in_color_space = spec.components == 1   ? JCS_GRAYSCALE
                      : spec.components == 4 ? JCS_CMYK
                                             : JCS_RGB;
  enc.run([&] {
    jpeg_set_defaults(c);
    jpeg_set_quality(c, spec.quality, TRUE);
    c->comp_info[0].h_samp_factor = spec.h;
    c->comp_info[0].v_samp_factor = spec.v;
    if (spec.components == 4) {
      c->comp_info[3].h_samp_factor = spec.h;
      c->comp_info[3].v_samp_factor = spec.v;
    }
    c->optimize_coding = spec.optimize ? TRUE : FALSE;
    c->arith_code = spec.arithmetic ? TRUE : FALSE;
    c->restart_interval = static_cast<unsigned>(spec.restart_interval);
    c->write_JFIF_header = spec.write_jfif && spec.components != 4 ? TRUE : FALSE;
    if (spec.progressive) jpeg_simple_progression(c);
    jpeg_start_compress(c, TRUE);
    const auto stride = static_cast<std::size_t>(spec.width) * spec.components;
    while (c->next_scanline < c->image_height) {
      JSAMPROW row = const_cast<JSAMPROW>(pixels.data() + c->next_scanline * stride);
      jpeg_write_scanlines(c, &row, 1);
    }
    jpeg_finish_compress(c);
  });
  return out;
}

}  // namespace jpegopt::test

namespace jpegopt::test {

Bytes decode_pixels(ByteView jpeg) {
  lj::Decompressor dec(jpeg, {});
  dec.read_header();
  jpeg_decompress_struct* d = dec.get();
  Bytes pixels;
  dec.run([&] {
    d->dct_method = JDCT_ISLOW;
    d->do_fancy_upsampling = FALSE;
    jpeg_start_decompress(d);
  });
  const std::size_t stride =
      static_cast<std::size_t>(d->output_width) * static_cast<std::size_t>(d->output_components);
  pixels.resize(stride * d->output_height);
  dec.run([&] {
    while (d->output_scanline < d->output_height) {
      JSAMPROW row = pixels.data() + stride * d->output_scanline;
      jpeg_read_scanlines(d, &row, 1);
    }
    jpeg_finish_decompress(d);
  });
  return pixels;
}

Bytes insert_segment(ByteView jpeg, std::uint8_t marker, ByteView payload) {
  Bytes out(jpeg.begin(), jpeg.begin() + 2);
  out.push_back(0xFF);
  out.push_back(marker);
  append_be16(out, static_cast<unsigned>(payload.size() + 2));
  append(out, payload);
  append(out, jpeg.subspan(2));
  return out;
}

std::vector<Bytes> metadata_segments(ByteView jpeg) {
  const JpegFile file = JpegFile::parse(Bytes(jpeg.begin(), jpeg.end()));
  std::vector<Bytes> out;
  for (const auto& part : file.parts())
    if (part.type == PartType::Segment &&
        (marker::is_app(part.marker) || part.marker == marker::kCom)) {
      const auto bytes = file.bytes_of(part);
      out.emplace_back(bytes.begin(), bytes.end());
    }
  return out;
}

}  // namespace jpegopt::test
