#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "core/libjpeg.hpp"
#include "support/synth.hpp"

using namespace jpegopt;
using jpegopt::test::make_jpeg;
using jpegopt::test::SynthSpec;

namespace {

// Flips bytes in the middle of the entropy-coded data (after the last DHT/SOS headers).
Bytes corrupt_entropy(Bytes data) {
  for (std::size_t i = data.size() * 2 / 3; i < data.size() * 2 / 3 + 40; i += 3)
    data[i] ^= 0x5A;
  return data;
}

ErrorCode decode_error(const Bytes& data, const Limits& limits, bool strict) {
  try {
    lj::Decompressor dec(data, limits);
    dec.bridge().warnings_fatal = strict;
    dec.read_header();
    dec.read_coefficients();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;  // no error
}

}  // namespace

TEST_CASE("a clean file decodes without warnings", "[libjpeg]") {
  const Bytes data = make_jpeg({});
  lj::Decompressor dec(data, {});
  dec.read_header();
  REQUIRE(dec.read_coefficients() != nullptr);
  CHECK(dec.warnings() == 0);
  CHECK(dec.get()->image_width == 64);
}

TEST_CASE("warnings are counted - not printed - and can be made fatal", "[libjpeg]") {
  SynthSpec spec;
  spec.width = 256;
  spec.height = 256;
  const Bytes data = corrupt_entropy(make_jpeg(spec));
  {
    lj::Decompressor dec(data, {});
    dec.read_header();
    dec.read_coefficients();
    CHECK(dec.warnings() > 0);
    CHECK(dec.first_warning().find("Corrupt JPEG data") != std::string::npos);
  }
  CHECK(decode_error(data, {}, true) == ErrorCode::CorruptData);
}

TEST_CASE("a truncated file is reported as truncated in strict mode", "[libjpeg]") {
  Bytes data = make_jpeg({});
  data.resize(data.size() / 2);
  CHECK(decode_error(data, {}, true) == ErrorCode::Truncated);
}

TEST_CASE("data that is not a JPEG is rejected before libjpeg sees it", "[libjpeg]") {
  const Bytes data = {'P', 'N', 'G', 0, 1, 2, 3};
  CHECK(decode_error(data, {}, false) == ErrorCode::NotJpeg);
}

TEST_CASE("the pixel limit is enforced after the header", "[libjpeg]") {
  const Bytes data = make_jpeg({});
  Limits limits;
  limits.max_pixels = 64 * 48 - 1;
  CHECK(decode_error(data, limits, false) == ErrorCode::TooLarge);
  limits.max_pixels = 64 * 48;
  CHECK(decode_error(data, limits, false) == ErrorCode::Internal);  // i.e. no error
}

TEST_CASE("the scan limit stops progressive scan bombs", "[libjpeg]") {
  SynthSpec spec;
  spec.progressive = true;
  const Bytes data = make_jpeg(spec);  // 10 scans
  Limits limits;
  limits.max_scans = 5;
  CHECK(decode_error(data, limits, false) == ErrorCode::TooManyScans);
  limits.max_scans = 10;
  CHECK(decode_error(data, limits, false) == ErrorCode::Internal);
}

TEST_CASE("the compressor's byte budget aborts a large output", "[libjpeg]") {
  SynthSpec spec;
  spec.width = 512;
  spec.height = 512;
  const Bytes source = make_jpeg(spec);
  lj::Decompressor dec(source, {});
  dec.read_header();
  jvirt_barray_ptr* coefs = dec.read_coefficients();
  Bytes out;
  lj::Compressor enc(out, 1000);
  bool threw = false;
  try {
    enc.run([&] {
      jpeg_copy_critical_parameters(dec.get(), enc.get());
      jpeg_write_coefficients(enc.get(), coefs);
      jpeg_finish_compress(enc.get());
    });
  } catch (const Error&) {
    threw = true;
  }
  CHECK(threw);
  CHECK(enc.over_budget());
}

TEST_CASE("errors in concurrent decoders stay with their own object", "[libjpeg]") {
  SynthSpec spec;
  spec.width = 128;
  spec.height = 128;
  const Bytes good = make_jpeg(spec);
  const Bytes bad = corrupt_entropy(good);
  std::vector<int> results(8, -1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      int ok = 0;
      for (int i = 0; i < 20; ++i) {
        const bool use_bad = (t + i) % 2 == 0;
        const ErrorCode code = decode_error(use_bad ? bad : good, {}, true);
        ok += (use_bad ? code == ErrorCode::CorruptData : code == ErrorCode::Internal) ? 1 : 0;
      }
      results[static_cast<std::size_t>(t)] = ok;
    });
  for (auto& th : threads)
    th.join();
  for (int r : results)
    CHECK(r == 20);
}

// libjpeg's memory hooks, which jpegopt defines (libjpeg.cpp) and libjpeg's own allocations bind
// to.
extern "C" void* jpeg_get_large(j_common_ptr cinfo, std::size_t size);
extern "C" void jpeg_free_large(j_common_ptr cinfo, void* object, std::size_t size);

TEST_CASE("libjpeg's large blocks: small ones from malloc and big ones mapped and reused",
          "[libjpeg]") {
  jpeg_decompress_struct cinfo{};
  auto* common = reinterpret_cast<j_common_ptr>(&cinfo);
  void* small = jpeg_get_large(common, 1000);
  REQUIRE(small != nullptr);
  std::memset(small, 0xAB, 1000);
  jpeg_free_large(common, small, 1000);

  constexpr std::size_t kBig = 5 * 1000 * 1000;
  // A length no other test uses first: the miss releases whatever earlier tests left kept.
  void* flush = jpeg_get_large(common, 7 * kBig);
  REQUIRE(flush != nullptr);
  jpeg_free_large(common, flush, 7 * kBig);
  auto* big = static_cast<unsigned char*>(jpeg_get_large(common, kBig));
  REQUIRE(big != nullptr);
  CHECK(reinterpret_cast<std::uintptr_t>(big) % alignof(std::max_align_t) == 0);
  big[0] = 1;
  big[kBig - 1] = 2;
  jpeg_free_large(common, big, kBig);
  // The next request of the same rounded length gets the freed block back (as verification does
  // right after the source's arrays are freed); a request of another length releases it.
  auto* again = static_cast<unsigned char*>(jpeg_get_large(common, kBig - 100));
  CHECK(again == big);
  jpeg_free_large(common, again, kBig - 100);
  auto* other = static_cast<unsigned char*>(jpeg_get_large(common, 3 * kBig));
  REQUIRE(other != nullptr);
  other[3 * kBig - 1] = 3;
  jpeg_free_large(common, other, 3 * kBig);
}

TEST_CASE("the compressor fills a reserved output buffer before growing it", "[libjpeg]") {
  const Bytes source = make_jpeg({});
  lj::Decompressor dec(source, {});
  dec.read_header();
  jvirt_barray_ptr* coefs = dec.read_coefficients();
  Bytes out;
  out.reserve(source.size() * 2 + 65536);
  const auto* data = out.data();
  lj::Compressor enc(out);
  enc.run([&] {
    jpeg_copy_critical_parameters(dec.get(), enc.get());
    jpeg_write_coefficients(enc.get(), coefs);
    jpeg_finish_compress(enc.get());
  });
  CHECK(out.data() == data);  // never reallocated
  CHECK(out.size() > 1000);
  CHECK(out.size() <= out.capacity());
}
