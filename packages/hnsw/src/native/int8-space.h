// A space of int8 codes: each element keeps one byte per dimension in place of a float, so a graph of
// 128-d vectors holds 128 bytes of vector data per element instead of 512 (768-d: 768 instead of
// 3,072). A code is the value's place on its dimension's range, cut in 255 steps:
//   value ≈ low[d] + step[d] * code
// with low and step per dimension, taken from the graph's own elements when it is loaded from a
// float graph's bytes (int8-graph.cc). For cosine the codes are of the unit vectors, so the L2 distance between unit
// vectors (2 - 2 cos) ranks as cosine does.
//
// The distance is asymmetric: the query stays in float and is compared with each element's
// reconstructed vector, sum((q[d] - low[d]) - step[d] * code[d])^2. hnswlib's search always passes the
// query first (hnswalg.h searchKnn), and a graph of codes is never grown, so elements are never
// compared with each other here. The query is laid out before it reaches the graph (PrepareQuery):
// normalised for cosine, with low subtracted, so the inner loop is one multiply and one subtract.
//
// These distances only steer the traversal and pick candidates; the engine re-ranks the candidates
// with the exact float32 vectors it reads from disk (vector-file.cc).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hnswlib.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define OSSV_INT8_AVX2 1
#endif

namespace ossv {

struct Int8Params {
  size_t dim = 0;
  /** The codes are of unit vectors (cosine). */
  bool unit = false;
  std::vector<float> low;
  std::vector<float> step;
};

#if defined(__SSE2__)
/** sum((q[d] - step[d] * c[d])^2) over the first `wide` dimensions, a multiple of 16. */
inline float SumSquaresSse(const float* q, const uint8_t* c, const float* step, size_t wide) {
  const __m128i zero = _mm_setzero_si128();
  __m128 acc0 = _mm_setzero_ps(), acc1 = _mm_setzero_ps(), acc2 = _mm_setzero_ps(), acc3 = _mm_setzero_ps();
  for (size_t d = 0; d < wide; d += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(c + d));
    const __m128i low = _mm_unpacklo_epi8(bytes, zero);
    const __m128i high = _mm_unpackhi_epi8(bytes, zero);
    const __m128 c0 = _mm_cvtepi32_ps(_mm_unpacklo_epi16(low, zero));
    const __m128 c1 = _mm_cvtepi32_ps(_mm_unpackhi_epi16(low, zero));
    const __m128 c2 = _mm_cvtepi32_ps(_mm_unpacklo_epi16(high, zero));
    const __m128 c3 = _mm_cvtepi32_ps(_mm_unpackhi_epi16(high, zero));
    const __m128 d0 = _mm_sub_ps(_mm_loadu_ps(q + d), _mm_mul_ps(_mm_loadu_ps(step + d), c0));
    const __m128 d1 = _mm_sub_ps(_mm_loadu_ps(q + d + 4), _mm_mul_ps(_mm_loadu_ps(step + d + 4), c1));
    const __m128 d2 = _mm_sub_ps(_mm_loadu_ps(q + d + 8), _mm_mul_ps(_mm_loadu_ps(step + d + 8), c2));
    const __m128 d3 = _mm_sub_ps(_mm_loadu_ps(q + d + 12), _mm_mul_ps(_mm_loadu_ps(step + d + 12), c3));
    acc0 = _mm_add_ps(acc0, _mm_mul_ps(d0, d0));
    acc1 = _mm_add_ps(acc1, _mm_mul_ps(d1, d1));
    acc2 = _mm_add_ps(acc2, _mm_mul_ps(d2, d2));
    acc3 = _mm_add_ps(acc3, _mm_mul_ps(d3, d3));
  }
  float lanes[4];
  _mm_storeu_ps(lanes, _mm_add_ps(_mm_add_ps(acc0, acc1), _mm_add_ps(acc2, acc3)));
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}
#endif

#if defined(OSSV_INT8_AVX2)
/**
 * The same sum eight dimensions a step with AVX2, compiled for AVX2 alone (the addon is built for the
 * x86-64 baseline, SSE2) and chosen at run time when the CPU has it: about twice the SSE2 rate.
 * No fused multiply-adds, so it rounds as the SSE2 loop does lane by lane.
 */
