// The engine's exact scoring arithmetic in C++: double precision, four accumulators, then
// (s0 + s1) + (s2 + s3), exactly as the engine's JavaScript kernel (search-kernel.ts) adds them. Every
// native scorer (a graph's vectors, a segment file's) uses these, so a row scores bit for bit the same
// whichever side computes it (-ffp-contract=off in binding.gyp).
#pragma once

#include <cstddef>

namespace ossv {

/** sum of a[i] * q[i] in double. */
inline double DotDouble(const float* a, const double* q, size_t dim) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 3 < dim; i += 4) {
    s0 += static_cast<double>(a[i]) * q[i];
    s1 += static_cast<double>(a[i + 1]) * q[i + 1];
    s2 += static_cast<double>(a[i + 2]) * q[i + 2];
    s3 += static_cast<double>(a[i + 3]) * q[i + 3];
  }
  for (; i < dim; i++) s0 += static_cast<double>(a[i]) * q[i];
  return (s0 + s1) + (s2 + s3);
}

/** sum of (a[i] - q[i])^2 in double, in the same order. */
inline double SquaredDistance(const float* a, const double* q, size_t dim) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 3 < dim; i += 4) {
    const double d0 = a[i] - q[i], d1 = a[i + 1] - q[i + 1], d2 = a[i + 2] - q[i + 2], d3 = a[i + 3] - q[i + 3];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < dim; i++) {
    const double d = a[i] - q[i];
    s0 += d * d;
  }
  return (s0 + s1) + (s2 + s3);
}

/** The row's dot product with the query, or its squared L2 distance when `euclidean`. */
inline double ScoreRow(const float* row, const double* query, size_t dim, bool euclidean) {
  return euclidean ? SquaredDistance(row, query, dim) : DotDouble(row, query, dim);
}

}  // namespace ossv
