#include "support/synth.hpp"

#include <algorithm>

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
