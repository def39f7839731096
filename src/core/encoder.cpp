#include "core/encoder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "core/libjpeg.hpp"
#include "core/lossless.hpp"
#include "jpegopt/error.hpp"

namespace jpegopt::encoder {

namespace {

// JPEG Annex K.1 and K.2 example quantization tables, natural order (IJG's base tables).
constexpr std::array<int, 64> kLumaBase = {
    16, 11, 10, 16, 24,  40,  51,  61,   //
    12, 12, 14, 19, 26,  58,  60,  55,   //
    14, 13, 16, 24, 40,  57,  69,  56,   //
    14, 17, 22, 29, 51,  87,  80,  62,   //
    18, 22, 37, 56, 68,  109, 103, 77,   //
    24, 35, 55, 64, 81,  104, 113, 92,   //
    49, 64, 78, 87, 103, 121, 120, 101,  //
    72, 92, 95, 98, 112, 100, 103, 99,
};
constexpr std::array<int, 64> kChromaBase = {
    17, 18, 24, 47, 99, 99, 99, 99,  //
    18, 21, 26, 66, 99, 99, 99, 99,  //
    24, 26, 56, 99, 99, 99, 99, 99,  //
    47, 66, 99, 99, 99, 99, 99, 99,  //
    99, 99, 99, 99, 99, 99, 99, 99,  //
    99, 99, 99, 99, 99, 99, 99, 99,  //
    99, 99, 99, 99, 99, 99, 99, 99,  //
    99, 99, 99, 99, 99, 99, 99, 99,
};

int div_round_up(long a, long b) {
  return static_cast<int>((a + b - 1) / b);
}

// libjpeg's integer jpeg_quality_scaling().
int ijg_scale(int quality) {
  return quality < 50 ? 5000 / quality : 200 - 2 * quality;
}

// The 8-point DCT-II basis with the JPEG normalisation: c[u][x] = C(u)/2 cos((2x+1)uπ/16), and its
// transpose.
struct Basis {
  std::array<std::array<double, 8>, 8> c{}, t{};
  Basis() {
    const double pi = std::acos(-1.0);
    for (int u = 0; u < 8; ++u)
      for (int x = 0; x < 8; ++x) {
        c[u][x] = (u == 0 ? std::sqrt(0.5) : 1.0) / 2.0 * std::cos((2 * x + 1) * u * pi / 16);
        t[x][u] = c[u][x];
      }
  }
};

const Basis& dct_basis() {
  static const Basis basis;
  return basis;
}

// The loops below vectorize: on x86-64 with glibc (ifunc) they are also compiled for AVX2 and the
// CPU picks a version at load time. AVX2 without FMA does the same operations in the same order,
// only more of them at once, so the coefficients do not change.
#if defined(__x86_64__) && defined(__GLIBC__) && defined(__GNUC__)
#define JPEGOPT_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define JPEGOPT_SIMD_CLONES
#endif

// Forward DCT of the 8x8 samples at in[y * stride + x], level-shifted by 128 in double (rows then
// columns). Each output is the sum over x (then y) in increasing order, as the textbook loops add
// them; the loops run over the 8 outputs innermost so the compiler vectorizes them without
// changing any result.
JPEGOPT_SIMD_CLONES void forward_dct(const float* in, std::size_t stride, const Basis& basis,
                                     float* out) {
  double tmp[64];
  for (std::size_t y = 0; y < 8; ++y) {
    double acc[8] = {};
    for (std::size_t x = 0; x < 8; ++x) {
      const double sample = static_cast<double>(in[y * stride + x]) - 128.0;
      for (std::size_t u = 0; u < 8; ++u)
        acc[u] += basis.t[x][u] * sample;
    }
    for (std::size_t u = 0; u < 8; ++u)
      tmp[y * 8 + u] = acc[u];
  }
  for (std::size_t v = 0; v < 8; ++v) {
    double acc[8] = {};
    for (std::size_t y = 0; y < 8; ++y)
      for (std::size_t u = 0; u < 8; ++u)
        acc[u] += basis.c[v][y] * tmp[y * 8 + u];
    for (std::size_t u = 0; u < 8; ++u)
      out[v * 8 + u] = static_cast<float>(acc[u]);
  }
}

// A component's samples at its own resolution, before the DCT (level shift not yet applied).
struct Samples {
  int width = 0, height = 0;
  UninitVector<float> values;
};

// JFIF YCbCr of a row of RGB pixels, kept in float: no rounding before the DCT.
JPEGOPT_SIMD_CLONES void luma_row(const std::uint8_t* px, int width, float* dst) {
  for (std::size_t x = 0; x < static_cast<std::size_t>(width); ++x) {
    const float r = px[3 * x], g = px[3 * x + 1], b = px[3 * x + 2];
    dst[x] = 0.299f * r + 0.587f * g + 0.114f * b;
  }
}
JPEGOPT_SIMD_CLONES void cb_row(const std::uint8_t* px, int width, float* dst) {
  for (std::size_t x = 0; x < static_cast<std::size_t>(width); ++x) {
    const float r = px[3 * x], g = px[3 * x + 1], b = px[3 * x + 2];
    dst[x] = -0.168735892f * r - 0.331264108f * g + 0.5f * b + 128.0f;
  }
}
JPEGOPT_SIMD_CLONES void cr_row(const std::uint8_t* px, int width, float* dst) {
  for (std::size_t x = 0; x < static_cast<std::size_t>(width); ++x) {
    const float r = px[3 * x], g = px[3 * x + 1], b = px[3 * x + 2];
    dst[x] = 0.5f * r - 0.418687589f * g - 0.081312411f * b + 128.0f;
  }
}

// The DCT of every block of a width x height component whose rows `row(y, dst)` writes (width
// samples; edges are replicated to whole blocks), in raster order: each block's coefficients go
// to dest(bx, by), then done(bx, by, coefficients) sees them. A block row's 8 sample rows are
// gathered first, padded to whole blocks.
template <class Row, class Dest, class Done>
void transform_blocks(int width, int height, const Row& row, const Dest& dest, const Done& done) {
  const int width_in_blocks = (width + 7) / 8;
  const int height_in_blocks = (height + 7) / 8;
  const auto stride = static_cast<std::size_t>(width_in_blocks) * 8;
  const Basis& basis = dct_basis();
  std::vector<float> rows(8 * stride);
  for (int by = 0; by < height_in_blocks; ++by) {
    for (std::size_t y = 0; y < 8; ++y) {
      float* r = rows.data() + y * stride;
      const int sy = by * 8 + static_cast<int>(y);
      if (sy < height) {
        row(sy, r);
        std::fill(r + width, r + stride, r[width - 1]);
      } else {  // y > 0: below the last row, a copy of the row above
        std::copy_n(r - stride, stride, r);
      }
    }
    for (int bx = 0; bx < width_in_blocks; ++bx) {
      float* out = dest(bx, by);
      forward_dct(rows.data() + static_cast<std::size_t>(bx) * 8, stride, basis, out);
      done(bx, by, static_cast<const float*>(out));
    }
  }
}

// The box sums of subsample_chroma over one row of subsampled samples, with compile-time
// factors so that the loops vectorize: rows[dy][x * hf + dx] are the full-resolution samples.
template <int HF, int VF>
void box_average(const float* const* rows, std::size_t sw, float norm, float* out) {
  for (std::size_t x = 0; x < sw; ++x) {
    float s = 0;
    for (int dy = 0; dy < VF; ++dy)
      for (std::size_t dx = 0; dx < HF; ++dx)
        s += rows[dy][x * HF + dx];
    out[x] = s * norm;
  }
}
// out[x] = sub[x] plus the box average of full - up, clamped to 0..255.
template <int HF, int VF>
void box_correct(const float* const* full, const float* const* up, std::size_t sw, float norm,
                 const float* sub, float* out) {
  for (std::size_t x = 0; x < sw; ++x) {
    float s = 0;
    for (int dy = 0; dy < VF; ++dy)
      for (std::size_t dx = 0; dx < HF; ++dx)
        s += full[dy][x * HF + dx] - up[dy][x * HF + dx];
    out[x] = std::clamp(sub[x] + s * norm, 0.0f, 255.0f);
  }
}
JPEGOPT_SIMD_CLONES void box_average_row(const float* const* rows, int hf, int vf, std::size_t sw,
                                         float norm, float* out) {
  if (hf == 2 && vf == 2)
    box_average<2, 2>(rows, sw, norm, out);
  else if (hf == 2)
    box_average<2, 1>(rows, sw, norm, out);
  else if (vf == 2)
    box_average<1, 2>(rows, sw, norm, out);
  else
    box_average<1, 1>(rows, sw, norm, out);
}
JPEGOPT_SIMD_CLONES void box_correct_row(const float* const* full, const float* const* up, int hf,
                                         int vf, std::size_t sw, float norm, const float* sub,
                                         float* out) {
  if (hf == 2 && vf == 2)
    box_correct<2, 2>(full, up, sw, norm, sub, out);
  else if (hf == 2)
    box_correct<2, 1>(full, up, sw, norm, sub, out);
  else
    box_correct<1, 2>(full, up, sw, norm, sub, out);
}
// One row of libjpeg's upsampling from the horizontally upsampled rows near and far of it.
JPEGOPT_SIMD_CLONES void blend_rows(const float* near, const float* far, float wy, std::size_t n,
                                    float* out) {
  for (std::size_t x = 0; x < n; ++x)
    out[x] = wy * near[x] + (1 - wy) * far[x];
}

// Subsampled chroma straight from the pixels, without full-resolution planes: `full(y, dst)`
// writes the width full-resolution samples of row y < height. Each subsampled sample is first the
// average of the hf x vf box it covers (edges replicated), then `refinements` times it adds the
// box average of what libjpeg's "fancy" upsampling (h2v1/h1v2/h2v2: each output sample weighs
// its nearest input sample 3/4 and the next one on the side the output sample lies 1/4 per
// subsampled axis, edges replicated) still misses of the full-resolution samples. hf, vf are 1
// or 2. The sums run in the order of the original plane-based code, so results are the same
// floats (the upsampling's horizontal step, computed once per subsampled row, is the same
// parenthesized float expression as before).
template <class Full>
Samples subsample_chroma(int width, int height, int hf, int vf, int refinements, const Full& full) {
  Samples sub;
  sub.width = div_round_up(width, hf);
  sub.height = div_round_up(height, vf);
  sub.values.resize(static_cast<std::size_t>(sub.width) * static_cast<std::size_t>(sub.height));
  const auto sw = static_cast<std::size_t>(sub.width);
  const float norm = 1.0f / static_cast<float>(hf * vf);
  // Full-resolution rows of two subsampled rows (the current one and the one before) and the
  // upsampled approximations of one, padded to sub.width * hf samples by replicating the last
  // one, as the edge clamp does; three horizontally upsampled subsampled rows (y - 1, y, y + 1),
  // likewise padded.
  const std::size_t padded = sw * static_cast<std::size_t>(hf);
  std::vector<float> buffers(9 * padded);
  auto buffer = [&](std::size_t i) { return buffers.data() + i * padded; };
  float* const full_rows[2][2] = {{buffer(0), buffer(1)}, {buffer(2), buffer(3)}};
  float* const up_rows[2] = {buffer(4), buffer(5)};
  float* const wide_rows[3] = {buffer(6), buffer(7), buffer(8)};
  auto pad = [&](float* r) { std::fill(r + width, r + padded, r[width - 1]); };
  // The full-resolution rows of subsampled row y, in slot y % 2.
  auto load = [&](int y) {
    const auto rows = full_rows[y % 2];
    for (int dy = 0; dy < vf; ++dy) {
      full(std::min(y * vf + dy, height - 1), rows[dy]);
      pad(rows[dy]);
    }
    return rows;
  };
  auto first_pass = [&](int y) {
    box_average_row(load(y), hf, vf, sw, norm,
                    sub.values.data() + static_cast<std::size_t>(y) * sw);
  };
  if (hf == 1 && vf == 1) {
    for (int y = 0; y < sub.height; ++y)
      first_pass(y);
    return sub;
  }

  // For one axis: the nearest and the far input sample of each output position (computed once,
  // not per sample).
  auto taps = [](int size, int factor, int sub_size) {
    std::vector<int> near(static_cast<std::size_t>(size)), far(near.size());
    for (int pos = 0; pos < size; ++pos) {
      const auto i = static_cast<std::size_t>(pos);
      near[i] = std::min(pos / factor, sub_size - 1);
      far[i] = near[i];
      if (factor == 2)
        far[i] = std::clamp(pos % 2 == 0 ? near[i] - 1 : near[i] + 1, 0, sub_size - 1);
    }
    return std::pair{near, far};
  };
  // Named members, not structured bindings: clang 14 (the fuzz build) cannot capture those.
  const auto taps_x = taps(width, hf, sub.width);
  const auto taps_y = taps(height, vf, sub.height);
  const auto& near_x = taps_x.first;
  const auto& far_x = taps_x.second;
  const auto& near_y = taps_y.first;
  const auto& far_y = taps_y.second;
  const float wy = vf == 2 ? 0.75f : 1.0f;
  const float wx = hf == 2 ? 0.75f : 1.0f;
  UninitVector<float> corrected(sub.values.size());
  // Subsampled row j upsampled horizontally, kept while rows j - 1 .. j + 1 are in use (wide_of
  // is reset for each pass).
  int wide_of[3] = {-1, -1, -1};
  auto wide = [&](int j) {
    float* r = wide_rows[j % 3];
    if (wide_of[j % 3] == j) return r;
    wide_of[j % 3] = j;
    const float* n = sub.values.data() + static_cast<std::size_t>(j) * sw;
    for (std::size_t x = 0; x < static_cast<std::size_t>(width); ++x)
      r[x] = wx * n[near_x[x]] + (1 - wx) * n[far_x[x]];
    pad(r);
    return r;
  };
  // One refinement of subsampled row y (whose full-resolution rows are `rows`) into corrected;
  // it reads rows y - 1 .. y + 1 of sub.values.
  auto refine = [&](int y, float* const* rows) {
    for (int dy = 0; dy < vf; ++dy) {
      const auto fy = static_cast<std::size_t>(std::min(y * vf + dy, height - 1));
      blend_rows(wide(near_y[fy]), wide(far_y[fy]), wy, padded, up_rows[dy]);
    }
    const std::size_t row = static_cast<std::size_t>(y) * sw;
    box_correct_row(rows, up_rows, hf, vf, sw, norm, sub.values.data() + row,
                    corrected.data() + row);
  };
  // The first refinement runs a row behind the averages, on the full-resolution rows they
  // loaded; later ones load them again.
  for (int y = 0; y < sub.height; ++y) {
    first_pass(y);
    if (refinements > 0 && y > 0) refine(y - 1, full_rows[(y - 1) % 2]);
  }
  if (refinements == 0) return sub;
  refine(sub.height - 1, full_rows[(sub.height - 1) % 2]);
  sub.values.swap(corrected);
  for (int pass = 1; pass < refinements; ++pass) {
    std::fill(std::begin(wide_of), std::end(wide_of), -1);
    for (int y = 0; y < sub.height; ++y)
      refine(y, load(y));
    sub.values.swap(corrected);
  }
  return sub;
}

struct Factors {
  int h, v;
};

Factors luma_factors(Subsampling s) {
  switch (s) {
    case Subsampling::S422:
      return {2, 1};
    case Subsampling::S420:
      return {2, 2};
    case Subsampling::S440:
      return {1, 2};
    default:
      return {1, 1};
  }
}

void check_image(const Image& image, Subsampling subsampling) {
  if (subsampling == Subsampling::Auto)
    throw Error(ErrorCode::InvalidArgument, "encoder::prepare needs a resolved subsampling");
  if (image.width <= 0 || image.height <= 0 || image.width > 65500 || image.height > 65500)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("cannot encode a {}x{} image", image.width, image.height));
  const std::size_t w = static_cast<std::size_t>(image.width);
  const std::size_t h = static_cast<std::size_t>(image.height);
  if (image.samples() < w * h * static_cast<std::size_t>(image.channels()))
    throw Error(ErrorCode::InvalidArgument, "image pixel buffer is too small");
}

Subsampling written_subsampling(const Image& image, Subsampling subsampling) {
  return image.format == PixelFormat::Rgb ? subsampling : Subsampling::S444;
}

Plane geometry(int width, int height, int h_samp, int v_samp, int quant_table) {
  Plane p;
  p.h_samp = h_samp;
  p.v_samp = v_samp;
  p.quant_table = quant_table;
  p.width_in_blocks = (width + 7) / 8;
  p.height_in_blocks = (height + 7) / 8;
  return p;
}

// Calls visit(ci, plane, width, height, row) for each component of `image` in order: `plane`
// has the component's geometry (no coefficients), its samples are width x height and
// row(y, dst) writes row y of them as floats (colour-converted and subsampled, not level-shifted).
template <class Visit>
void for_each_component(const Image& image, Subsampling subsampling, int chroma_refinements,
                        const Visit& visit) {
  const int nc = image.channels();
  const int w = image.width, h = image.height;
  if (image.format == PixelFormat::Rgb) {
    const Factors f = luma_factors(subsampling);
    visit(0, geometry(w, h, f.h, f.v, 0), w, h,
          [&](int y, float* dst) { luma_row(image.row(y), w, dst); });
    for (int c = 1; c < 3; ++c) {
      auto chroma = [&](int y, float* dst) {
        if (c == 1)
          cb_row(image.row(y), w, dst);
        else
          cr_row(image.row(y), w, dst);
      };
      if (f.h == 1 && f.v == 1) {
        visit(c, geometry(w, h, 1, 1, 1), w, h, chroma);
      } else {
        const Samples sub = subsample_chroma(w, h, f.h, f.v, chroma_refinements, chroma);
        visit(c, geometry(sub.width, sub.height, 1, 1, 1), sub.width, sub.height,
              [&](int y, float* dst) {
                std::copy_n(sub.values.data() +
                                static_cast<std::size_t>(y) * static_cast<std::size_t>(sub.width),
                            sub.width, dst);
              });
      }
    }
  } else {
    // Gray: one luma component. CMYK: four components sharing the luma table, as
    // jpeg_set_colorspace(JCS_CMYK) sets them.
    for (int c = 0; c < nc; ++c)
      visit(c, geometry(w, h, 1, 1, 0), w, h, [&](int y, float* dst) {
        const std::uint8_t* px = image.row(y) + c;
        for (std::size_t x = 0; x < static_cast<std::size_t>(w); ++x)
          dst[x] = static_cast<float>(px[x * static_cast<std::size_t>(nc)]);
      });
  }
}

// Round half away from zero, as libjpeg's quantizer does.
inline int quantize(float coef, int q) {
  const float v = coef / static_cast<float>(q);
  // floor(|v| + 0.5) as a truncating conversion (|v| + 0.5 is not negative): the loops over a
  // block's 64 coefficients vectorize.
  const int r = static_cast<int>(std::fabs(v) + 0.5f);
  return v < 0 ? -r : r;
}

// kZigzag[k] is the natural (row-major) index of the k-th coefficient in zigzag order.
constexpr std::array<int, 64> kZigzag = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

using Block = std::array<JCOEF, 64>;  // natural order

int bit_size(int v) {
  return std::bit_width(static_cast<unsigned>(v < 0 ? -v : v));
}

// Code length in bits of each AC symbol (run << 4 | size) of one Huffman table.
struct AcRates {
  std::array<float, 256> bits{};
};

// The code lengths of JPEG Annex K.3's AC tables (0: luma, 1: chroma), as libjpeg's defaults hold
// them: the rates the trellis assumes. The written file's tables are optimized for the data
// afterwards, but one fixed model lets each block be decided as soon as it is transformed,
// without a first pass over every block to count symbols.
std::array<AcRates, 2> standard_ac_rates() {
  Bytes unused;
  lj::Compressor enc(unused);  // only its default tables are read: it never starts
  jpeg_compress_struct* c = enc.get();
  std::array<AcRates, 2> rates;
  enc.run([&] {
    c->in_color_space = JCS_RGB;
    c->input_components = 3;
    jpeg_set_defaults(c);
    for (std::size_t t = 0; t < 2; ++t) {
      const JHUFF_TBL* table = c->ac_huff_tbl_ptrs[t];
      rates[t].bits.fill(16);  // symbols the table lacks (none of those a baseline block uses)
      int symbol = 0;
      for (int length = 1; length <= 16; ++length)
        for (int i = 0; i < table->bits[length]; ++i)
          rates[t].bits[table->huffval[symbol++]] = static_cast<float>(length);
    }
  });
  return rates;
}

constexpr int kWindow = 6;  // trellis_block's predecessors (see there)

// Rate-distortion optimized quantization of one block's AC coefficients, a trellis over the
// position of the previous non-zero coefficient. `out` holds the block rounded to nearest; the
// search revisits the AC coefficients rounding made non-zero (the others stay zero on every path,
// so their distortion is the same for all and is left out). Distortion is measured in quantizer
// steps, (error / Q)^2, so the table's perceptual weighting carries over; rate is `lambda` times
// the code length plus the magnitude bits. Each candidate is kept, rounded down by one, or zeroed
// (by a run). DC (out[0]) is left as it is.
void trellis_block(const float* coef, const std::array<std::uint16_t, 64>& q, const AcRates& rates,
                   float lambda, JCOEF* out) {
  // Node 0 is the start (position 0); node i >= 1 is the i-th candidate in zigzag order.
  int position[64];
  int rounded[64];
  float x[64];         // |coef| / Q
  float zero_sum[64];  // sum of x^2 over candidates 1..i: the distortion of zeroing them
  position[0] = 0;
  zero_sum[0] = 0;
  int n = 0;
  for (int k = 1; k < 64; ++k) {  // without a branch: which coefficients are zero is random
    position[n + 1] = k;
    n += out[kZigzag[static_cast<std::size_t>(k)]] != 0;
  }
  if (n == 0) return;
  for (int i = 1; i <= n; ++i) {
    const auto z = static_cast<std::size_t>(kZigzag[static_cast<std::size_t>(position[i])]);
    rounded[i] = std::abs(out[z]);
    x[i] = std::fabs(coef[z]) / static_cast<float>(q[z]);
    zero_sum[i] = zero_sum[i - 1] + x[i] * x[i];
  }
  float cost[64];  // cost[i]: the best cost of coding up to node i with node i non-zero
  int from[64];
  int value[64];
  cost[0] = 0;
  // Predecessors of node i: the last kWindow nodes, never one before a coefficient of 1.5 steps
  // or more. Zeroing such a coefficient (distortion >= 2.25) or a run of kWindow of at least half
  // a step each costs more than the bits it saves at the lambdas used, and the search stays
  // linear in the candidates (most are large at high qualities).
  int floor = 0;
  const float zrl = lambda * rates.bits[0xF0];
  for (int i = 1; i <= n; ++i) {
    const int first = std::max(floor, i - kWindow);
    float best = std::numeric_limits<float>::max();
    int best_from = 0, best_value = rounded[i];
    // Rounding down by one can only pay when it saves a magnitude bit (rounded a power of two):
    // otherwise it codes in as many bits with more distortion.
    const int r = rounded[i];
    const int lowest = r > 1 && (r & (r - 1)) == 0 ? r - 1 : r;
    for (int v = r; v >= lowest; --v) {
      const float d = (x[i] - static_cast<float>(v)) * (x[i] - static_cast<float>(v));
      const int size = bit_size(v);
      for (int j = first; j < i; ++j) {
        const int run = position[i] - position[j] - 1;
        const float rate =
            static_cast<float>(run >> 4) * zrl +
            lambda * (rates.bits[static_cast<std::size_t>(((run & 15) << 4) | size)] +
                      static_cast<float>(size));
        const float total = cost[j] + (zero_sum[i - 1] - zero_sum[j]) + rate + d;
        if (total < best) {
          best = total;
          best_from = j;
          best_value = v;
        }
      }
    }
    cost[i] = best;
    from[i] = best_from;
    value[i] = best_value;
    if (r >= 2) floor = i;
  }
  // End of block: after the last non-zero coefficient, EOB unless it is position 63.
  float best = std::numeric_limits<float>::max();
  int last = 0;
  for (int i = floor; i <= n; ++i) {
    const float total = cost[i] + (zero_sum[n] - zero_sum[i]) +
                        (position[i] < 63 ? lambda * rates.bits[0x00] : 0.0f);
    if (total < best) {
      best = total;
      last = i;
    }
  }
  int kept[64] = {};  // the magnitude chosen for each candidate (0: zeroed)
  for (int i = last; i > 0; i = from[i])
    kept[i] = value[i];
  for (int i = 1; i <= n; ++i) {
    const auto z = static_cast<std::size_t>(kZigzag[static_cast<std::size_t>(position[i])]);
    const int sign = out[z] < 0 ? -1 : 0;  // rounding kept the sign
    out[z] = static_cast<JCOEF>((kept[i] ^ sign) - sign);
  }
}

}  // namespace

