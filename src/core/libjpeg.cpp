#include "core/libjpeg.hpp"

#include <jerror.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

#include <fmt/format.h>

#include "io/platform.hpp"

namespace jpegopt::lj {

namespace {

ErrorBridge& bridge_of(j_common_ptr cinfo) {
  // `mgr` is the first member of ErrorBridge, so the pointers coincide.
  return *reinterpret_cast<ErrorBridge*>(cinfo->err);
}

[[noreturn]] void on_error_exit(j_common_ptr cinfo) {
  ErrorBridge& bridge = bridge_of(cinfo);
  (*cinfo->err->format_message)(cinfo, bridge.message);
  std::longjmp(bridge.jump, 1);
}

void on_emit_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level >= 0) return;  // trace messages: ignored
  ErrorBridge& bridge = bridge_of(cinfo);
  if (bridge.warnings == 0) (*cinfo->err->format_message)(cinfo, bridge.first_warning);
  ++bridge.warnings;
  ++cinfo->err->num_warnings;
  if (bridge.warnings_fatal) on_error_exit(cinfo);
}

void on_output_message(j_common_ptr) {}  // never print: messages are reported by the caller

void on_progress(j_common_ptr cinfo) {
  if (!cinfo->is_decompressor) return;
  ErrorBridge& bridge = bridge_of(cinfo);
  auto* dinfo = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (bridge.max_scans > 0 && dinfo->input_scan_number > bridge.max_scans) {
    bridge.forced_code = ErrorCode::TooManyScans;
    bridge.has_forced_code = true;
    std::snprintf(bridge.message, sizeof bridge.message, "more than %d scans", bridge.max_scans);
    std::longjmp(bridge.jump, 1);
  }
}

ErrorCode code_for(int msg_code) {
  switch (msg_code) {
    case JERR_NO_SOI:
      return ErrorCode::NotJpeg;
    case JERR_INPUT_EMPTY:
    case JERR_INPUT_EOF:
    case JWRN_JPEG_EOF:
      return ErrorCode::Truncated;
    case JERR_BAD_PRECISION:
    case JERR_NOT_COMPILED:
    case JERR_NO_ARITH_TABLE:
    case JERR_ARITH_NOTIMPL:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOTIMPL:
    case JERR_SOF_UNSUPPORTED:
      return ErrorCode::Unsupported;
    case JERR_OUT_OF_MEMORY:
    case JERR_NO_BACKING_STORE:  // the coefficient arrays do not fit in max_memory_to_use
      return ErrorCode::OutOfMemory;
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW:
      return ErrorCode::TooLarge;
    default:
      return ErrorCode::CorruptData;
  }
}

// Destination manager callbacks (Compressor::Dest). They are noexcept: an allocation failure is
// caught here, and the libjpeg error is raised only after leaving the catch block.
constexpr std::size_t kChunk = 64 * 1024;

void dest_init(j_compress_ptr cinfo) noexcept {
  auto* dest = reinterpret_cast<Compressor::Dest*>(cinfo->dest);
  bool failed = false;
  try {
    dest->out->resize(kChunk);
  } catch (const std::bad_alloc&) {
    failed = true;
  }
  if (failed) {
    *dest->out_of_memory = true;
    ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
  }
  dest->mgr.next_output_byte = dest->out->data();
  dest->mgr.free_in_buffer = dest->out->size();
}

boolean dest_empty(j_compress_ptr cinfo) noexcept {
  auto* dest = reinterpret_cast<Compressor::Dest*>(cinfo->dest);
  const std::size_t used = dest->out->size();  // the whole buffer is full when this is called
  if (dest->budget != 0 && used > dest->budget) {
    *dest->over_budget = true;
    ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 1);
  }
  bool failed = false;
  try {
    std::size_t grow = std::max(kChunk, used / 2);
    // Fill a buffer the caller reserved before growing it (a reallocation copies everything).
    if (dest->out->capacity() > used) grow = std::min(grow, dest->out->capacity() - used);
    dest->out->resize(used + grow);
  } catch (const std::bad_alloc&) {
    failed = true;
  }
  if (failed) {
    *dest->out_of_memory = true;
    ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
  }
  dest->mgr.next_output_byte = dest->out->data() + used;
  dest->mgr.free_in_buffer = dest->out->size() - used;
  return TRUE;
}

