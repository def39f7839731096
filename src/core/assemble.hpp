// Building the output file around an encoded image: SOI, the kept metadata segments, the encoded
// image, then the source's trailer (secondary images) with the MPF index pointing at them again.
// Shared by the lossless path (optimize) and the re-encode and target-size paths.
#pragma once

#include <array>
#include <cstddef>
#include <optional>

#include "core/bytes.hpp"
#include "core/jpeg_file.hpp"
#include "core/metadata.hpp"
#include "jpegopt/options.hpp"

namespace jpegopt::assemble {

// Without its trailer an MPF index points at nothing: drops the plan's MPF segment when the
// trailer is not kept or `source` has none, counting its bytes in `removed`.
void drop_orphan_mpf(metadata::Plan& plan, const JpegFile& source,
                     std::array<std::size_t, kMetaKindCount>& removed);

// Rewrites the plan's EXIF segments for an image of the new size: IFD0 orientation (when
// `orientation` is set; else the EXIF's own) and the dimension tags. An unreadable EXIF stays as
// it is.
void update_exif_geometry(metadata::Plan& plan, std::optional<int> orientation, int width,
                          int height);

struct Assembled {
  Bytes bytes;
  std::size_t primary_end = 0;  // end of the primary image (its EOI) in `bytes`
};

// SOI, the plan's segments, `encoded` (a complete JPEG: its SOI is skipped) and, when the plan
// keeps it and `source` is given, the source's trailer. A kept MPF index is rewritten: the
// primary image's new size, the secondary images' offsets moved by the change in primary size.
Assembled assemble(const metadata::Plan& plan, ByteView encoded, const JpegFile* source);

// Every image an MPF index of `out` lists after the primary must start with SOI. Throws
// Error(VerifyFailed) otherwise.
void check_mpf_targets(const Bytes& out);

}  // namespace jpegopt::assemble
