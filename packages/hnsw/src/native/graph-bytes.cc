// The field order and widths below are hnswlib's saveIndex/loadIndex (hnswalg.h), the format every
// stored segment already uses. Reading is stricter than hnswlib's loadIndex, which checks only the
// total length: graph bytes come from files on disk and object stores, so a damaged graph must be an
// error, not a search that follows a link past the end of an array.
#include "graph-bytes.h"

#include "cosine-raw-space.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace ossv {
namespace {

using hnswlib::linklistsizeint;
using hnswlib::tableint;

/** saveIndex's header: eleven size_t/double fields, an int and a 32-bit id. */
constexpr size_t kHeaderBytes = 11 * 8 + 4 + 4;
static_assert(sizeof(GraphHeader) == kHeaderBytes, "the header struct has no padding");

/** Largest element count: element ids are 32-bit, and hnswlib's visited lists take an int size. */
constexpr size_t kMaxElements = std::numeric_limits<int>::max();
/** hnswlib caps M at 10000; a level-0 list's size must also fit its 16-bit count. */
constexpr size_t kMaxM = 10000;
constexpr size_t kMaxEfConstruction = 1 << 20;
constexpr size_t kMaxHeadroom = 1 << 16;

[[noreturn]] void Damaged(const std::string& what) { throw std::invalid_argument("graph bytes are damaged: " + what); }

class Reader {
 public:
  Reader(const uint8_t* bytes, size_t length) : at_(bytes), left_(length) {}

  template <typename T>
  T Read() {
    T value;
    std::memcpy(&value, Take(sizeof(T)), sizeof(T));
    return value;
  }

  const uint8_t* Take(size_t size) {
    if (size > left_) Damaged("they end early");
    const uint8_t* start = at_;
    at_ += size;
    left_ -= size;
    return start;
  }

  size_t left() const { return left_; }

 private:
  const uint8_t* at_;
  size_t left_;
};

class Writer {
 public:
  explicit Writer(uint8_t* out) : at_(out) {}

  template <typename T>
  void Write(const T& value) {
    Put(&value, sizeof(T));
  }

  void Put(const void* data, size_t size) {
    if (size == 0) return;
    std::memcpy(at_, data, size);
    at_ += size;
  }

