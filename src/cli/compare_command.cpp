#include "cli/compare_command.hpp"

#include <cmath>
#include <cstdio>
#include <exception>
#include <new>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/jpeg_pixels.hpp"
#include "core/png_reader.hpp"
#include "core/pnm_reader.hpp"
#include "io/files.hpp"
#include "jpegopt/error.hpp"

namespace jpegopt::cli {

namespace {

constexpr std::array<std::uint8_t, 3> kWhite{255, 255, 255};

std::vector<std::string> channel_names(PixelFormat format, std::size_t count) {
  if (format == PixelFormat::Cmyk) return {"C", "M", "Y", "K"};
  if (count == 1) return {"gray"};
  return {"R", "G", "B"};
}

// Decodes by signature (JPEG, PNG, binary PPM/PGM); PNG alpha goes onto white, as the re-encode
// default does.
Image load(const std::string& path) {
  const io::FileBytes data = io::read_file(path);
  if (data.size() >= 2 && data[0] == 0xFF && data[1] == 0xD8)
    return jpeg_pixels::decode(data, Limits{});
  if (png::is_png(data)) return png::read(data, Limits{}, kWhite);
  if (pnm::is_pnm(data)) return pnm::read(data, Limits{});
  throw Error(ErrorCode::InvalidArgument, "not a JPEG, PNG or PNM file");
}

// The channel naming of the compared pair: CMYK, else RGB when either side has colour.
PixelFormat pair_format(const Image& a, const Image& b) {
  if (a.format == PixelFormat::Cmyk) return PixelFormat::Cmyk;
  return a.format == PixelFormat::Rgb || b.format == PixelFormat::Rgb ? PixelFormat::Rgb
                                                                      : PixelFormat::Gray;
}

}  // namespace

std::string format_comparison(const metrics::Comparison& c, PixelFormat format) {
  std::string line =
      std::isinf(c.psnr) ? std::string("PSNR inf dB") : fmt::format("PSNR {:.2f} dB", c.psnr);
  line += fmt::format("  SSIM {:.6f} ", c.ssim_luma);
  const auto names = channel_names(format, c.ssim_channels.size());
  for (std::size_t i = 0; i < c.ssim_channels.size() && i < names.size(); ++i)
    line += fmt::format(" {} {:.6f}", names[i], c.ssim_channels[i]);
  line += fmt::format("  max diff {}", c.max_abs_diff);
  return line;
}

int run_compare(const CompareArgs& args) {
  const std::string* current = &args.a;
  try {
    const Image a = load(args.a);
    current = &args.b;
    const Image b = load(args.b);
    current = &args.a;
    if (a.width != b.width || a.height != b.height)
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("size {}x{} differs from {} ({}x{})", a.width, a.height, args.b,
                              b.width, b.height));
    const metrics::Comparison c = metrics::compare(a, b);
    const PixelFormat format = pair_format(a, b);
    if (args.json) {
      nlohmann::ordered_json j;
      j["a"] = args.a;
      j["b"] = args.b;
      j["width"] = a.width;
      j["height"] = a.height;
      j["identical"] = std::isinf(c.psnr);
      j["psnr"] =
          std::isinf(c.psnr) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.psnr);
      j["ssim"] = c.ssim_luma;
      nlohmann::ordered_json channels = nlohmann::ordered_json::object();
      const auto names = channel_names(format, c.ssim_channels.size());
      for (std::size_t i = 0; i < c.ssim_channels.size() && i < names.size(); ++i)
        channels[names[i]] = c.ssim_channels[i];
      j["ssim_channels"] = channels;
      j["max_abs_diff"] = c.max_abs_diff;
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("%s\n", format_comparison(c, format).c_str());
    }
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "jpegopt: %s: %s\n", current->c_str(), e.what());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "jpegopt: %s: out of memory\n", current->c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "jpegopt: %s: internal error: %s\n", current->c_str(), e.what());
  }
  return 1;
}

}  // namespace jpegopt::cli
