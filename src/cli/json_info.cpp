#include <string>

#include "cli/info_command.hpp"

namespace jpegopt::cli {

namespace {
template <class T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}
}  // namespace

nlohmann::json info_to_json(const std::string& path, const JpegInfo& info) {
  using nlohmann::json;
  json j;
  j["schema_version"] = 1;
  j["path"] = path;
  j["file_bytes"] = info.file_bytes;
  j["width"] = info.width;
  j["height"] = info.height;
  j["precision"] = info.precision;
  j["color_space"] = info.color_space;
  j["sampling"] = info.sampling;
  json comps = json::array();
  for (const auto& c : info.components)
    comps.push_back({{"id", c.id}, {"h", c.h}, {"v", c.v}, {"quant_table", c.quant_table}});
  j["components"] = comps;
  j["coding"] = info.coding;
  j["arithmetic"] = info.arithmetic;
  j["scans"] = info.scans;
  j["restart_interval"] = info.restart_interval;
  j["quality"] = {{"estimate", info.quality},
                  {"exact", info.quality_exact},
                  {"luma", optional_json(info.luma_quality)},
                  {"chroma", optional_json(info.chroma_quality)}};
  j["standard_huffman"] = optional_json(info.standard_huffman);
  j["metadata_bytes"] = info.metadata_bytes;
  j["image_bytes"] = info.image_bytes;
  j["trailer_bytes"] = info.trailer_bytes;
  j["xmp_bytes"] = info.xmp_bytes;
  j["extended_xmp_bytes"] = info.extended_xmp_bytes;
  j["mpf_images"] = info.mpf_images;
  if (info.exif) {
    const auto& e = *info.exif;
    j["exif"] = {{"bytes", e.bytes},
                 {"thumbnail_bytes", e.thumbnail_bytes},
                 {"gps", e.gps},
                 {"gps_position", e.gps_position},
                 {"gps_tags", e.gps_tags},
                 {"orientation", optional_json(e.orientation)},
                 {"make", optional_json(e.make)},
                 {"model", optional_json(e.model)},
                 {"datetime", optional_json(e.datetime)},
                 {"error", optional_json(e.error)}};
  } else {
    j["exif"] = nullptr;
  }
  if (info.icc) {
    const auto& p = *info.icc;
    j["icc"] = {{"bytes", p.bytes},
                {"chunks", p.chunks},
                {"complete", p.complete},
                {"description", p.description},
                {"color_space", p.color_space},
                {"is_srgb", p.is_srgb},
                {"error", optional_json(p.error)}};
  } else {
    j["icc"] = nullptr;
  }
  j["decode_note"] = optional_json(info.decode_note);
  json segs = json::array();
  for (const auto& s : info.segments)
    segs.push_back({{"offset", s.offset},
                    {"marker", s.marker},
                    {"bytes", s.bytes},
                    {"kind", s.kind},
                    {"meta_kind", s.meta_kind}});
  j["segments"] = segs;
  return j;
}

}  // namespace jpegopt::cli