 private:
  uint8_t* at_;
};

GraphHeader ReadHeader(Reader& in) {
  GraphHeader h;
  h.offsetLevel0 = in.Read<size_t>();
  h.maxElements = in.Read<size_t>();
  h.count = in.Read<size_t>();
  h.sizeDataPerElement = in.Read<size_t>();
  h.labelOffset = in.Read<size_t>();
  h.offsetData = in.Read<size_t>();
  h.maxLevel = in.Read<int>();
  h.enterPoint = in.Read<tableint>();
  h.maxM = in.Read<size_t>();
  h.maxM0 = in.Read<size_t>();
  h.M = in.Read<size_t>();
  h.mult = in.Read<double>();
  h.efConstruction = in.Read<size_t>();
  return h;
}

/** The header's sizes must be the ones hnswlib's constructor derives from M and the space. */
void CheckHeader(const GraphHeader& h, size_t dataSize) {
  if (h.M < 2 || h.M > kMaxM || h.maxM != h.M || h.maxM0 != 2 * h.M) Damaged("bad M");
  const double mult = 1 / std::log(1.0 * h.M);
  if (!(std::fabs(h.mult - mult) <= 1e-12 * mult)) Damaged("level multiplier does not match M");
  if (h.efConstruction < h.M || h.efConstruction > kMaxEfConstruction) Damaged("bad efConstruction");
  const size_t links0 = h.maxM0 * sizeof(tableint) + sizeof(linklistsizeint);
  if (h.offsetLevel0 != 0 || h.offsetData != links0 || h.labelOffset != links0 + dataSize ||
      h.sizeDataPerElement != h.labelOffset + sizeof(hnswlib::labeltype)) {
    Damaged("element layout does not match the dimension");
  }
  if (h.count > h.maxElements || h.maxElements > kMaxElements) Damaged("bad element counts");
  // The loader allocates (and hnswlib touches) per-element state for the whole capacity, so a damaged
  // header must not ask for far more than the bytes describe. ossv writes graphs at capacity = count,
  // hnswlib users usually with some headroom; more than this much is taken for damage.
  if (h.maxElements > 2 * h.count + kMaxHeadroom) Damaged("capacity is far above the element count");
  if (h.count == 0 ? h.maxLevel != -1 : (h.maxLevel < 0 || h.enterPoint >= h.count)) Damaged("bad entry point");
}

uint16_t ListCount(const uint8_t* list) {
  uint16_t count;
  std::memcpy(&count, list, sizeof(count));
  return count;
}

/** Every link names an element that exists and reaches the link's level. */
void CheckList(const uint8_t* list, size_t maxCount, int level, const std::vector<int>& levels) {
  const size_t count = ListCount(list);
  if (count > maxCount) Damaged("a link list is longer than M allows");
  for (size_t i = 0; i < count; i++) {
    tableint neighbour;
    std::memcpy(&neighbour, list + sizeof(linklistsizeint) + i * sizeof(tableint), sizeof(neighbour));
    if (neighbour >= levels.size() || levels[neighbour] < level) Damaged("a link points at no element of its level");
  }
}

void ReadUpperLists(Reader& in, size_t linksPerLevel, ParsedGraph& upper) {
  const GraphHeader& h = upper.header;
  upper.levels.resize(h.count);
  upper.upperStarts.resize(h.count);
  for (size_t i = 0; i < h.count; i++) {
    const uint32_t size = in.Read<uint32_t>();
    if (size % linksPerLevel != 0) Damaged("an upper link list has a partial level");
    const size_t level = size / linksPerLevel;
    if (level > static_cast<size_t>(h.maxLevel)) Damaged("an element is above the top level");
    upper.levels[i] = static_cast<int>(level);
    upper.upperStarts[i] = in.Take(size);
  }
  if (in.left() != 0) Damaged("bytes follow the last link list");
  if (h.count > 0 && upper.levels[h.enterPoint] != h.maxLevel) Damaged("the entry point is not on the top level");
}

/** Every element's label names a row of the originals. */
void CheckOriginals(const ParsedGraph& parsed, const CosineRawBytes& raw) {
  for (size_t i = 0; i < parsed.header.count; i++) {
    if (parsed.Label(i) >= raw.rows) Damaged("an element's label is past the rows given");
  }
}

void CheckLinks(const ParsedGraph& parsed, size_t linksPerLevel) {
  const GraphHeader& h = parsed.header;
  for (size_t i = 0; i < h.count; i++) {
    CheckList(parsed.Element(i), h.maxM0, 0, parsed.levels);
    for (int level = 1; level <= parsed.levels[i]; level++) {
      CheckList(parsed.upperStarts[i] + (level - 1) * linksPerLevel, h.maxM, level, parsed.levels);
    }
  }
}

/**
 * Copies the elements of the bytes into the graph's memory: as they are, or widened for "cosine-raw"
 * (links, then the original vector and its inverse norm in place of the unit vector, then the label).
 */
void FillLevel0(char* memory, const ParsedGraph& parsed, const CosineRawBytes* raw) {
  const GraphHeader& h = parsed.header;
  if (raw == nullptr) {
    std::memcpy(memory, parsed.level0, h.count * h.sizeDataPerElement);
    return;
  }
  const size_t size = h.sizeDataPerElement + sizeof(float);
  for (size_t i = 0; i < h.count; i++) {
    char* to = memory + i * size;
    std::memcpy(to, parsed.Element(i), h.offsetData);
    const hnswlib::labeltype label = parsed.Label(i);
    float* vector = reinterpret_cast<float*>(to + h.offsetData);
    std::memcpy(vector, raw->originals + label * raw->dimension, raw->dimension * sizeof(float));
    vector[raw->dimension] = InverseNorm(vector, raw->dimension);
    std::memcpy(to + h.labelOffset + sizeof(float), &label, sizeof(label));
  }
}

/** Fills a graph made by hnswlib's loading constructor, as loadIndex would from the same bytes. */
void Fill(Graph& g, const ParsedGraph& parsed, size_t capacity, hnswlib::SpaceInterface<float>* space, const CosineRawBytes* raw) {
  const GraphHeader& h = parsed.header;
  SetLayout(g, h, space, capacity, space->get_data_size());
  std::vector<std::mutex>(capacity).swap(g.link_list_locks_);
  std::vector<std::mutex>(Graph::MAX_LABEL_OPERATION_LOCKS).swap(g.label_op_locks_);
  g.visited_list_pool_.reset(new hnswlib::VisitedListPool(1, static_cast<int>(capacity)));
  // Sized before the count is set: the destructor frees the upper lists of elements with a level
  // above 0, and those are set only once their list is allocated.
  g.element_levels_ = std::vector<int>(capacity);
  g.data_level0_memory_ = static_cast<char*>(Allocate(capacity * g.size_data_per_element_));
  FillLevel0(g.data_level0_memory_, parsed, raw);
  g.linkLists_ = static_cast<char**>(std::calloc(capacity == 0 ? 1 : capacity, sizeof(char*)));
  if (g.linkLists_ == nullptr) throw std::bad_alloc();
  g.cur_element_count = h.count;
  for (size_t i = 0; i < h.count; i++) {
    CopyUpperLists(g, parsed, i);
    g.label_lookup_[g.getExternalLabel(i)] = i;
    if (g.isMarkedDeleted(i)) g.num_deleted_ += 1;
  }
}

}  // namespace

