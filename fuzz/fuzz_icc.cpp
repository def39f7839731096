// Fuzz target: ICC profile reassembly from APP2 payloads and the profile description. The input
// is a list of records, each a 2-byte big-endian length and that many bytes: one APP2 payload
// ("ICC_PROFILE\0", sequence number, chunk count, data). The reassembled profile is described
// whether or not it is complete, as inspect() does.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/icc.hpp"
#include "fuzz_check.hpp"
#include "jpegopt/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jpegopt;
  std::vector<ByteView> payloads;
  std::size_t pos = 0;
  while (pos + 2 <= size) {
    const std::size_t length = std::size_t{data[pos]} << 8 | data[pos + 1];
    pos += 2;
    const std::size_t take = length < size - pos ? length : size - pos;
    payloads.emplace_back(data + pos, take);
    pos += take;
  }
  const auto reassembled = icc::reassemble(payloads);
  if (!reassembled) return 0;
  FUZZ_CHECK(reassembled->chunks >= 1);
  FUZZ_CHECK(reassembled->chunks <= static_cast<int>(payloads.size()));
  std::size_t chunk_bytes = 0;
  for (const ByteView p : payloads)
    if (p.size() >= 14) chunk_bytes += p.size() - 14;
  FUZZ_CHECK(reassembled->profile.size() <= chunk_bytes);
  try {
    const icc::IccInfo info = icc::describe(reassembled->profile);
    FUZZ_CHECK(info.size == reassembled->profile.size());
  } catch (const Error&) {
  }
  return 0;
}