double quality_scale(double quality) {
  if (!(quality >= 1 && quality <= 100))
    throw Error(ErrorCode::InvalidArgument, fmt::format("quality {} is outside 1..100", quality));
  const int lo = static_cast<int>(std::floor(quality));
  const double frac = quality - lo;
  if (frac == 0 || lo >= 100) return ijg_scale(lo);
  return ijg_scale(lo) + frac * (ijg_scale(lo + 1) - ijg_scale(lo));
}

namespace {

// Mannos and Sakrison's (1974) contrast sensitivity function of the luminance channel, f in cycles
// per degree of visual angle.
double contrast_sensitivity(double f) {
  return 2.6 * (0.0192 + 0.114 * f) * std::exp(-std::pow(0.114 * f, 1.1));
}

std::array<std::uint16_t, 64> scaled(const std::array<double, 64>& base, double quality) {
  const double scale = quality_scale(quality);
  std::array<std::uint16_t, 64> out{};
  for (std::size_t k = 0; k < 64; ++k) {
    // jpeg_add_quant_table(): (base * scale + 50) / 100, clamped to 1..255 (force_baseline).
    const double v = std::floor((base[k] * scale + 50.0) / 100.0);
    out[k] = static_cast<std::uint16_t>(std::clamp(v, 1.0, 255.0));
  }
  return out;
}

}  // namespace

