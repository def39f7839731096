#include "core/metrics.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include "jpegopt/error.hpp"

namespace jpegopt::metrics {

namespace {

constexpr double kSigma = 1.5;
constexpr int kWindow = 11;
constexpr double kC1 = (0.01 * 255) * (0.01 * 255);
constexpr double kC2 = (0.03 * 255) * (0.03 * 255);
// Samples are centred on this value before the moments are taken (variances do not change).
constexpr float kCentre = 128;

// The filter loops are most of the SSIM's time and vectorize: on x86-64 with glibc (ifunc) they
// are also compiled for AVX2 and the CPU picks a version at load time (the helpers they call are
// inlined into each version). AVX2 without FMA does the
// same float operations in the same order, only more of them at once, so the values do not change.
#if defined(__x86_64__) && defined(__GLIBC__) && defined(__GNUC__)
#define JPEGOPT_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#define JPEGOPT_INLINE __attribute__((always_inline)) inline
#else
#define JPEGOPT_SIMD_CLONES
#define JPEGOPT_INLINE inline
#endif

// A normalized 1-D Gaussian of n taps centred on the middle (the 2-D window is its outer
// product, which equals the normalized 11×11 window of the reference implementation). The float
// weights are adjusted so that they sum to 1 in float arithmetic too: a bias there would leak the
// squared mean into the variances.
std::vector<float> gaussian(int n) {
  std::vector<double> w(static_cast<std::size_t>(n));
  double sum = 0;
  for (int k = 0; k < n; ++k) {
    const double d = k - (n - 1) / 2.0;
    w[static_cast<std::size_t>(k)] = std::exp(-d * d / (2 * kSigma * kSigma));
    sum += w[static_cast<std::size_t>(k)];
  }
  std::vector<float> out;
  for (double v : w)
    out.push_back(static_cast<float>(v / sum));
  float others = 0;
  const std::size_t middle = static_cast<std::size_t>(n / 2);
  for (std::size_t k = 0; k < out.size(); ++k)
    if (k != middle) others += out[k];
  out[middle] = 1.0f - others;
  return out;
}

// out[x] = Σ_k g[k]·in[x + k] for x < count, using the window's symmetry; the loops run over x
// innermost so that the compiler vectorizes them.
JPEGOPT_SIMD_CLONES void convolve(const float* in, const std::vector<float>& g, float* out,
                                  int count) {
  const int n = static_cast<int>(g.size());
  if (n == kWindow) {  // the usual case: one pass, unrolled taps
    const float g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3], g4 = g[4], g5 = g[5];
    for (int x = 0; x < count; ++x) {
      const float* v = in + x;
      out[x] = g5 * v[5] + g4 * (v[4] + v[6]) + g3 * (v[3] + v[7]) + g2 * (v[2] + v[8]) +
               g1 * (v[1] + v[9]) + g0 * (v[0] + v[10]);
    }
    return;
  }
  if (n % 2 == 1) {
    const float wm = g[static_cast<std::size_t>(n / 2)];
    for (int x = 0; x < count; ++x)
      out[x] = wm * in[x + n / 2];
  } else {
    for (int x = 0; x < count; ++x)
      out[x] = 0;
  }
  for (int k = 0; k < n / 2; ++k) {
    const float w = g[static_cast<std::size_t>(k)];
    const float* lo = in + k;
    const float* hi = in + (n - 1 - k);
    for (int x = 0; x < count; ++x)
      out[x] += w * (lo[x] + hi[x]);
  }
}

// How the two images are read: the common channel count and the per-row sample planes.
struct Pair {
  const Image& a;
  const Image& b;
  int channels = 0;  // channels compared (a Gray image expands to 3 next to an Rgb one)
};

// The checks of every comparison of `a` with an image of that format and size (`b`, when held
// whole, has its buffer checked too): sizes, an empty image, CMYK against non-CMYK.
void check_pair(const Image& a, PixelFormat b_format, int b_width, int b_height,
                const Image* b = nullptr) {
  if (a.width != b_width || a.height != b_height)
    throw Error(ErrorCode::InvalidArgument, fmt::format("images differ in size: {}x{} and {}x{}",
                                                        a.width, a.height, b_width, b_height));
  if (a.width <= 0 || a.height <= 0) throw Error(ErrorCode::InvalidArgument, "empty image");
  for (const Image* im : {&a, b})
    if (im != nullptr && im->samples() != im->stride() * static_cast<std::size_t>(im->height))
      throw Error(ErrorCode::InvalidArgument, "malformed image: pixel buffer size");
  if ((a.format == PixelFormat::Cmyk) != (b_format == PixelFormat::Cmyk))
    throw Error(ErrorCode::InvalidArgument, "cannot compare a CMYK image with a non-CMYK one");
}

Pair pair_of(const Image& a, const Image& b) {
  check_pair(a, b.format, b.width, b.height, &b);
  return Pair{a, b, std::max(a.channels(), b.channels())};
}

// Channel c of row y as floats, expanding gray to RGB.
void channel_row(const Image& im, int y, int c, float* out) {
  const std::uint8_t* row = im.row(y);
  const int n = im.channels();
  const int src = n == 1 ? 0 : c;
  for (int x = 0; x < im.width; ++x)
    out[x] = row[static_cast<std::size_t>(x) * n + src];
}

// BT.601 luma of a row of `width` pixels (for CMYK: of a naive conversion of the inverted inks,
// R = C'K'/255). Compiled for AVX2 too: the RGB loop vectorizes there (the same operations per
// pixel, so the same values).
JPEGOPT_SIMD_CLONES void luma_row(const std::uint8_t* row, PixelFormat format, int width,
                                  float* out) {
  switch (format) {
    case PixelFormat::Gray:
      for (int x = 0; x < width; ++x)
        out[x] = row[x];
      break;
    case PixelFormat::Rgb:
      for (int x = 0; x < width; ++x) {
        const std::uint8_t* p = row + 3 * static_cast<std::size_t>(x);
        out[x] = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
      }
      break;
    case PixelFormat::Cmyk:
      for (int x = 0; x < width; ++x) {
        const std::uint8_t* p = row + 4 * static_cast<std::size_t>(x);
        const float k = p[3] / 255.0f;
        out[x] = (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) * k;
      }
      break;
  }
}

// Streaming SSIM over several planes at once: each row is filtered horizontally into a ring of
// `wy` rows of the five moments (a, b, a², b², ab); each full ring gives one output row.
class SsimAccumulator {
 public:
  SsimAccumulator(int width, int height, int planes)
      : wx_(std::min(kWindow, width)),
        wy_(std::min(kWindow, height)),
        out_width_(width - wx_ + 1),
        gx_(gaussian(wx_)),
        gy_(gaussian(wy_)),
        ring_(static_cast<std::size_t>(planes) * wy_ * 5 * out_width_),
        sums_(static_cast<std::size_t>(planes), 0.0),
        a_(static_cast<std::size_t>(width)),
        b_(static_cast<std::size_t>(width)),
        products_(5 * static_cast<std::size_t>(width)) {}

