#include "int8-graph.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <vector>

namespace ossv {
namespace {

void* Allocate(size_t size) {
  void* memory = std::malloc(size == 0 ? 1 : size);
  if (memory == nullptr) throw std::bad_alloc();
  return memory;
}

/**
 * Element i's vector as the codes describe it: as stored, or scaled to unit length ("cosine-raw"). The
 * scale is computed in double: the stored inverse norm of a subnormal vector overflows a float.
 */
class SourceVectors {
 public:
  SourceVectors(const Graph& g, size_t dim, bool unit) : g_(g) {
    if (!unit) return;
    scales_.resize(g.cur_element_count);
    for (size_t i = 0; i < scales_.size(); i++) {
      double sum = 0;
      for (size_t d = 0; d < dim; d++) sum += static_cast<double>(Vector(i)[d]) * Vector(i)[d];
      scales_[i] = sum > 0 ? 1.0 / std::sqrt(sum) : 0.0;
    }
  }

  /** Element i's value on dimension d. */
  float At(size_t i, size_t d) const {
    const float value = Vector(i)[d];
    return scales_.empty() ? value : static_cast<float>(value * scales_[i]);
  }

 private:
  const float* Vector(size_t i) const {
    return reinterpret_cast<const float*>(g_.data_level0_memory_ + i * g_.size_data_per_element_ + g_.offsetData_);
  }

  const Graph& g_;
  /** Per element 1 / |v| for unit vectors; empty when the codes are of the vectors as stored. */
  std::vector<double> scales_;
};

/** Each dimension's range over the elements, cut into 255 steps (a flat dimension gets step 1). */
void SetRanges(const SourceVectors& source, size_t count, Int8Params& p) {
  std::vector<float> high(p.dim, -std::numeric_limits<float>::infinity());
  std::fill(p.low.begin(), p.low.end(), std::numeric_limits<float>::infinity());
  for (size_t i = 0; i < count; i++) {
    for (size_t d = 0; d < p.dim; d++) {
      const float value = source.At(i, d);
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

std::unique_ptr<Graph> CompactGraph(const Graph& from, Int8Space& space) {
  Int8Params& p = space.params();
  const size_t count = from.cur_element_count;
  const SourceVectors source(from, p.dim, p.unit);
  SetRanges(source, count, p);

  auto g = std::make_unique<Graph>(&space);
  const size_t capacity = std::max<size_t>(count, 1);
  g->offsetLevel0_ = 0;
  g->max_elements_ = capacity;
  g->size_links_level0_ = from.size_links_level0_;
  g->size_links_per_element_ = from.size_links_per_element_;
  g->offsetData_ = from.offsetData_;
  g->label_offset_ = from.offsetData_ + p.dim;
  g->size_data_per_element_ = g->label_offset_ + sizeof(hnswlib::labeltype);
  g->maxlevel_ = from.maxlevel_;
  g->enterpoint_node_ = from.enterpoint_node_;
  g->maxM_ = from.maxM_;
  g->maxM0_ = from.maxM0_;
  g->M_ = from.M_;
  g->mult_ = from.mult_;
  g->revSize_ = from.revSize_;
  g->ef_construction_ = from.ef_construction_;
  g->ef_ = from.ef_;
  g->data_size_ = space.get_data_size();
  g->fstdistfunc_ = space.get_dist_func();
  g->dist_func_param_ = space.get_dist_func_param();
  // No insertion locks, as in a frozen graph: a compacted graph is searched and marked only.
  std::vector<std::mutex>().swap(g->link_list_locks_);
  std::vector<std::mutex>().swap(g->label_op_locks_);
  g->visited_list_pool_.reset(new hnswlib::VisitedListPool(1, static_cast<int>(capacity)));
  g->element_levels_ = std::vector<int>(capacity);
  g->data_level0_memory_ = static_cast<char*>(Allocate(capacity * g->size_data_per_element_));
  g->linkLists_ = static_cast<char**>(std::calloc(capacity, sizeof(char*)));
  if (g->linkLists_ == nullptr) throw std::bad_alloc();
  for (size_t i = 0; i < count; i++) {
    const char* element = from.data_level0_memory_ + i * from.size_data_per_element_;
    char* to = g->data_level0_memory_ + i * g->size_data_per_element_;
    std::memcpy(to, element, from.size_links_level0_);  // the level-0 links and the deletion mark
    uint8_t* codes = reinterpret_cast<uint8_t*>(to + g->offsetData_);
    for (size_t d = 0; d < p.dim; d++) codes[d] = space.Encode(source.At(i, d), d);
    std::memcpy(to + g->label_offset_, element + from.label_offset_, sizeof(hnswlib::labeltype));
    const int level = from.element_levels_[i];
    if (level > 0) {
      const size_t size = level * from.size_links_per_element_;
      g->linkLists_[i] = static_cast<char*>(Allocate(size));
      std::memcpy(g->linkLists_[i], from.linkLists_[i], size);
      g->element_levels_[i] = level;
    }
    // Set as elements are filled: the destructor frees the upper lists of the first count elements.
    g->cur_element_count = i + 1;
  }
  g->label_lookup_ = from.label_lookup_;
  g->num_deleted_ = from.num_deleted_.load();
  return g;
}

}  // namespace ossv