std::array<double, 64> perceptual_luma_base(double pixels_per_degree) {
  // Below the sensitivity peak (near 8 cycles/degree) the step stays at its minimum, the usual
  // flattening for image coding: low frequencies carry the picture's structure.
  double peak_f = 0, peak = 0;
  for (int i = 0; i < 3000; ++i) {
    const double f = i * 0.01;
    if (contrast_sensitivity(f) > peak) {
      peak = contrast_sensitivity(f);
      peak_f = f;
    }
  }
  std::array<double, 64> out{};
  for (int v = 0; v < 8; ++v)
    for (int u = 0; u < 8; ++u) {
      // Basis (u, v) has sqrt(u^2 + v^2) / 16 cycles per pixel. The eye is less sensitive to
      // diagonal orientations (the oblique effect): a higher effective frequency, up to 1/0.7x
      // at 45 degrees.
      double f = std::sqrt(u * u + v * v) / 16.0 * pixels_per_degree;
      f /= 0.15 * std::cos(4 * std::atan2(v, u)) + 0.85;
      const double s = f <= peak_f ? peak : contrast_sensitivity(f);
      out[static_cast<std::size_t>(v * 8 + u)] = kLumaBase[0] * peak / s;
    }
  return out;
}

std::array<std::uint16_t, 64> quant_table(int which, double quality) {
  return quant_table(which, quality, Tuning::plain());
}

