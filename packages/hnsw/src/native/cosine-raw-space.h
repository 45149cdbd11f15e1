// A cosine space over vectors kept as they were given. hnswlib's own cosine space stores each vector
// normalised to unit length, so the original values are lost and the engine had to keep a second,
// float32 copy of every vector beside the graph. Here an element is the original vector followed by
// one float, the inverse of its norm (0 for a zero vector), and the distance is
// 1 - dot(a, b) * inv(a) * inv(b): one dot product, as in hnswlib's space, plus two multiplications.
// A query is laid out the same way before it reaches the graph (HnswIndex::VectorArg). Serialised,
// such a graph is exactly an hnswlib "cosine" graph (graph-bytes.h): the layout is in memory only.
#pragma once

#include <cmath>
#include <cstddef>

#include "hnswlib.h"

namespace ossv {

/** dot(a, b) over `dim` floats with hnswlib's kernels (SSE or AVX where it compiled them). */
inline float Dot(const void* a, const void* b, size_t dim) {
#if defined(USE_SSE) || defined(USE_AVX) || defined(USE_AVX512)
  const size_t wide = dim % 16 == 0 || dim > 16 ? dim >> 4 << 4 : dim >> 2 << 2;
  float sum = 0.0f;
  if (wide > 0) {
    sum = dim % 16 == 0 || dim > 16 ? hnswlib::InnerProductSIMD16Ext(a, b, &wide) : hnswlib::InnerProductSIMD4Ext(a, b, &wide);
  }
  const size_t rest = dim - wide;
  if (rest > 0) sum += hnswlib::InnerProduct(static_cast<const float*>(a) + wide, static_cast<const float*>(b) + wide, &rest);
  return sum;
#else
  return hnswlib::InnerProduct(a, b, &dim);
#endif
}

/**
 * `in` scaled to unit length into `out`, in float as hnswlib's cosine space does on insert (a zero
 * vector stays zero): the graph bytes of a "cosine-raw" graph are what that space would have stored.
 */
inline void NormaliseInto(const float* in, float* out, size_t dim) {
  float sum = 0.0f;
  for (size_t i = 0; i < dim; i++) sum += in[i] * in[i];
  const float norm = std::sqrt(std::fabs(sum));
  for (size_t i = 0; i < dim; i++) out[i] = norm > 0.0f ? in[i] / norm : in[i];
}

/** The float stored after a vector: 1 / |v| computed in double, or 0 when v is zero. */
inline float InverseNorm(const float* vector, size_t dim) {
  double sum = 0;
  for (size_t i = 0; i < dim; i++) sum += static_cast<double>(vector[i]) * vector[i];
  return sum > 0 ? static_cast<float>(1.0 / std::sqrt(sum)) : 0.0f;
}

class CosineRawSpace : public hnswlib::SpaceInterface<float> {
 public:
  explicit CosineRawSpace(size_t dim) : dim_(dim) {
    // hnswlib's InnerProductSpace picks the AVX kernels into its shared function pointers when the
    // CPU has them; constructing one here makes Dot use the same choice.
    hnswlib::InnerProductSpace pick(dim);
    (void)pick;
  }

  size_t get_data_size() override { return (dim_ + 1) * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return &Distance; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  static float Distance(const void* a, const void* b, const void* param) {
    const size_t dim = *static_cast<const size_t*>(param);
    const float inverseA = static_cast<const float*>(a)[dim];
    const float inverseB = static_cast<const float*>(b)[dim];
    return 1.0f - Dot(a, b, dim) * inverseA * inverseB;
  }

  size_t dim_;
};

}  // namespace ossv