  float* a() { return a_.data(); }
  float* b() { return b_.data(); }

  // Takes row `y` of plane `p` from a() and b().
  JPEGOPT_SIMD_CLONES void add_row(int p, int y) {
    // Centred samples and their products: the five moments before filtering.
    const std::size_t w = a_.size();
    float* pa = products_.data();
    float* pb = pa + w;
    float* paa = pb + w;
    float* pbb = paa + w;
    float* pab = pbb + w;
    for (std::size_t x = 0; x < w; ++x) {
      const float va = a_[x] - kCentre, vb = b_[x] - kCentre;
      pa[x] = va;
      pb[x] = vb;
      paa[x] = va * va;
      pbb[x] = vb * vb;
      pab[x] = va * vb;
    }
    float* m = moments(p, y % wy_);
    for (int q = 0; q < 5; ++q)
      convolve(products_.data() + static_cast<std::size_t>(q) * w, gx_,
               m + static_cast<std::size_t>(q) * out_width_, out_width_);
    if (y + 1 >= wy_) finish_row(p, y + 1 - wy_);
  }

  // Mean SSIM of plane p once every row was added.
  double mean(int p) const {
    const double count = static_cast<double>(out_width_) * rows_out_;
    return sums_[static_cast<std::size_t>(p)] / count;
  }
  void rows_done(int height) { rows_out_ = height - wy_ + 1; }

 private:
  float* moments(int p, int slot) {
    return ring_.data() + (static_cast<std::size_t>(p) * wy_ + slot) * 5 * out_width_;
  }