std::array<std::uint16_t, 64> quant_table(int which, double quality, const Tuning& tuning) {
  if (tuning.tables == TableDesign::Perceptual && which == 0) {
    auto base = perceptual_luma_base(tuning.pixels_per_degree);
    const double w = tuning.annex_k_weight_low * std::clamp((90.0 - quality) / 50.0, 0.0, 1.0);
    if (w > 0)
      for (std::size_t k = 0; k < 64; ++k)
        base[k] = std::pow(base[k], 1 - w) * std::pow(static_cast<double>(kLumaBase[k]), w);
    return scaled(base, quality);
  }
  const auto& ijg = which == 0 ? kLumaBase : kChromaBase;
  const double factor = tuning.tables == TableDesign::Perceptual ? tuning.chroma_scale : 1.0;
  std::array<double, 64> base{};
  for (std::size_t k = 0; k < 64; ++k)
    base[k] = ijg[k] * factor;
  return scaled(base, quality);
}

Prepared prepare(const Image& image, Subsampling subsampling, int chroma_refinements) {
  check_image(image, subsampling);
  Prepared out;
  out.width_ = image.width;
  out.height_ = image.height;
  out.format_ = image.format;
  out.subsampling_ = written_subsampling(image, subsampling);
  for_each_component(
      image, out.subsampling_, chroma_refinements,
      [&](int, Plane p, int width, int height, const auto& row_of_samples) {
        p.coefficients.resize(static_cast<std::size_t>(p.width_in_blocks) *
                              static_cast<std::size_t>(p.height_in_blocks) * 64);
        float* coefficients = p.coefficients.data();
        const auto row = static_cast<std::size_t>(p.width_in_blocks);
        transform_blocks(
            width, height, row_of_samples,
            [&](int bx, int by) {
              return coefficients +
                     (static_cast<std::size_t>(by) * row + static_cast<std::size_t>(bx)) * 64;
            },
            [](int, int, const float*) {});
        out.planes_.push_back(std::move(p));
      });
  return out;
}