size_t SerializedSize(const Graph& g, size_t cosineRawDimension) {
  const size_t narrow = cosineRawDimension == 0 ? 0 : sizeof(float);
  size_t size = kHeaderBytes + g.cur_element_count * (g.size_data_per_element_ - narrow);
  for (size_t i = 0; i < g.cur_element_count; i++) {
    size += sizeof(uint32_t) + g.size_links_per_element_ * g.element_levels_[i];
  }
  return size;
}

/** Level 0 as hnswlib's "cosine" bytes: per element its links, its vector normalised, its label. */
void WriteCosineLevel0(const Graph& g, Writer& w, size_t dimension) {
  std::vector<float> unit(dimension);
  for (size_t i = 0; i < g.cur_element_count; i++) {
    const char* element = g.data_level0_memory_ + i * g.size_data_per_element_;
    w.Put(element, g.offsetData_);
    NormaliseInto(reinterpret_cast<const float*>(element + g.offsetData_), unit.data(), dimension);
    w.Put(unit.data(), dimension * sizeof(float));
    w.Put(element + g.label_offset_, sizeof(hnswlib::labeltype));
  }
}

void WriteGraph(const Graph& g, uint8_t* out, size_t cosineRawDimension) {
  Writer w(out);
  const size_t count = g.cur_element_count;
  const size_t narrow = cosineRawDimension == 0 ? 0 : sizeof(float);
  w.Write(g.offsetLevel0_);
  w.Write(g.max_elements_);
  w.Write(count);
  w.Write(g.size_data_per_element_ - narrow);
  w.Write(g.label_offset_ - narrow);
  w.Write(g.offsetData_);
  w.Write(g.maxlevel_);
  w.Write(g.enterpoint_node_);
  w.Write(g.maxM_);
  w.Write(g.maxM0_);
  w.Write(g.M_);
  w.Write(g.mult_);
  w.Write(g.ef_construction_);
  if (narrow == 0) {
    w.Put(g.data_level0_memory_, count * g.size_data_per_element_);
  } else {
    WriteCosineLevel0(g, w, cosineRawDimension);
  }
  for (size_t i = 0; i < count; i++) {
    const uint32_t size = g.element_levels_[i] > 0 ? g.size_links_per_element_ * g.element_levels_[i] : 0;
    w.Write(size);
    if (size > 0) w.Put(g.linkLists_[i], size);
  }
}

void* Allocate(size_t size) {
  void* memory = std::malloc(size == 0 ? 1 : size);
  if (memory == nullptr) throw std::bad_alloc();
  return memory;
}

void SetLayout(Graph& g, const GraphHeader& h, hnswlib::SpaceInterface<float>* space, size_t capacity, size_t dataBytes) {
  g.offsetLevel0_ = h.offsetLevel0;
  g.max_elements_ = capacity;
  g.offsetData_ = h.offsetData;
  g.label_offset_ = h.offsetData + dataBytes;
  g.size_data_per_element_ = g.label_offset_ + sizeof(hnswlib::labeltype);
  g.maxlevel_ = h.maxLevel;
  g.enterpoint_node_ = h.enterPoint;
  g.maxM_ = h.maxM;
  g.maxM0_ = h.maxM0;
  g.M_ = h.M;
  g.mult_ = h.mult;
  g.revSize_ = 1.0 / h.mult;
  g.ef_construction_ = h.efConstruction;
  g.ef_ = 10;
  g.data_size_ = space->get_data_size();
  g.fstdistfunc_ = space->get_dist_func();
  g.dist_func_param_ = space->get_dist_func_param();
  g.size_links_level0_ = h.offsetData;
  g.size_links_per_element_ = h.maxM * sizeof(tableint) + sizeof(linklistsizeint);
}