  // Vertical filter of the ring (rows top .. top+wy-1) and the SSIM of that output row, in
  // blocks of kBlock columns: the five filtered moments of a block stay in a small local array
  // (no pass over a full-width row per tap) and its SSIM map is summed before the next block.
  JPEGOPT_SIMD_CLONES void finish_row(int p, int top) {
    const float* rows[kWindow];
    for (int k = 0; k < wy_; ++k)
      rows[k] = moments(p, (top + k) % wy_);
    double sum = 0;
    bool exact = true;  // sum is exact so far (see exactly_summed)
    for (int x0 = 0; x0 < out_width_; x0 += kBlock) {
      const int count = std::min(kBlock, out_width_ - x0);
      float col[5][kBlock];
      for (int q = 0; q < 5; ++q) {
        const std::size_t at = static_cast<std::size_t>(q) * out_width_ + x0;
        if (wy_ == kWindow)
          vertical11(rows, at, col[q], count);
        else
          vertical(rows, at, col[q], count);
      }
      // The SSIM map in float (vectorizes), summed in double: as if in x order.
      float map[kBlock];
      constexpr float c1 = static_cast<float>(kC1), c2 = static_cast<float>(kC2);
      for (int x = 0; x < count; ++x) {
        // Moments of the centred samples: the variances lose less to cancellation in float.
        const float ca = col[0][x], cb = col[1][x];
        const float va = col[2][x] - ca * ca;
        const float vb = col[3][x] - cb * cb;
        const float cov = col[4][x] - ca * cb;
        const float mua = ca + kCentre, mub = cb + kCentre;
        map[x] = ((2 * mua * mub + c1) * (2 * cov + c2)) /
                 ((mua * mua + mub * mub + c1) * (va + vb + c2));
      }
      exact = exact && exactly_summed(map, count);
      if (exact) {  // the sum in x order is exact: any order gives it
        double lanes[8] = {};
        int x = 0;
        for (; x + 8 <= count; x += 8)
          for (int j = 0; j < 8; ++j)
            lanes[j] += map[x + j];
        for (; x < count; ++x)
          lanes[0] += map[x];
        sum += ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
               ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
      } else {
        for (int x = 0; x < count; ++x)
          sum += map[x];
      }
    }
    sums_[static_cast<std::size_t>(p)] += sum;
  }

  // Whether every value is 0 or has a magnitude in [2^-16, 2]: then each is a multiple of 2^-39
  // (a float's last bit at 2^-16), and so is every partial sum of a row of at most 8192 of them,
  // which stays under 2^14 in magnitude and so is a double exactly. The row's sum is then exact
  // in double whatever the order of the additions, and equals the sum in x order; the parallel
  // one has no chain of dependent additions. (Otherwise, e.g. a NaN, the row is summed in order.)
  JPEGOPT_INLINE bool exactly_summed(const float* map, int count) const {
    if (out_width_ > 8192) return false;
    // On the bits of |v| (integer compares vectorize): 0, or from 2^-16 to 2 (a NaN is above).
    constexpr std::uint32_t lo = 0x37800000, hi = 0x40000000;  // 2^-16 and 2.0f
    std::uint32_t bad = 0;
    for (int x = 0; x < count; ++x) {
      const std::uint32_t u = std::bit_cast<std::uint32_t>(map[x]) & 0x7fffffffu;
      bad |= static_cast<std::uint32_t>(u - lo > hi - lo) & static_cast<std::uint32_t>(u != 0);
    }
    return bad == 0;
  }

  // out[i] = Σ_k g[k]·rows[k][at + i] for the 11-row window, unrolled: the centre row, then the
  // pairs from the inside out (the order of the separable convolve above, so the same values).
  JPEGOPT_INLINE void vertical11(const float* const* rows, std::size_t at, float* __restrict out,
                                 int count) const {
    const float g0 = gy_[0], g1 = gy_[1], g2 = gy_[2], g3 = gy_[3], g4 = gy_[4], g5 = gy_[5];
    const float *r0 = rows[0] + at, *r1 = rows[1] + at, *r2 = rows[2] + at, *r3 = rows[3] + at;
    const float *r4 = rows[4] + at, *r5 = rows[5] + at, *r6 = rows[6] + at, *r7 = rows[7] + at;
    const float *r8 = rows[8] + at, *r9 = rows[9] + at, *r10 = rows[10] + at;
    for (int i = 0; i < count; ++i)
      out[i] = g5 * r5[i] + g4 * (r4[i] + r6[i]) + g3 * (r3[i] + r7[i]) + g2 * (r2[i] + r8[i]) +
               g1 * (r1[i] + r9[i]) + g0 * (r0[i] + r10[i]);
  }

