// bench/reencode.sh's encoder driver: encodes a binary PPM/PGM with jpegopt's coefficient-domain
// encoder, so the encoder can be measured apart from the decoders.
// Usage: jpegopt_encode_bench IN.ppm OUT.jpg QUALITY [plain|best] [444|422|420|440] [LAMBDA]
// (environment overrides for experiments: see main()).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "core/encoder.hpp"
#include "jpegopt/error.hpp"

using namespace jpegopt;

namespace {

Image read_pnm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string magic;
  int w = 0, h = 0, maxval = 0;
  in >> magic >> w >> h >> maxval;
  in.get();
  if ((magic != "P6" && magic != "P5") || maxval != 255 || w <= 0 || h <= 0)
    throw std::runtime_error(path + ": not an 8-bit binary PPM/PGM");
  Image img;
  img.width = w;
  img.height = h;
  img.format = magic == "P6" ? PixelFormat::Rgb : PixelFormat::Gray;
  img.pixels.resize(img.stride() * static_cast<std::size_t>(h));
  in.read(reinterpret_cast<char*>(img.pixels.data()),
          static_cast<std::streamsize>(img.pixels.size()));
  if (!in) throw std::runtime_error(path + ": truncated");
  return img;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr
        << "usage: jpegopt_encode_bench IN.ppm OUT.jpg QUALITY [plain|best] [444|422|420|440] "
           "[LAMBDA]\n";
    return 2;
  }
  try {
    const Image img = read_pnm(argv[1]);
    const double quality = std::atof(argv[3]);
    const std::string mode = argc > 4 ? argv[4] : "best";
    const std::string sub = argc > 5 ? argv[5] : "420";
    encoder::Tuning tuning = mode == "plain" ? encoder::Tuning::plain() : encoder::Tuning::best();
    if (argc > 6) tuning.lambda = static_cast<float>(std::atof(argv[6]));
    // Experiments: ENC_TRELLIS=0|1, ENC_LAMBDA, ENC_CHROMA_LAMBDA, ENC_MASK,
    // ENC_TABLES=ijg|perceptual, ENC_PPD, ENC_CHROMA_SCALE, ENC_ANNEXK_LOW and ENC_CHROMA_REFINE
    // override the mode's settings.
    auto env = [](const char* name) -> const char* { return std::getenv(name); };
    if (const char* v = env("ENC_TRELLIS")) tuning.trellis = std::atoi(v) != 0;
    if (const char* v = env("ENC_CHROMA_LAMBDA"))
      tuning.chroma_lambda = static_cast<float>(std::atof(v));
    if (const char* v = env("ENC_MASK")) tuning.mask_energy = static_cast<float>(std::atof(v));
    if (const char* v = env("ENC_LAMBDA")) tuning.lambda = static_cast<float>(std::atof(v));
    if (const char* v = env("ENC_TABLES"))
      tuning.tables =
          std::string(v) == "ijg" ? encoder::TableDesign::Ijg : encoder::TableDesign::Perceptual;
    if (const char* v = env("ENC_PPD")) tuning.pixels_per_degree = std::atof(v);
    if (const char* v = env("ENC_CHROMA_SCALE")) tuning.chroma_scale = std::atof(v);
    if (const char* v = env("ENC_ANNEXK_LOW")) tuning.annex_k_weight_low = std::atof(v);
    const Subsampling s = sub == "444"   ? Subsampling::S444
                          : sub == "422" ? Subsampling::S422
                          : sub == "440" ? Subsampling::S440
                                         : Subsampling::S420;
    const int refinements = env("ENC_CHROMA_REFINE") ? std::atoi(env("ENC_CHROMA_REFINE"))
                                                     : encoder::kChromaRefinements;
    const Bytes jpeg = encoder::encode(encoder::prepare(img, s, refinements), quality, tuning);
    std::ofstream out(argv[2], std::ios::binary);
    out.write(reinterpret_cast<const char*>(jpeg.data()),
              static_cast<std::streamsize>(jpeg.size()));
    return out ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "jpegopt_encode_bench: " << e.what() << "\n";
    return 1;
  }
}
