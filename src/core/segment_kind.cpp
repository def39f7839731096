#include "core/segment_kind.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "core/jpeg_file.hpp"

namespace jpegopt {

namespace {
constexpr std::array<std::string_view, kMetaKindCount> kMetaKindNames = {
    "exif", "xmp", "iptc", "icc", "com", "jfif", "adobe", "mpf", "c2pa", "other"};
}  // namespace

std::string_view meta_kind_name(MetaKind kind) noexcept {
  return kMetaKindNames[static_cast<std::size_t>(kind)];
}

std::optional<MetaKind> meta_kind_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kMetaKindCount; ++i)
    if (kMetaKindNames[i] == name) return static_cast<MetaKind>(i);
  return std::nullopt;
}

namespace {

struct Rule {
  std::uint8_t marker;
  std::string_view identifier;  // payload prefix (may include NULs)
  SegmentClass result;
};

using namespace std::string_view_literals;

// Order matters only where one identifier is a prefix of another (extended XMP before XMP).
constexpr std::array kRules = {
    Rule{0xE0, "JFIF\0"sv, {SegmentKind::Jfif, MetaKind::Jfif, "JFIF", 5}},
    Rule{0xE0, "JFXX\0"sv, {SegmentKind::Jfxx, MetaKind::Jfif, "JFXX thumbnail", 5}},
    Rule{0xE1, "Exif\0\0"sv, {SegmentKind::Exif, MetaKind::Exif, "EXIF", 6}},
    Rule{0xE1, "Exif\0\xFF"sv, {SegmentKind::Exif, MetaKind::Exif, "EXIF", 6}},
    Rule{0xE1,
         "http://ns.adobe.com/xmp/extension/\0"sv,
         {SegmentKind::ExtendedXmp, MetaKind::Xmp, "extended XMP", 35}},
    Rule{0xE1, "http://ns.adobe.com/xap/1.0/\0"sv, {SegmentKind::Xmp, MetaKind::Xmp, "XMP", 29}},
    Rule{0xE2, "ICC_PROFILE\0"sv, {SegmentKind::Icc, MetaKind::Icc, "ICC profile", 14}},
    Rule{0xE2, "MPF\0"sv, {SegmentKind::Mpf, MetaKind::Mpf, "MPF", 4}},
    Rule{0xEC, "Ducky"sv, {SegmentKind::Ducky, MetaKind::Other, "Ducky", 5}},
    Rule{0xED, "Photoshop 3.0\0"sv, {SegmentKind::Photoshop, MetaKind::Iptc, "Photoshop/IPTC", 14}},
    Rule{0xEE, "Adobe"sv, {SegmentKind::Adobe, MetaKind::Adobe, "Adobe", 5}},
};

bool has_prefix(ByteView payload, std::string_view prefix) {
  return payload.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), payload.begin(),
                    [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
}

// APP11 "JP" JUMBF boxes: C2PA manifests carry the label "c2pa" in the description box.
bool jumbf_is_c2pa(ByteView payload) {
  const std::size_t window = std::min<std::size_t>(payload.size(), 96);
  const std::string_view label = "c2pa";
  for (std::size_t i = 0; i + label.size() <= window; ++i)
    if (has_prefix(payload.subspan(i), label)) return true;
  return false;
}

}  // namespace

SegmentClass classify_segment(std::uint8_t m, ByteView payload) {
  if (m == marker::kCom) return {SegmentKind::Comment, MetaKind::Com, "comment", 0};
  if (!marker::is_app(m)) return {SegmentKind::NotMetadata, MetaKind::Other, "", 0};
  for (const auto& rule : kRules)
    if (rule.marker == m && has_prefix(payload, rule.identifier)) return rule.result;
  if (m == 0xEB && has_prefix(payload, "JP")) {
    if (jumbf_is_c2pa(payload)) return {SegmentKind::C2pa, MetaKind::C2pa, "C2PA manifest", 2};
    return {SegmentKind::Jumbf, MetaKind::Other, "JUMBF", 2};
  }
  return {SegmentKind::UnknownApp, MetaKind::Other, "unknown", 0};
}

}  // namespace jpegopt