void dest_term(j_compress_ptr cinfo) noexcept {
  auto* dest = reinterpret_cast<Compressor::Dest*>(cinfo->dest);
  dest->out->resize(dest->out->size() - dest->mgr.free_in_buffer);
}

}  // namespace

void install_bridge(ErrorBridge& bridge, j_common_ptr cinfo, const Limits& limits) {
  cinfo->err = jpeg_std_error(&bridge.mgr);
  bridge.mgr.error_exit = on_error_exit;
  bridge.mgr.emit_message = on_emit_message;
  bridge.mgr.output_message = on_output_message;
  bridge.message[0] = '\0';
  bridge.first_warning[0] = '\0';
  bridge.warnings = 0;
  bridge.warnings_fatal = false;
  bridge.max_scans = limits.max_scans;
  bridge.has_forced_code = false;
  bridge.forced_code = ErrorCode::Internal;
  bridge.progress.progress_monitor = on_progress;
}

Error error_from_bridge(const ErrorBridge& bridge, j_common_ptr cinfo) {
  const ErrorCode code =
      bridge.has_forced_code ? bridge.forced_code : code_for(cinfo->err->msg_code);
  // libjpeg's own text ("Backing store not supported") does not say that a limit was hit.
  if (!bridge.has_forced_code && cinfo->err->msg_code == JERR_NO_BACKING_STORE) {
    const long limit = cinfo->mem->max_memory_to_use;
    return Error(code, fmt::format("the image needs more decoder memory than the limit of {}",
                                   limit % (1L << 20) == 0 ? fmt::format("{} MiB", limit >> 20)
                                                           : fmt::format("{} bytes", limit)));
  }
  return Error(code, bridge.message[0] != '\0' ? bridge.message : "libjpeg error");
}

Decompressor::Decompressor(ByteView data, const Limits& limits) : data_(data), limits_(limits) {
  install_bridge(bridge_, common(), limits);
  // jpeg_create_decompress can fail only on out-of-memory; guard it like any other call.
  run([&] { jpeg_create_decompress(&cinfo_); });
  cinfo_.progress = &bridge_.progress;
  if (limits.max_memory > 0) cinfo_.mem->max_memory_to_use = limits.max_memory;
  // No data: a decoder that only holds coefficient arrays (read_header refuses to read).
  if (!data_.empty())
    run([&] { jpeg_mem_src(&cinfo_, data_.data(), static_cast<unsigned long>(data_.size())); });
}

Decompressor::~Decompressor() {
  jpeg_destroy_decompress(&cinfo_);
}

void Decompressor::read_header() {
  if (data_.size() < 2 || data_[0] != 0xFF || data_[1] != 0xD8)
    throw Error(ErrorCode::NotJpeg, "not a JPEG file (no SOI marker)");
  run([&] { jpeg_read_header(&cinfo_, TRUE); });
  const std::uint64_t pixels = std::uint64_t{cinfo_.image_width} * cinfo_.image_height;
  if (pixels > limits_.max_pixels)
    throw Error(ErrorCode::TooLarge,
                fmt::format("{}x{} is {} pixels, over the limit of {}", cinfo_.image_width,
                            cinfo_.image_height, pixels, limits_.max_pixels));
}

jvirt_barray_ptr* Decompressor::read_coefficients() {
  jvirt_barray_ptr* arrays = nullptr;
  run([&] { arrays = jpeg_read_coefficients(&cinfo_); });
  return arrays;
}

Compressor::Compressor(Bytes& out, std::size_t byte_budget) {
  Limits defaults;
  install_bridge(bridge_, common(), defaults);
  run([&] { jpeg_create_compress(&cinfo_); });
  dest_.mgr.init_destination = dest_init;
  dest_.mgr.empty_output_buffer = dest_empty;
  dest_.mgr.term_destination = dest_term;
  dest_.out = &out;
  dest_.budget = byte_budget;
  dest_.over_budget = &over_budget_;
  dest_.out_of_memory = &out_of_memory_;
  cinfo_.dest = &dest_.mgr;
}

