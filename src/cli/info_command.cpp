#include "cli/info_command.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "io/files.hpp"
#include "jpegopt/error.hpp"

namespace jpegopt::cli {

namespace {

std::string percent(std::size_t part, std::size_t whole) {
  return whole == 0 ? "0%"
                    : fmt::format("{:.1f}%",
                                  100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

std::string quality_text(const JpegInfo& info) {
  if (info.quality == 0) return "unknown";
  std::string text = fmt::format("{}{}", info.quality_exact ? "" : "~", info.quality);
  text += info.quality_exact ? " (IJG tables)" : " (non-standard tables";
  if (!info.quality_exact && info.luma_quality && info.chroma_quality)
    text += fmt::format("; luma ~{}, chroma ~{}", *info.luma_quality, *info.chroma_quality);
  if (!info.quality_exact) text += ")";
  return text;
}

}  // namespace

std::string format_info(const std::string& path, const JpegInfo& info, bool segments) {
  std::string out;
  auto line = [&out](const std::string& label, const std::string& value) {
    out += fmt::format("  {:<12}{}\n", label, value);
  };
  out += fmt::format("{}\n", path);
  line("size",
       fmt::format("{} bytes: image data {} ({}), metadata {} ({}), after EOI {} ({})",
                   info.file_bytes, info.image_bytes, percent(info.image_bytes, info.file_bytes),
                   info.metadata_bytes, percent(info.metadata_bytes, info.file_bytes),
                   info.trailer_bytes, percent(info.trailer_bytes, info.file_bytes)));
  line("image", fmt::format("{}x{}, {} bits, {} ({} component{}), sampling {}", info.width,
                            info.height, info.precision, info.color_space, info.components.size(),
                            info.components.size() == 1 ? "" : "s", info.sampling));
  std::string comps;
  for (const auto& c : info.components)
    comps += fmt::format("{}#{} {}x{} table {}", comps.empty() ? "" : ", ", c.id, c.h, c.v,
                         c.quant_table);
  line("components", comps);
  line("coding",
       fmt::format("{}, {}, {} scan{}, restart interval {}", info.coding,
                   info.arithmetic ? "arithmetic" : "Huffman", info.scans,
                   info.scans == 1 ? "" : "s",
                   info.restart_interval ? std::to_string(info.restart_interval) : "none"));
  line("quality", quality_text(info));
  if (info.standard_huffman)
    line("huffman",
         *info.standard_huffman ? "standard tables (not optimized)" : "optimized tables");
  if (info.exif) {
    const auto& e = *info.exif;
    std::string text = fmt::format("{} bytes", e.bytes);
    if (e.error) {
      text += fmt::format(", unreadable ({})", *e.error);
    } else {
      text += fmt::format(
          ", thumbnail {} bytes, GPS {}", e.thumbnail_bytes,
          e.gps ? (e.gps_position ? fmt::format("yes ({} tags)", e.gps_tags)
                                  : fmt::format("IFD without position ({} tags)", e.gps_tags))
                : "no");
      text +=
          fmt::format(", orientation {}", e.orientation ? std::to_string(*e.orientation) : "none");
      if (e.make || e.model)
        text += fmt::format(", camera {}", (e.make.value_or("") + " " + e.model.value_or("")));
      if (e.datetime) text += fmt::format(", taken {}", *e.datetime);
    }
    line("EXIF", text);
  }
  if (info.icc) {
    const auto& p = *info.icc;
    std::string text = fmt::format("{} bytes in {} chunk{}{}", p.bytes, p.chunks,
                                   p.chunks == 1 ? "" : "s", p.complete ? "" : " (incomplete)");
    if (p.error)
      text += fmt::format(", unreadable ({})", *p.error);
    else
      text += fmt::format(", \"{}\"{}", p.description, p.is_srgb ? " (sRGB)" : "");
    line("ICC", text);
  }
  if (info.xmp_bytes || info.extended_xmp_bytes)
    line("XMP",
         fmt::format("{} bytes, extended XMP {} bytes", info.xmp_bytes, info.extended_xmp_bytes));
  if (info.mpf_images) line("MPF", fmt::format("{} images indexed", info.mpf_images));
  if (info.decode_note) line("decoding", fmt::format("not possible here: {}", *info.decode_note));
  if (segments) {
    out += fmt::format("  segments\n    {:>10}  {:<8}{:>10}  {}\n", "offset", "marker", "bytes",
                       "kind");
    for (const auto& s : info.segments)
      out += fmt::format("    {:>10}  {:<8}{:>10}  {}\n", s.offset, s.marker, s.bytes, s.kind);
  }
  return out;
}

int run_info(const InfoArgs& args) {
  int status = 0;
  bool first = true;
  for (const auto& path : args.files) {
    try {
      const io::FileBytes data = io::read_file(path);
      const JpegInfo info = inspect(data);
      if (args.json) {
        std::fputs((info_to_json(path, info)
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                    "\n")
                       .c_str(),
                   stdout);
      } else {
        if (!first) std::fputs("\n", stdout);
        std::fputs(format_info(path, info, args.segments).c_str(), stdout);
      }
      first = false;
    } catch (const Error& e) {
      std::fflush(stdout);
      std::fprintf(stderr, "jpegopt: %s: %s\n", path.c_str(), e.what());
      status = 1;
    } catch (const std::exception& e) {
      std::fflush(stdout);
      std::fprintf(stderr, "jpegopt: %s: internal error: %s\n", path.c_str(), e.what());
      status = 1;
    }
  }
  return status;
}

}  // namespace jpegopt::cli