Bytes encode(const Prepared& prepared, double quality) {
  return encode(prepared, quality, Tuning::best());
}

namespace {

// Sets up `c` (created, not started) for a frame of the given geometry and quantization tables
// (libjpeg calls only: run it under the compressor's guard).
void set_frame(jpeg_compress_struct* c, int width, int height, PixelFormat format,
               const std::vector<Plane>& planes,
               const std::array<std::array<std::uint16_t, 64>, 2>& tables) {
  const int nc = static_cast<int>(planes.size());
  const J_COLOR_SPACE space = format == PixelFormat::Gray   ? JCS_GRAYSCALE
                              : format == PixelFormat::Cmyk ? JCS_CMYK
                                                            : JCS_YCbCr;
  unsigned int table_values[2][64];
  for (int t = 0; t < 2; ++t)
    for (int k = 0; k < 64; ++k)
      table_values[t][k] = tables[static_cast<std::size_t>(t)][static_cast<std::size_t>(k)];
  c->image_width = static_cast<JDIMENSION>(width);
  c->image_height = static_cast<JDIMENSION>(height);
  c->input_components = nc;
  c->in_color_space = space == JCS_YCbCr ? JCS_RGB : space;
  jpeg_set_defaults(c);
  jpeg_set_colorspace(c, space);
  // The tables are already scaled: add them at 100 % so libjpeg stores them unchanged.
  jpeg_add_quant_table(c, 0, table_values[0], 100, TRUE);
  jpeg_add_quant_table(c, 1, table_values[1], 100, TRUE);
  for (int ci = 0; ci < nc; ++ci) {
    jpeg_component_info& comp = c->comp_info[ci];
    comp.h_samp_factor = planes[static_cast<std::size_t>(ci)].h_samp;
    comp.v_samp_factor = planes[static_cast<std::size_t>(ci)].v_samp;
    comp.quant_tbl_no = planes[static_cast<std::size_t>(ci)].quant_table;
  }
  c->write_JFIF_header = FALSE;  // metadata is the caller's (the assembler adds it)
}

// Writes a JPEG of the given geometry whose quantized coefficients fill(rows) stores:
// rows(ci, by) is block row `by` of component ci in libjpeg's arrays (fetched under the guard).
template <class Fill>
Bytes write_coefficients(int width, int height, PixelFormat format,
                         const std::vector<Plane>& planes,
                         const std::array<std::array<std::uint16_t, 64>, 2>& tables,
                         Entropy entropy, const Fill& fill) {
  const int nc = static_cast<int>(planes.size());
  Bytes out;
  lj::Compressor enc(out);
  jpeg_compress_struct* c = enc.get();
  jvirt_barray_ptr arrays[4] = {};

  enc.run([&] {
    set_frame(c, width, height, format, planes, tables);
    c->optimize_coding = entropy == Entropy::Optimized ? TRUE : FALSE;
    // Arrays padded to whole MCUs, as jpeg_write_coefficients reads them (libjpeg adds the dummy
    // blocks' contents itself).
    for (int ci = 0; ci < nc; ++ci) {
      const Plane& p = planes[static_cast<std::size_t>(ci)];
      arrays[ci] = (*c->mem->request_virt_barray)(
          reinterpret_cast<j_common_ptr>(c), JPOOL_IMAGE, FALSE,  // every real block is written
          static_cast<JDIMENSION>(div_round_up(p.width_in_blocks, p.h_samp) * p.h_samp),
          static_cast<JDIMENSION>(div_round_up(p.height_in_blocks, p.v_samp) * p.v_samp),
          static_cast<JDIMENSION>(p.v_samp));
    }
    jpeg_write_coefficients(c, arrays);  // realizes the arrays
  });

  fill([&](int ci, int by) {
    JBLOCKARRAY rows = nullptr;
    enc.run([&] {
      rows = (*c->mem->access_virt_barray)(reinterpret_cast<j_common_ptr>(c), arrays[ci],
                                           static_cast<JDIMENSION>(by), 1, TRUE);
    });
    return rows[0];
  });
  // The MCU padding rows below are never read (libjpeg makes dummy blocks), but the array must
  // count them as written: without pre-zeroing, reading an unwritten row is an error.
  for (int ci = 0; ci < nc; ++ci) {
    const Plane& p = planes[static_cast<std::size_t>(ci)];
    const int padded = div_round_up(p.height_in_blocks, p.v_samp) * p.v_samp;
    if (padded > p.height_in_blocks)
      enc.run([&] {
        (*c->mem->access_virt_barray)(reinterpret_cast<j_common_ptr>(c), arrays[ci],
                                      static_cast<JDIMENSION>(p.height_in_blocks),
                                      static_cast<JDIMENSION>(padded - p.height_in_blocks), TRUE);
      });
  }
  enc.run([&] { jpeg_finish_compress(c); });
  return out;
}

template <class Fill>
Bytes write_with(Entropy entropy, int width, int height, PixelFormat format,
                 const std::vector<Plane>& planes,
                 const std::array<std::array<std::uint16_t, 64>, 2>& tables, const Fill& fill) {
  return write_coefficients(width, height, format, planes, tables, entropy, fill);
}

// write_coefficients' frame and coefficients in a lossless::Source instead of a JPEG.
template <class Fill>
std::unique_ptr<lossless::Source> source_of_coefficients(
    int width, int height, PixelFormat format, const std::vector<Plane>& planes,
    const std::array<std::array<std::uint16_t, 64>, 2>& tables, const Fill& fill) {
  Bytes unused;
  lj::Compressor enc(unused);  // only its parameters are used: it never starts
  jpeg_compress_struct* c = enc.get();
  enc.run([&] { set_frame(c, width, height, format, planes, tables); });
  auto source = std::make_unique<lossless::Source>(*c);
  const auto views = source->view();
  for (std::size_t ci = 0; ci < planes.size(); ++ci)
    if (views[ci].width_in_blocks != planes[ci].width_in_blocks ||
        views[ci].height_in_blocks != planes[ci].height_in_blocks)
      throw Error(ErrorCode::Internal, "encoder and libjpeg disagree on a component's size");
  fill([&](int ci, int by) { return source->block_row(ci, by); });
  return source;
}

JPEGOPT_SIMD_CLONES void quantize_block(const float* in, const std::array<std::uint16_t, 64>& q,
                                        JCOEF* dst) {
  for (std::size_t k = 0; k < 64; ++k)
    dst[k] = static_cast<JCOEF>(quantize(in[k], q[k]));
}

// Quantizes the blocks of one encode: rounding to nearest, then with Tuning::trellis the AC
// coefficients again by trellis_block, at the component's lambda times the block's masking.
class BlockQuantizer {
 public:
  BlockQuantizer(const std::array<std::array<std::uint16_t, 64>, 2>& tables, const Tuning& tuning)
      : tables_(tables), tuning_(tuning) {
    if (tuning.trellis) rates_ = standard_ac_rates();
  }
  void operator()(int table, const float* in, JCOEF* dst) const {
    const auto& q = tables_[static_cast<std::size_t>(table)];
    quantize_block(in, q, dst);
    const float lambda = table == 0 ? tuning_.lambda : tuning_.chroma_lambda;
    if (!tuning_.trellis || !(lambda > 0)) return;
    float scale = 1;
    if (tuning_.mask_energy > 0) {
      float energy = 0;
      for (int k = 1; k < 64; ++k)
        energy += in[k] * in[k];
      scale += energy / tuning_.mask_energy;
    }
    trellis_block(in, q, rates_[static_cast<std::size_t>(table)], lambda * scale, dst);
  }

