#include "int8-graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace ossv {
namespace {

/**
 * Element i's vector as the codes describe it: as stored, or scaled to unit length for cosine. The
 * stored "cosine" vectors are unit already, but not always exactly (a subnormal vector's norm
 * underflows when hnswlib normalises it in float), so the scale is computed again, in double.
 */
class SourceVectors {
 public:
  SourceVectors(const ParsedGraph& graph, size_t dim, bool unit) : graph_(graph), dim_(dim), row_(dim) {
    if (!unit) return;
    std::vector<double> scales(graph.header.count);
    for (size_t i = 0; i < scales.size(); i++) {
      const float* vector = Load(i);  // as stored: the scales are not set yet
      double sum = 0;
      for (size_t d = 0; d < dim; d++) sum += static_cast<double>(vector[d]) * vector[d];
      scales[i] = sum > 0 ? 1.0 / std::sqrt(sum) : 0.0;
    }
    scales_ = std::move(scales);
  }

  /**
   * Element i's values, as the codes describe them. Valid until the next call: they are copied out,
   * since the bytes may sit at any alignment inside the segment object.
   */
  const float* Load(size_t i) {
    std::memcpy(row_.data(), graph_.Element(i) + graph_.header.offsetData, dim_ * sizeof(float));
    if (!scales_.empty()) {
      for (size_t d = 0; d < dim_; d++) row_[d] = static_cast<float>(row_[d] * scales_[i]);
    }
    return row_.data();
  }

 private:
  const ParsedGraph& graph_;
  size_t dim_;
  std::vector<float> row_;
  /** Per element 1 / |v| for unit vectors; empty when the codes are of the vectors as stored. */
  std::vector<double> scales_;
};

/** Each dimension's range over the elements, cut into 255 steps (a flat dimension gets step 1). */
void SetRanges(SourceVectors& source, size_t count, Int8Params& p) {
  std::vector<float> high(p.dim, -std::numeric_limits<float>::infinity());
  std::fill(p.low.begin(), p.low.end(), std::numeric_limits<float>::infinity());
  for (size_t i = 0; i < count; i++) {
    const float* vector = source.Load(i);
    for (size_t d = 0; d < p.dim; d++) {
      const float value = vector[d];
      p.low[d] = std::min(p.low[d], value);
      high[d] = std::max(high[d], value);
    }
  }
  for (size_t d = 0; d < p.dim; d++) {
    if (count == 0) p.low[d] = 0.0f;
    const float range = count == 0 ? 0.0f : high[d] - p.low[d];
    p.step[d] = range > 0.0f && std::isfinite(range) ? range / 255.0f : 1.0f;
  }
}

}  // namespace

std::unique_ptr<Graph> ReadCodes(const uint8_t* bytes, size_t length, Int8Space& space) {
  Int8Params& p = space.params();
  const ParsedGraph parsed = ParseGraph(bytes, length, p.dim * sizeof(float));
  const GraphHeader& h = parsed.header;
  const size_t count = h.count;
  SourceVectors source(parsed, p.dim, p.unit);
  SetRanges(source, count, p);
  const bool idsAreLabels = LabelsAreIds(parsed);

  auto g = std::make_unique<Graph>(&space);
  // A graph of codes is searched and marked only.
  LayOutFrozen(*g, parsed, &space, p.dim);
  g->data_level0_memory_ = static_cast<char*>(Allocate(g->max_elements_ * g->size_data_per_element_));
  for (size_t i = 0; i < count; i++) {
    const uint8_t* element = parsed.Element(i);
    char* to = g->data_level0_memory_ + i * g->size_data_per_element_;
    std::memcpy(to, element, h.offsetData);  // the level-0 links and the deletion mark
    uint8_t* codes = reinterpret_cast<uint8_t*>(to + g->offsetData_);
    const float* vector = source.Load(i);
    for (size_t d = 0; d < p.dim; d++) codes[d] = space.Encode(vector[d], d);
    std::memcpy(to + g->label_offset_, element + h.labelOffset, sizeof(hnswlib::labeltype));
    AdoptElement(*g, parsed, i, idsAreLabels);
  }
  return g;
}

}  // namespace ossv