Compressor::~Compressor() {
  jpeg_destroy_compress(&cinfo_);
}

}  // namespace jpegopt::lj

// libjpeg's system-dependent memory hooks (jmemsys.h, the porting layer that jmemnobs.c fills
// with malloc and free), defined here so that the dynamic linker binds libjpeg's own calls to
// them. Blocks of 2 MiB or more (the coefficient arrays: 40 MB for a 20 MP photo) are mapped on
// a 2 MiB boundary with MADV_HUGEPAGE: first touching 4 KiB pages one by one cost about 20 % of
// a lossless optimization in page faults and TLB misses. Everything else goes to malloc.
//
// A freed mapping is kept for the next request of the same length: verification decodes the
// result right after the source's arrays are freed and asks for exactly the same blocks, which
// then need no new pages (the kernel clears every new page; libjpeg zeroes the arrays itself).
// A request that no kept block fits releases them all, so they never add to the peak.
namespace {

constexpr std::size_t kHugePage = jpegopt::platform::kHugePageBytes;
constexpr std::uint64_t kMallocTag = 0x6A706567'6D616C6Cull, kMapTag = 0x6A706567'6D6D6170ull;

struct alignas(std::max_align_t) LargeHeader {
  std::uint64_t tag;
  std::size_t mapped;  // kMapTag: the length of the mapping that starts at the header
};

struct KeptBlocks {
  static constexpr std::size_t kMax = 8;
  std::mutex mutex;
  std::array<LargeHeader*, kMax> blocks{};
  std::size_t count = 0;
};
KeptBlocks g_kept;  // trivially destructible members only: safe at exit

LargeHeader* map_block(std::size_t len) {
  {
    std::lock_guard lock(g_kept.mutex);
    for (std::size_t i = 0; i < g_kept.count; ++i)
      if (g_kept.blocks[i]->mapped == len) {
        LargeHeader* h = g_kept.blocks[i];
        g_kept.blocks[i] = g_kept.blocks[--g_kept.count];
        return h;
      }
    for (std::size_t i = 0; i < g_kept.count; ++i)
      jpegopt::platform::unmap_huge_pages(g_kept.blocks[i], g_kept.blocks[i]->mapped);
    g_kept.count = 0;
  }
  auto* h = static_cast<LargeHeader*>(jpegopt::platform::map_huge_pages(len));
  if (!h) return nullptr;
  h->tag = kMapTag;
  h->mapped = len;
  return h;
}

void unmap_block(LargeHeader* h) {
  {
    std::lock_guard lock(g_kept.mutex);
    if (g_kept.count < KeptBlocks::kMax) {
      g_kept.blocks[g_kept.count++] = h;
      return;
    }
  }
  jpegopt::platform::unmap_huge_pages(h, h->mapped);
}

}  // namespace

extern "C" {

void* jpeg_get_large(j_common_ptr /*cinfo*/, std::size_t size) {
  if (size > SIZE_MAX - 2 * kHugePage) return nullptr;
  if (size + sizeof(LargeHeader) < kHugePage) {
    auto* h = static_cast<LargeHeader*>(std::malloc(sizeof(LargeHeader) + size));
    if (!h) return nullptr;
    h->tag = kMallocTag;
    return h + 1;
  }
  LargeHeader* h = map_block((size + sizeof(LargeHeader) + kHugePage - 1) & ~(kHugePage - 1));
  return h ? h + 1 : nullptr;
}

void jpeg_free_large(j_common_ptr /*cinfo*/, void* object, std::size_t /*size*/) {
  if (!object) return;
  LargeHeader* h = static_cast<LargeHeader*>(object) - 1;
  if (h->tag == kMapTag)
    unmap_block(h);
  else
    std::free(h);
}

}  // extern "C"