 private:
  const std::array<std::array<std::uint16_t, 64>, 2>& tables_;
  const Tuning& tuning_;
  std::array<AcRates, 2> rates_{};
};

// Quantizes `prepared` at `quality` and hands the frame and a fill to write(width, height,
// format, planes, tables, fill): write_coefficients or source_of_coefficients.
template <class Write>
auto quantize_frame(const Prepared& prepared, double quality, const Tuning& tuning,
                    const Write& write) {
  const std::array<std::array<std::uint16_t, 64>, 2> tables = {quant_table(0, quality, tuning),
                                                               quant_table(1, quality, tuning)};
  const auto& planes = prepared.planes();
  const int nc = static_cast<int>(planes.size());
  const BlockQuantizer quantize(tables, tuning);
  return write(prepared.width(), prepared.height(), prepared.format(), planes, tables,
               [&](const auto& rows_of) {
                 for (int ci = 0; ci < nc; ++ci) {
                   const Plane& p = planes[static_cast<std::size_t>(ci)];
                   for (int by = 0; by < p.height_in_blocks; ++by) {
                     JBLOCKROW row = rows_of(ci, by);
                     for (int bx = 0; bx < p.width_in_blocks; ++bx)
                       quantize(p.quant_table, p.block(bx, by), row[bx]);
                   }
                 }
               });
}

// The same for `image`, each block transformed and quantized straight into the coefficient
// arrays.
template <class Write>
auto quantize_frame(const Image& image, Subsampling subsampling, double quality,
                    const Tuning& tuning, const Write& write) {
  check_image(image, subsampling);
  const std::array<std::array<std::uint16_t, 64>, 2> tables = {quant_table(0, quality, tuning),
                                                               quant_table(1, quality, tuning)};
  const Subsampling written = written_subsampling(image, subsampling);
  // The components' geometry, as for_each_component gives it.
  std::vector<Plane> planes;
  if (image.format == PixelFormat::Rgb) {
    const Factors f = luma_factors(written);
    planes.push_back(geometry(image.width, image.height, f.h, f.v, 0));
    for (int c = 1; c < 3; ++c)
      planes.push_back(
          geometry(div_round_up(image.width, f.h), div_round_up(image.height, f.v), 1, 1, 1));
  } else {
    for (int c = 0; c < image.channels(); ++c)
      planes.push_back(geometry(image.width, image.height, 1, 1, 0));
  }
  const BlockQuantizer quantize(tables, tuning);
  return write(image.width, image.height, image.format, planes, tables, [&](const auto& rows_of) {
    for_each_component(image, written, kChromaRefinements,
                       [&](int ci, const Plane& p, int width, int height, const auto& samples) {
                         float coefficients[64];
                         JBLOCKROW row = nullptr;
                         transform_blocks(
                             width, height, samples, [&](int, int) { return coefficients; },
                             [&](int bx, int by, const float* in) {
                               if (bx == 0) row = rows_of(ci, by);
                               quantize(p.quant_table, in, row[bx]);
                             });
                       });
  });
}

}  // namespace

Bytes encode(const Prepared& prepared, double quality, const Tuning& tuning, Entropy entropy) {
  return quantize_frame(prepared, quality, tuning, [&](auto&&... frame_and_fill) {
    return write_with(entropy, frame_and_fill...);
  });
}

Bytes encode(const Image& image, Subsampling subsampling, double quality, const Tuning& tuning,
             Entropy entropy) {
  return quantize_frame(image, subsampling, quality, tuning, [&](auto&&... frame_and_fill) {
    return write_with(entropy, frame_and_fill...);
  });
}

std::unique_ptr<lossless::Source> coefficients(const Image& image, Subsampling subsampling,
                                               double quality, const Tuning& tuning) {
  auto to_source = [](auto&&... frame_and_fill) {
    return source_of_coefficients(frame_and_fill...);
  };
  return quantize_frame(image, subsampling, quality, tuning, to_source);
}

}  // namespace jpegopt::encoder