void CopyUpperLists(Graph& g, const ParsedGraph& parsed, size_t i) {
  const int level = parsed.levels[i];
  if (level == 0) return;
  const size_t size = level * g.size_links_per_element_;
  g.linkLists_[i] = static_cast<char*>(Allocate(size));
  std::memcpy(g.linkLists_[i], parsed.upperStarts[i], size);
  g.element_levels_[i] = level;
}

void LayOutFrozen(Graph& g, const ParsedGraph& parsed, hnswlib::SpaceInterface<float>* space, size_t dataBytes) {
  const size_t capacity = std::max<size_t>(parsed.header.count, 1);
  SetLayout(g, parsed.header, space, capacity, dataBytes);
  std::vector<std::mutex>().swap(g.link_list_locks_);
  std::vector<std::mutex>().swap(g.label_op_locks_);
  g.visited_list_pool_.reset(new hnswlib::VisitedListPool(1, static_cast<int>(capacity)));
  g.element_levels_ = std::vector<int>(capacity);
  g.linkLists_ = static_cast<char**>(std::calloc(capacity, sizeof(char*)));
  if (g.linkLists_ == nullptr) throw std::bad_alloc();
}

void AdoptElement(Graph& g, const ParsedGraph& parsed, size_t i, bool idsAreLabels) {
  CopyUpperLists(g, parsed, i);
  // Set as elements are adopted: the destructor frees the upper lists of the first count elements.
  g.cur_element_count = i + 1;
  const auto id = static_cast<tableint>(i);
  // A map from label to element only when they differ: the engine's labels are element numbers.
  if (!idsAreLabels) g.label_lookup_[g.getExternalLabel(id)] = id;
  if (g.isMarkedDeleted(id)) g.num_deleted_ += 1;
}

bool LabelsAreIds(const ParsedGraph& parsed) {
  for (size_t i = 0; i < parsed.header.count; i++) {
    if (parsed.Label(i) != i) return false;
  }
  return true;
}

ParsedGraph ParseGraph(const uint8_t* bytes, size_t length, size_t dataSize) {
  Reader in(bytes, length);
  ParsedGraph parsed;
  const GraphHeader& h = parsed.header = ReadHeader(in);
  CheckHeader(h, dataSize);
  if (h.count > in.left() / h.sizeDataPerElement) Damaged("they end early");
  parsed.level0 = in.Take(h.count * h.sizeDataPerElement);
  const size_t linksPerLevel = h.maxM * sizeof(tableint) + sizeof(linklistsizeint);
  ReadUpperLists(in, linksPerLevel, parsed);
  CheckLinks(parsed, linksPerLevel);
  return parsed;
}

std::unique_ptr<Graph> ReadGraph(const uint8_t* bytes, size_t length, hnswlib::SpaceInterface<float>* space,
                                 size_t minCapacity, const CosineRawBytes* cosineRaw) {
  const ParsedGraph parsed = ParseGraph(bytes, length, space->get_data_size() - (cosineRaw == nullptr ? 0 : sizeof(float)));
  const GraphHeader& h = parsed.header;
  if (cosineRaw != nullptr) CheckOriginals(parsed, *cosineRaw);
  const size_t capacity = std::max(h.maxElements, minCapacity);
  if (capacity > kMaxElements) throw std::invalid_argument("capacity is above the largest graph hnswlib can hold");
  // The loading constructor leaves the level generator at its default seed, as loadIndex does: a
  // graph extended after loading then draws the same levels on either side.
  auto graph = std::make_unique<Graph>(space);
  Fill(*graph, parsed, capacity, space, cosineRaw);
  return graph;
}

size_t ResidentBytes(const Graph& g) {
  size_t bytes = sizeof(Graph) + g.max_elements_ * (g.size_data_per_element_ + sizeof(char*));
  for (size_t i = 0; i < g.cur_element_count; i++) bytes += g.size_links_per_element_ * g.element_levels_[i];
  bytes += g.element_levels_.capacity() * sizeof(int);
  bytes += (g.link_list_locks_.size() + g.label_op_locks_.size()) * sizeof(std::mutex);
  // One visited list (a 16-bit tag per element): searches run one at a time per graph.
  bytes += g.max_elements_ * sizeof(hnswlib::vl_type);
  // libstdc++'s unordered_map: a bucket pointer each, a 24-byte node (next, key, value) per label,
  // which glibc's malloc rounds to a 32-byte chunk.
  bytes += g.label_lookup_.bucket_count() * sizeof(void*) + g.label_lookup_.size() * 32;
  return bytes;
}

}  // namespace ossv
