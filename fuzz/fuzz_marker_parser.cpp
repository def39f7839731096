// Fuzz target: the marker parser. Any input either throws jpegopt::Error or yields a model whose
// parts tile the input exactly, in order, and whose write() gives the input back byte for byte.
#include <cstddef>
#include <cstdint>

#include "core/jpeg_file.hpp"
#include "fuzz_check.hpp"
#include "jpegopt/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jpegopt;
  Bytes input(data, data + size);
  try {
    const JpegFile file = JpegFile::parse(input);
    std::size_t next = 0;
    for (const Part& part : file.parts()) {
      FUZZ_CHECK(part.offset == next);
      FUZZ_CHECK(part.size > 0);
      next = part.offset + part.size;
      if (part.type == PartType::Segment) {
        FUZZ_CHECK(part.offset + 1 < size && input[part.offset] == 0xFF);
        FUZZ_CHECK(input[part.offset + 1] == part.marker);
        if (!marker::is_standalone(part.marker))
          FUZZ_CHECK(file.payload_of(part).size() == part.payload_size());
        FUZZ_CHECK(!marker::name(part.marker).empty());
      }
    }
    FUZZ_CHECK(next == size);
    FUZZ_CHECK(file.write() == input);
    FUZZ_CHECK(file.primary_end() <= size);
    FUZZ_CHECK(file.trailer().size() == size - file.primary_end());
    FUZZ_CHECK(file.scan_count() >= 0);
  } catch (const Error&) {
    // Rejected input: the only acceptable failure.
  }
  return 0;
}