__attribute__((target("avx2"))) inline float SumSquaresAvx2(const float* q, const uint8_t* c, const float* step, size_t wide) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  for (size_t d = 0; d < wide; d += 16) {
    const __m256 c0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(c + d))));
    const __m256 c1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(c + d + 8))));
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(q + d), _mm256_mul_ps(_mm256_loadu_ps(step + d), c0));
    const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(q + d + 8), _mm256_mul_ps(_mm256_loadu_ps(step + d + 8), c1));
    acc0 = _mm256_add_ps(acc0, _mm256_mul_ps(d0, d0));
    acc1 = _mm256_add_ps(acc1, _mm256_mul_ps(d1, d1));
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, _mm256_add_ps(acc0, acc1));
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

inline bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

class Int8Space : public hnswlib::SpaceInterface<float> {
 public:
  Int8Space(size_t dim, bool unit) {
    params_.dim = dim;
    params_.unit = unit;
    params_.low.assign(dim, 0.0f);
    params_.step.assign(dim, 1.0f);
  }

  size_t get_data_size() override { return params_.dim; }
  hnswlib::DISTFUNC<float> get_dist_func() override {
#if defined(OSSV_INT8_AVX2)
    if (HasAvx2()) return &DistanceAvx2;
#endif
    return &Distance;
  }
  void* get_dist_func_param() override { return &params_; }

  Int8Params& params() { return params_; }
  const Int8Params& params() const { return params_; }

  /** `query` as the distance takes it: normalised when the codes are of unit vectors, low subtracted. */
  void PrepareQuery(float* query) const {
    const size_t dim = params_.dim;
    if (params_.unit) {
      // In double, as the codes' unit vectors were made (int8-graph.cc): a tiny query still has a direction.
      double sum = 0;
      for (size_t d = 0; d < dim; d++) sum += static_cast<double>(query[d]) * query[d];
      const double scale = sum > 0 ? 1.0 / std::sqrt(sum) : 0.0;
      for (size_t d = 0; d < dim; d++) query[d] = static_cast<float>(query[d] * scale);
    }
    for (size_t d = 0; d < dim; d++) query[d] -= params_.low[d];
  }

  /** The code of `value` on dimension `d`. */
  uint8_t Encode(float value, size_t d) const {
    const float place = std::round((value - params_.low[d]) / params_.step[d]);
    return static_cast<uint8_t>(place < 0.0f ? 0.0f : place > 255.0f ? 255.0f : place);
  }

  /** The distance of a prepared query to an element's codes (hnswlib calls it with the query first). */
  static float Distance(const void* query, const void* codes, const void* param) {
    const Int8Params& p = *static_cast<const Int8Params*>(param);
    const float* q = static_cast<const float*>(query);
    const uint8_t* c = static_cast<const uint8_t*>(codes);
    const float* step = p.step.data();
    size_t d = 0;
    float sum = 0.0f;
#if defined(__SSE2__)
    // 16 codes a step, widened to four vectors of four floats. The compiler will not vectorise the
    // plain loop below (a float sum may not be reordered without -ffast-math), and scalar it took
    // four times as long as hnswlib's SSE kernel over the floats, which made int8 graphs slower.
    sum = SumSquaresSse(q, c, step, p.dim & ~static_cast<size_t>(15));
    d = p.dim & ~static_cast<size_t>(15);
#endif
    return sum + SumSquaresTail(q, c, step, d, p.dim);
  }

#if defined(OSSV_INT8_AVX2)
  static float DistanceAvx2(const void* query, const void* codes, const void* param) {
    const Int8Params& p = *static_cast<const Int8Params*>(param);
    const float* q = static_cast<const float*>(query);
    const uint8_t* c = static_cast<const uint8_t*>(codes);
    const size_t wide = p.dim & ~static_cast<size_t>(15);
    return SumSquaresAvx2(q, c, p.step.data(), wide) + SumSquaresTail(q, c, p.step.data(), wide, p.dim);
  }
#endif

  /** The scalar sum over dimensions [from, dim). */
  static float SumSquaresTail(const float* q, const uint8_t* c, const float* step, size_t from, size_t dim) {
    float sum = 0.0f;
    for (size_t d = from; d < dim; d++) {
      const float diff = q[d] - step[d] * static_cast<float>(c[d]);
      sum += diff * diff;
    }
    return sum;
  }

 private:
  Int8Params params_;
};

}  // namespace ossv