  // The same for a window of wy_ < 11 rows (small images).
  JPEGOPT_INLINE void vertical(const float* const* rows, std::size_t at, float* __restrict out,
                               int count) const {
    if (wy_ % 2 == 1) {
      const float wm = gy_[static_cast<std::size_t>(wy_ / 2)];
      const float* mid = rows[wy_ / 2] + at;
      for (int i = 0; i < count; ++i)
        out[i] = wm * mid[i];
    } else {
      std::fill(out, out + count, 0.0f);
    }
    for (int k = 0; k < wy_ / 2; ++k) {
      const float w = gy_[static_cast<std::size_t>(k)];
      const float* lo = rows[k] + at;
      const float* hi = rows[wy_ - 1 - k] + at;
      for (int i = 0; i < count; ++i)
        out[i] += w * (lo[i] + hi[i]);
    }
  }

  static constexpr int kBlock = 64;

  int wx_, wy_, out_width_;
  int rows_out_ = 0;
  std::vector<float> gx_, gy_;
  std::vector<float> ring_;
  std::vector<double> sums_;
  std::vector<float> a_, b_;
  std::vector<float> products_;
};

}  // namespace

Comparison compare(const Image& a, const Image& b) {
  const Pair pair = pair_of(a, b);
  const int channels = pair.channels;
  Comparison result;

  // PSNR and the largest difference over every sample of every compared channel.
  std::uint64_t squared = 0;
  int max_diff = 0;
  for (int y = 0; y < a.height; ++y) {
    const std::uint8_t* ra = a.row(y);
    const std::uint8_t* rb = b.row(y);
    const int na = a.channels(), nb = b.channels();
    for (int x = 0; x < a.width; ++x)
      for (int c = 0; c < channels; ++c) {
        const int va = ra[static_cast<std::size_t>(x) * na + (na == 1 ? 0 : c)];
        const int vb = rb[static_cast<std::size_t>(x) * nb + (nb == 1 ? 0 : c)];
        const int d = std::abs(va - vb);
        squared += static_cast<std::uint64_t>(d * d);
        max_diff = std::max(max_diff, d);
      }
  }
  const double samples = static_cast<double>(a.width) * a.height * channels;
  result.psnr = squared == 0
                    ? std::numeric_limits<double>::infinity()
                    : 10 * std::log10(255.0 * 255.0 * samples / static_cast<double>(squared));
  result.max_abs_diff = max_diff;

  // SSIM: plane 0 is luma, planes 1..channels the channels (gray-only: one plane serves both).
  const bool gray = channels == 1;
  const int planes = gray ? 1 : channels + 1;
  SsimAccumulator acc(a.width, a.height, planes);
  for (int y = 0; y < a.height; ++y) {
    for (int p = 0; p < planes; ++p) {
      if (p == 0) {
        luma_row(a.row(y), a.format, a.width, acc.a());
        luma_row(b.row(y), b.format, b.width, acc.b());
      } else {
        channel_row(a, y, p - 1, acc.a());
        channel_row(b, y, p - 1, acc.b());
      }
      acc.add_row(p, y);
    }
  }
  acc.rows_done(a.height);
  result.ssim_luma = acc.mean(0);
  result.ssim = result.ssim_luma;
  if (gray) {
    result.ssim_channels = {result.ssim_luma};
  } else {
    for (int p = 1; p < planes; ++p)
      result.ssim_channels.push_back(acc.mean(p));
  }
  return result;
}

struct LumaSsim::Impl {
  Impl(const Image& reference, PixelFormat incoming)
      : a(reference), format(incoming), acc(reference.width, reference.height, 1) {}
  const Image& a;
  PixelFormat format;
  SsimAccumulator acc;
  int rows = 0;
};

LumaSsim::LumaSsim(const Image& a, PixelFormat format, int width, int height) {
  check_pair(a, format, width, height);
  impl_ = std::make_unique<Impl>(a, format);
}

LumaSsim::~LumaSsim() = default;

void LumaSsim::add_row(const std::uint8_t* row) {
  Impl& s = *impl_;
  if (s.rows == s.a.height) throw Error(ErrorCode::Internal, "SSIM: more rows than the image has");
  luma_row(s.a.row(s.rows), s.a.format, s.a.width, s.acc.a());
  luma_row(row, s.format, s.a.width, s.acc.b());
  s.acc.add_row(0, s.rows);
  ++s.rows;
}

double LumaSsim::finish() {
  Impl& s = *impl_;
  if (s.rows != s.a.height) throw Error(ErrorCode::Internal, "SSIM: rows missing");
  s.acc.rows_done(s.a.height);
  return s.acc.mean(0);
}

double ssim_luma(const Image& a, const Image& b) {
  pair_of(a, b);  // b's buffer too
  LumaSsim s(a, b.format, b.width, b.height);
  for (int y = 0; y < b.height; ++y)
    s.add_row(b.row(y));
  return s.finish();
}

}  // namespace jpegopt::metrics
