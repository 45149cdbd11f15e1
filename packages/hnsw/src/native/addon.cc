// ossv's binding over hnswlib's HierarchicalNSW<float> (the JS side: src/index.js). What it adds over
// hnswlib-node's binding, which the engine used before (docs/ann-choice.md): graph bytes serialised to
// and loaded from memory (no temp file), a row bitmap as the search filter evaluated in C++ (no call
// into JS per visited node), the beam (ef) per call, Float32Array in and out without copies to JS
// arrays, and the bytes the graph holds for memory accounting.
//
// Every entry point checks its arguments and turns hnswlib's C++ exceptions into JS errors: a bad
// call must never take the process down.
#include <napi.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "cosine-raw-space.h"
#include "graph-bytes.h"
#include "int8-graph.h"
#include "int8-space.h"
#include "mapped-graph.h"
#include "napi-args.h"
#include "row-kernels.h"
#include "vector-file.h"

namespace ossv {
namespace {

/** hnswlib's graph ids are 32-bit, and its visited lists take an int size. */
constexpr double kMaxElements = std::numeric_limits<int>::max();
/** Starts every error message the graph class throws. */
constexpr const char* kWho = "hnsw";

/** Runs `body`, turning C++ exceptions into JS errors of the same meaning. */
template <typename Body>
auto Guarded(Napi::Env env, Body body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, "hnsw: out of memory");
  } catch (const std::invalid_argument& error) {
    throw Napi::Error::New(env, std::string("hnsw: ") + error.what());
  } catch (const std::exception& error) {
    throw Napi::Error::New(env, std::string("hnsw: ") + error.what());
  }
}

/**
 * hnswlib's filter hook, reading the engine's row bitmap (one byte per row, non-zero = allowed).
 * Labels are row numbers; one past the bitmap is not allowed.
 */
class BitmapFilter : public hnswlib::BaseFilterFunctor {
 public:
  BitmapFilter(const uint8_t* bits, size_t size) : bits_(bits), size_(size) {}
  bool operator()(hnswlib::labeltype label) override { return label < size_ && bits_[label] != 0; }

 private:
  const uint8_t* bits_;
  size_t size_;
};

/** hnswlib's cosine space: vectors normalised to unit length, then compared by inner product. */
void Normalise(float* vector, size_t dimension) { NormaliseInto(vector, vector, dimension); }

class HnswIndex : public Napi::ObjectWrap<HnswIndex> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "HnswIndex",
                       {
                           InstanceMethod<&HnswIndex::Init>("init"),
                           InstanceMethod<&HnswIndex::Load>("load"),
                           InstanceMethod<&HnswIndex::LoadAsync>("loadAsync"),
                           InstanceMethod<&HnswIndex::MapAsync>("mapAsync"),
                           InstanceMethod<&HnswIndex::MappedBytesOf>("mappedBytes"),
                           InstanceMethod<&HnswIndex::AddPoint>("addPoint"),
                           InstanceMethod<&HnswIndex::Resize>("resize"),
                           InstanceMethod<&HnswIndex::MarkDelete>("markDelete"),
                           InstanceMethod<&HnswIndex::Count>("count"),
                           InstanceMethod<&HnswIndex::Capacity>("capacity"),
                           InstanceMethod<&HnswIndex::Search>("search"),
                           InstanceMethod<&HnswIndex::Serialize>("serialize"),
                           InstanceMethod<&HnswIndex::SerializeAsync>("serializeAsync"),
                           InstanceMethod<&HnswIndex::ResidentBytesOf>("residentBytes"),
                           InstanceMethod<&HnswIndex::Vectors>("vectors"),
                           InstanceMethod<&HnswIndex::Freeze>("freeze"),
                           InstanceMethod<&HnswIndex::ScoreRows>("scoreRows"),
                           InstanceMethod<&HnswIndex::ScoreCodes>("scoreCodes"),
                           InstanceMethod<&HnswIndex::Release>("release"),
                       });
  }

  explicit HnswIndex(const Napi::CallbackInfo& info) : Napi::ObjectWrap<HnswIndex>(info) {
    const Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "hnsw: space must be a string");
    const std::string space = info[0].As<Napi::String>().Utf8Value();
    dimension_ = IntegerArg(info, kWho, 1, "dimension", 1, 1 << 20);
    if (space == "l2") {
      space_ = std::make_shared<hnswlib::L2Space>(dimension_);
    } else if (space == "ip" || space == "cosine") {
      space_ = std::make_shared<hnswlib::InnerProductSpace>(dimension_);
      normalise_ = space == "cosine";
    } else if (space == "cosine-raw") {
      space_ = std::make_shared<CosineRawSpace>(dimension_);
      inverseNorm_ = true;
    } else if (space == "l2-int8" || space == "cosine-int8") {
      auto int8 = std::make_shared<Int8Space>(dimension_, space == "cosine-int8");
      int8_ = int8.get();
      space_ = std::move(int8);
    } else {
      throw Napi::RangeError::New(env, "hnsw: space must be \"l2\", \"ip\", \"cosine\", \"cosine-raw\", \"l2-int8\" or \"cosine-int8\"");
    }
  }

  void Finalize(Napi::Env env) override { ReportMemory(env, 0); }

  /** Serialisations in flight read the graph on another thread; until they end it must not change. */
  int readers_ = 0;
  /** A load in flight on another thread; until it ends the object has no graph to use. */
  bool loading_ = false;

  std::shared_ptr<Graph> sharedGraph() const { return graph_; }
  /** The dimension when graph bytes are written as hnswlib's "cosine" ones (graph-bytes.h), else 0. */
  size_t CosineRawDimension() const { return inverseNorm_ ? dimension_ : 0; }

  /**
   * Makes `graph` the object's graph: a new one, not frozen and with no view handed out yet, whose
   * level-0 elements are `mappedBytes` of a mapped file when that is not 0 (mapped-graph.h).
   */
  void Replace(Napi::Env env, std::shared_ptr<Graph> graph, size_t mappedBytes = 0) {
    graph_ = std::move(graph);
    exposed_ = false;
    frozen_ = false;
    idsAreLabels_ = false;
    mappedBytes_ = mappedBytes;
    ReportMemory(env, OwnBytes(*graph_));
  }

  /** Makes a mapped graph the object's: frozen from the start, since it is never grown. */
  void AdoptMapped(Napi::Env env, MappedGraph mapped) {
    Replace(env, std::move(mapped.graph), mapped.mappedBytes);
    FreezeGraph(env);
  }

  /** The space a graph is mapped in: hnswlib's own float spaces, whose bytes are the stored ones. */
  hnswlib::SpaceInterface<float>* MappableSpace(Napi::Env env) const {
    if (int8_ != nullptr || inverseNorm_) {
      throw Napi::Error::New(env, "hnsw: only an \"l2\", \"ip\" or \"cosine\" graph can be mapped from a file");
    }
    return space_.get();
  }

  /** What the graph holds in the process's own memory: a mapped graph's elements are the file's pages. */
  size_t OwnBytes(const Graph& g) const {
    const size_t bytes = ResidentBytes(g);
    return mappedBytes_ == 0 ? bytes : bytes - g.max_elements_ * g.size_data_per_element_;
  }

  /** Makes a loaded graph the object's: a graph of codes is frozen from the start, never grown. */
  void Adopt(Napi::Env env, std::shared_ptr<Graph> graph) {
    Replace(env, std::move(graph));
    if (int8_ != nullptr) FreezeGraph(env);
  }

  /**
   * Graph bytes read into a graph of this object's space, on whichever thread (no N-API calls): as
   * they are, or straight into codes for "l2-int8" and "cosine-int8" (int8-graph.h).
   */
  std::unique_ptr<Graph> ReadBytes(const uint8_t* bytes, size_t length, size_t minCapacity, const CosineRawBytes* raw) const {
    if (int8_ != nullptr) return ReadCodes(bytes, length, *int8_);
    return ReadGraph(bytes, length, space_.get(), minCapacity, raw);
  }

 private:
  Napi::Value Init(const Napi::CallbackInfo& info) {
    RequireUnchanging(info.Env());
    RequireFloat(info.Env(), "init");
    const size_t maxElements = IntegerArg(info, kWho, 0, "maxElements", 1, kMaxElements);
    const size_t m = IntegerArg(info, kWho, 1, "M", 2, 10000);
    const size_t efConstruction = IntegerArg(info, kWho, 2, "efConstruction", 1, 1 << 20);
    const size_t seed = IntegerArg(info, kWho, 3, "seed", 0, 9007199254740991.0);
    Replace(info.Env(), Guarded(info.Env(), [&] {
      return std::make_shared<Graph>(space_.get(), maxElements, m, efConstruction, seed);
    }));
    return info.Env().Undefined();
  }

  Napi::Value Load(const Napi::CallbackInfo& info) {
    RequireUnchanging(info.Env());
    const Napi::Uint8Array bytes = BytesArg(info);
    const size_t minCapacity = CapacityArg(info);
    const std::optional<CosineRawBytes> raw = OriginalsArg(info);
    Adopt(info.Env(), Guarded(info.Env(), [&] {
      return std::shared_ptr<Graph>(ReadBytes(bytes.Data(), bytes.ByteLength(), minCapacity, raw ? &*raw : nullptr));
    }));
    return info.Env().Undefined();
  }

  Napi::Value LoadAsync(const Napi::CallbackInfo& info);
  Napi::Value MapAsync(const Napi::CallbackInfo& info);

  /** Bytes of file the graph maps (0 unless it was mapped): the page cache's, not the process's. */
  Napi::Value MappedBytesOf(const Napi::CallbackInfo& info) {
    Ready(info.Env());
    return Napi::Number::New(info.Env(), static_cast<double>(mappedBytes_));
  }

  Napi::Value AddPoint(const Napi::CallbackInfo& info) {
    RequireUnchanging(info.Env());
    RequireGrowable(info.Env());
    Graph& g = Ready(info.Env());
    std::vector<float> vector = VectorArg(info, 0, "vector");
    const size_t label = IntegerArg(info, kWho, 1, "label", 0, static_cast<double>(g.max_elements_) - 1);
    if (g.cur_element_count >= g.max_elements_) throw Napi::RangeError::New(info.Env(), "hnsw: the graph is full; resize it first");
    Guarded(info.Env(), [&] { g.addPoint(vector.data(), label); });
    residentKnown_ = false;  // it may have grown upper-level lists and the label map
    return info.Env().Undefined();
  }

  Napi::Value Resize(const Napi::CallbackInfo& info) {
    RequireUnchanging(info.Env());
    Graph& g = Ready(info.Env());
    RequireGrowable(info.Env());
    if (exposed_) throw Napi::Error::New(info.Env(), "hnsw: the graph's vectors are in use through vectors(); it cannot be resized");
    const size_t maxElements = IntegerArg(info, kWho, 0, "maxElements", std::max<double>(1, g.cur_element_count), kMaxElements);
    Guarded(info.Env(), [&] { g.resizeIndex(maxElements); });
    ReportMemory(info.Env(), OwnBytes(g));
    return info.Env().Undefined();
  }

  /** True when the mark is new, false when the row was marked already (not an error: marks repeat). */
  Napi::Value MarkDelete(const Napi::CallbackInfo& info) {
    Graph& g = Ready(info.Env());
    const size_t label = IntegerArg(info, kWho, 0, "label", 0, 9007199254740991.0);
    return Guarded(info.Env(), [&] {
      const hnswlib::tableint id = ElementOf(info.Env(), g, label);
      if (g.isMarkedDeleted(id)) return Napi::Boolean::New(info.Env(), false);
      g.markDeletedInternal(id);
      return Napi::Boolean::New(info.Env(), true);
    });
  }

  /** The element that carries `label`: the same number in a frozen graph whose ids are its labels. */
  hnswlib::tableint ElementOf(Napi::Env env, Graph& g, size_t label) const {
    if (idsAreLabels_) {
      if (label >= g.cur_element_count) throw Napi::RangeError::New(env, "hnsw: no element has label " + std::to_string(label));
      return static_cast<hnswlib::tableint>(label);
    }
    std::unique_lock<std::mutex> lock(g.label_lookup_lock);
    const auto found = g.label_lookup_.find(label);
    if (found == g.label_lookup_.end()) throw Napi::RangeError::New(env, "hnsw: no element has label " + std::to_string(label));
    return found->second;
  }

  /**
   * freeze(): the graph will only be searched, marked and serialised from now on, never grown. Lets
   * go of what only insertions use: a mutex per element (40 bytes), hnswlib's 65,536 label locks
   * (2.6 MB per graph) and, when element i carries label i as the engine adds rows, the label map
   * (about 45 bytes an element), since a label is then its element's number. Together that is about
   * 85 bytes a vector and 2.6 MB a segment below what hnswlib holds for the same graph. Returns
   * whether ids are labels.
   */
  Napi::Value Freeze(const Napi::CallbackInfo& info) {
    RequireUnchanging(info.Env());
    Ready(info.Env());
    FreezeGraph(info.Env());
    return Napi::Boolean::New(info.Env(), idsAreLabels_);
  }

  void FreezeGraph(Napi::Env env) {
    if (frozen_) return;
    Graph& g = *graph_;
    idsAreLabels_ = LabelsInOrder(g);
    std::vector<std::mutex>().swap(g.link_list_locks_);
    std::vector<std::mutex>().swap(g.label_op_locks_);
    if (idsAreLabels_) std::unordered_map<hnswlib::labeltype, hnswlib::tableint>().swap(g.label_lookup_);
    frozen_ = true;
    ReportMemory(env, OwnBytes(g));
  }

  static bool LabelsInOrder(const Graph& g) {
    for (size_t i = 0; i < g.cur_element_count; i++) {
      if (g.getExternalLabel(static_cast<hnswlib::tableint>(i)) != i) return false;
    }
    return true;
  }

  void RequireGrowable(Napi::Env env) const {
    if (frozen_) throw Napi::Error::New(env, "hnsw: the graph is frozen; it can no longer grow");
  }

  Napi::Value Count(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(Ready(info.Env()).cur_element_count));
  }

  Napi::Value Capacity(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(Ready(info.Env()).max_elements_));
  }

  /** search(query, k, ef, allowed?): labels of up to k nearest elements, nearest first. */
  Napi::Value Search(const Napi::CallbackInfo& info) {
    Graph& g = Ready(info.Env());
    std::vector<float> query = VectorArg(info, 0, "query");
    const size_t k = IntegerArg(info, kWho, 1, "k", 0, kMaxElements);
    const size_t ef = IntegerArg(info, kWho, 2, "ef", 1, kMaxElements);
    std::unique_ptr<BitmapFilter> filter;
    if (info.Length() > 3 && !info[3].IsUndefined()) {
      const auto allowed = TypedArrayArg<Napi::Uint8Array>(info, kWho, 3, napi_uint8_array, "allowed", "a Uint8Array row bitmap");
      filter = std::make_unique<BitmapFilter>(allowed.Data(), allowed.ElementLength());
    }
    Napi::Array labels = Napi::Array::New(info.Env());
    if (k == 0) return labels;
    auto found = Guarded(info.Env(), [&] {
      g.setEf(ef);
      return g.searchKnn(query.data(), k, filter.get());
    });
    // hnswlib's queue holds the farthest on top.
    for (size_t i = found.size(); i > 0; i--) {
      labels.Set(static_cast<uint32_t>(i - 1), Napi::Number::New(info.Env(), static_cast<double>(found.top().second)));
      found.pop();
    }
    return labels;
  }

  /** The graph in hnswlib's file format, as a Uint8Array over an ArrayBuffer of its own (transferable). */
  Napi::Value Serialize(const Napi::CallbackInfo& info) {
    const Graph& g = Ready(info.Env());
    RequireFloat(info.Env(), "serialize");
    const size_t size = SerializedSize(g, CosineRawDimension());
    Napi::ArrayBuffer buffer = Guarded(info.Env(), [&] { return Napi::ArrayBuffer::New(info.Env(), size); });
    WriteGraph(g, static_cast<uint8_t*>(buffer.Data()), CosineRawDimension());
    return Napi::Uint8Array::New(info.Env(), size, buffer, 0);
  }

  Napi::Value SerializeAsync(const Napi::CallbackInfo& info);

  /**
   * The elements' memory as one Float32Array, row r's vector at [r * stride + offset, + dimension),
   * so the engine reads vectors where the graph keeps them instead of holding a copy. Undefined when
   * the stored values are not the originals ("cosine" normalises them) or when element i does not
   * carry label i (rows were not added in order). The view keeps the graph's memory alive, and the
   * graph can no longer be resized (that would move it); replacing the graph by init or load leaves
   * the view on the old one.
   */
  Napi::Value Vectors(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const Graph& g = Ready(env);
    // A frozen graph has looked at its labels already (and may have let go of their map).
    if (normalise_ || int8_ != nullptr || !(frozen_ ? idsAreLabels_ : LabelsInOrder(g))) return env.Undefined();
    const size_t bytes = g.cur_element_count * g.size_data_per_element_;
    using Keep = std::pair<std::shared_ptr<hnswlib::SpaceInterface<float>>, std::shared_ptr<Graph>>;
    auto* keep = new Keep(space_, graph_);
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(
        env, g.data_level0_memory_, bytes, [](Napi::Env, void*, Keep* held) { delete held; }, keep);
    exposed_ = true;
    Napi::Object view = Napi::Object::New(env);
    view.Set("data", Napi::Float32Array::New(env, bytes / sizeof(float), buffer, 0));
    view.Set("stride", Napi::Number::New(env, static_cast<double>(g.size_data_per_element_ / sizeof(float))));
    view.Set("offset", Napi::Number::New(env, static_cast<double>(g.offsetData_ / sizeof(float))));
    return view;
  }

  /**
   * scoreRows(query, rows, count, euclidean, out): for the first `count` rows listed, the dot product
   * with the query, or the squared L2 distance when `euclidean`, into out[0..count). Double precision
   * in the very order of the engine's JavaScript kernel (four accumulators, then (s0 + s1) + (s2 + s3)),
   * so a row scores bit for bit the same whichever side computes it (-ffp-contract=off in binding.gyp).
   */
  Napi::Value ScoreRows(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const Graph& g = Ready(env);
    const Napi::Float32Array query = VectorArgOf(info, kWho, 0, "query", dimension_);
    const RowScoreArgs args = RowScoreArgsOf(info, kWho, 1, 2, 4);
    const bool euclidean = info[3].ToBoolean().Value();
    // Rows are element ids only when vectors() found every label in order, and only then are the
    // stored values the originals.
    if (!exposed_) throw Napi::Error::New(env, "hnsw: scoreRows needs the graph's vectors (call vectors() first)");
    std::vector<double> q(query.Data(), query.Data() + dimension_);
    for (size_t j = 0; j < args.count; j++) {
      const int32_t row = args.rows[j];
      if (row < 0 || static_cast<size_t>(row) >= g.cur_element_count) {
        throw Napi::RangeError::New(env, "hnsw: row " + std::to_string(row) + " is not in the graph");
      }
      const float* vector = reinterpret_cast<const float*>(g.data_level0_memory_ + row * g.size_data_per_element_ + g.offsetData_);
      args.out[j] = euclidean ? SquaredDistance(vector, q.data(), dimension_) : DotDouble(vector, q.data(), dimension_);
    }
    return env.Undefined();
  }

  /**
   * scoreCodes(query, rows, count, out): the first `count` listed rows' int8 distances to the query
   * (what steers the search: squared L2 to the row's codes, of unit vectors for cosine), into out.
   * Approximate: for choosing candidates, which the caller re-ranks exactly.
   */
  Napi::Value ScoreCodes(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Graph& g = Ready(env);
    if (int8_ == nullptr) throw Napi::Error::New(env, "hnsw: scoreCodes needs an int8 graph");
    std::vector<float> query = VectorArg(info, 0, "query");
    const RowScoreArgs args = RowScoreArgsOf(info, kWho, 1, 2, 3);
    for (size_t j = 0; j < args.count; j++) {
      const int32_t row = args.rows[j];
      if (row < 0 || (idsAreLabels_ && static_cast<size_t>(row) >= g.cur_element_count)) {
        throw Napi::RangeError::New(env, "hnsw: row " + std::to_string(row) + " is not in the graph");
      }
      // A row is a label: the element of the same number when ids are labels, else the label map's.
      const hnswlib::tableint id = idsAreLabels_ ? static_cast<hnswlib::tableint>(row) : ElementOf(env, g, static_cast<size_t>(row));
      args.out[j] = g.fstdistfunc_(query.data(), g.getDataByInternalId(id), g.dist_func_param_);
    }
    return env.Undefined();
  }

  /**
   * Lets the graph go now; every later call but init/load throws. Views from vectors() keep their
   * part alive, and so does a serialisation in flight, until it ends.
   */
  Napi::Value Release(const Napi::CallbackInfo& info) {
    if (loading_) throw Napi::Error::New(info.Env(), "hnsw: the graph is still loading");
    ReportMemory(info.Env(), 0);
    graph_.reset();
    return info.Env().Undefined();
  }

  void RequireFloat(Napi::Env env, const char* what) const {
    if (int8_ != nullptr) throw Napi::Error::New(env, std::string("hnsw: an int8 graph cannot ") + what + "; it is loaded from a float graph's bytes");
  }

  /** Kept from the last change: counting walks every element, and monitoring asks per segment and scrape. */
  Napi::Value ResidentBytesOf(const Napi::CallbackInfo& info) {
    const Graph& g = Ready(info.Env());
    if (!residentKnown_) ReportMemory(info.Env(), OwnBytes(g));
    return Napi::Number::New(info.Env(), static_cast<double>(reported_));
  }

  Graph& Ready(Napi::Env env) const {
    if (loading_) throw Napi::Error::New(env, "hnsw: the graph is still loading");
    if (!graph_) throw Napi::Error::New(env, "hnsw: the graph is neither initialised nor loaded");
    return *graph_;
  }

  void RequireUnchanging(Napi::Env env) const {
    if (loading_) throw Napi::Error::New(env, "hnsw: the graph is still loading");
    if (readers_ > 0) throw Napi::Error::New(env, "hnsw: the graph is being serialised; it cannot change until that ends");
  }

  static Napi::Uint8Array BytesArg(const Napi::CallbackInfo& info) {
    return TypedArrayArg<Napi::Uint8Array>(info, kWho, 0, napi_uint8_array, "graph bytes", "a Uint8Array");
  }

  /**
   * The third argument of load: the original vectors (Float32Array, rows x dimension) that a
   * "cosine-raw" graph's bytes do not carry (graph-bytes.h). Required there, refused elsewhere.
   */
  std::optional<CosineRawBytes> OriginalsArg(const Napi::CallbackInfo& info) const {
    const bool given = info.Length() > 2 && !info[2].IsUndefined();
    if (!inverseNorm_) {
      if (given) throw Napi::TypeError::New(info.Env(), "hnsw: only a \"cosine-raw\" graph is loaded with its original vectors");
      return std::nullopt;
    }
    if (!IsTypedArrayOf(info, 2, napi_float32_array)) {
      throw Napi::TypeError::New(info.Env(), "hnsw: a \"cosine-raw\" graph loads with its original vectors, a Float32Array");
    }
    const Napi::Float32Array originals = info[2].As<Napi::Float32Array>();
    if (originals.ElementLength() % dimension_ != 0) {
      throw Napi::RangeError::New(info.Env(), "hnsw: the original vectors are not whole rows of the graph's dimension");
    }
    return CosineRawBytes{dimension_, originals.Data(), originals.ElementLength() / dimension_};
  }

  /** Room to grow beyond the loaded elements; a graph of codes never grows, so it takes none. */
  size_t CapacityArg(const Napi::CallbackInfo& info) const {
    if (info.Length() < 2 || info[1].IsUndefined()) return 0;
    RequireFloat(info.Env(), "reserve capacity");
    return IntegerArg(info, kWho, 1, "capacity", 0, kMaxElements);
  }

  /**
   * A Float32Array argument of the graph's dimension, copied and laid out as the space stores it:
   * normalised for "cosine", followed by its inverse norm for "cosine-raw".
   */
  std::vector<float> VectorArg(const Napi::CallbackInfo& info, size_t index, const char* name) const {
    const Napi::Float32Array array = VectorArgOf(info, kWho, index, name, dimension_);
    std::vector<float> vector(array.Data(), array.Data() + dimension_);
    if (normalise_) Normalise(vector.data(), dimension_);
    if (inverseNorm_) vector.push_back(InverseNorm(vector.data(), dimension_));
    if (int8_ != nullptr) int8_->PrepareQuery(vector.data());
    return vector;
  }

  /** Tells V8 how much native memory this object keeps alive, so its collector weighs it. */
  void ReportMemory(Napi::Env env, size_t bytes) {
    Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes) - static_cast<int64_t>(reported_));
    reported_ = bytes;
    residentKnown_ = true;
  }

  size_t dimension_ = 0;
  bool normalise_ = false;
  bool inverseNorm_ = false;
  /** Set for "l2-int8" and "cosine-int8": the space, owned by space_. */
  Int8Space* int8_ = nullptr;
  /** Set once vectors() has handed out a view of the graph's element memory, which must then never move. */
  bool exposed_ = false;
  /** Set by freeze(): the graph no longer grows, and has let go of what growing needs. */
  bool frozen_ = false;
  /** A frozen graph whose element i carries label i: its label map is gone. */
  bool idsAreLabels_ = false;
  /** Bytes of file mapped for the graph's elements; 0 when they are in the process's memory. */
  size_t mappedBytes_ = 0;
  size_t reported_ = 0;
  bool residentKnown_ = false;
  // The space outlives the graph, which keeps pointers into it; both are shared with the views
  // vectors() hands out, which may outlive this object.
  std::shared_ptr<hnswlib::SpaceInterface<float>> space_;
  std::shared_ptr<Graph> graph_;
};

/** Serialises on a libuv thread into a buffer made beforehand on the JS thread. */
class SerializeWorker : public Napi::AsyncWorker {
 public:
  SerializeWorker(Napi::Env env, HnswIndex* index, Napi::Object owner, size_t size)
      : Napi::AsyncWorker(env, "ossv-hnsw-serialize"),
        index_(index),
        graph_(index->sharedGraph()),
        cosineRawDimension_(index->CosineRawDimension()),
        deferred_(Napi::Promise::Deferred::New(env)),
        size_(size) {
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, size);
    out_ = static_cast<uint8_t*>(buffer.Data());
    buffer_ = Napi::Persistent(buffer);
    owner_ = Napi::Persistent(owner);
    index_->readers_++;
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  // No N-API calls here (another thread): the buffer's address was taken on the JS thread.
  void Execute() override { WriteGraph(*graph_, out_, cosineRawDimension_); }

  void OnOK() override {
    index_->readers_--;
    deferred_.Resolve(Napi::Uint8Array::New(Env(), size_, buffer_.Value(), 0));
  }

  void OnError(const Napi::Error& error) override {
    index_->readers_--;
    deferred_.Reject(error.Value());
  }

 private:
  HnswIndex* index_;
  // Held here as well, so that release() during the write frees the graph only when the write ends.
  std::shared_ptr<Graph> graph_;
  size_t cosineRawDimension_;
  Napi::Promise::Deferred deferred_;
  size_t size_;
  uint8_t* out_ = nullptr;
  Napi::Reference<Napi::ArrayBuffer> buffer_;
  // Keeps the JS object, and with it the graph, alive until the write ends.
  Napi::ObjectReference owner_;
};

/**
 * Reads a graph on a libuv thread (Read, which makes no N-API call) and has the object adopt it when
 * that ends; until then the object refuses every call. What is read, and how it is adopted, is the
 * subclass's.
 */
class GraphReadWorker : public Napi::AsyncWorker {
 public:
  GraphReadWorker(Napi::Env env, const char* name, HnswIndex* index, Napi::Object owner)
      : Napi::AsyncWorker(env, name), index_(index), deferred_(Napi::Promise::Deferred::New(env)) {
    // Keeps the JS object, and with it the index, alive until the read ends.
    owner_ = Napi::Persistent(owner);
    index_->loading_ = true;
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      Read();
    } catch (const std::bad_alloc&) {
      SetError("hnsw: out of memory");
    } catch (const std::exception& error) {
      SetError(std::string("hnsw: ") + error.what());
    }
  }

  void OnOK() override {
    index_->loading_ = false;
    Adopt(*index_);
    deferred_.Resolve(Env().Undefined());
  }

  void OnError(const Napi::Error& error) override {
    index_->loading_ = false;
    deferred_.Reject(error.Value());
  }

 protected:
  virtual void Read() = 0;
  virtual void Adopt(HnswIndex& index) = 0;

 private:
  HnswIndex* index_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
};

/** Reads graph bytes on a libuv thread; the graph replaces the object's own when that ends. */
class LoadWorker : public GraphReadWorker {
 public:
  LoadWorker(Napi::Env env, HnswIndex* index, Napi::Object owner, Napi::Uint8Array bytes, size_t minCapacity,
             std::optional<CosineRawBytes> raw, Napi::Value originals)
      : GraphReadWorker(env, "ossv-hnsw-load", index, owner),
        reader_(index),
        data_(bytes.Data()),
        length_(bytes.ByteLength()),
        minCapacity_(minCapacity),
        raw_(raw) {
    // The caller must not change the bytes (or the originals) until the promise settles; keeping
    // them referenced keeps them from being collected meanwhile.
    bytes_ = Napi::Persistent(bytes);
    if (raw_) originals_ = Napi::Persistent(originals.As<Napi::Object>());
  }

 protected:
  void Read() override { graph_ = reader_->ReadBytes(data_, length_, minCapacity_, raw_ ? &*raw_ : nullptr); }
  void Adopt(HnswIndex& index) override { index.Adopt(Env(), std::move(graph_)); }

 private:
  /** The index whose space the bytes are read into (ReadBytes makes no N-API call). */
  const HnswIndex* reader_;
  const uint8_t* data_;
  size_t length_;
  size_t minCapacity_;
  std::optional<CosineRawBytes> raw_;
  std::unique_ptr<Graph> graph_;
  Napi::Reference<Napi::Uint8Array> bytes_;
  Napi::ObjectReference originals_;
};

Napi::Value HnswIndex::LoadAsync(const Napi::CallbackInfo& info) {
  RequireUnchanging(info.Env());
  const Napi::Uint8Array bytes = BytesArg(info);
  const size_t minCapacity = CapacityArg(info);
  const std::optional<CosineRawBytes> raw = OriginalsArg(info);
  auto* worker = Guarded(info.Env(), [&] {
    return new LoadWorker(info.Env(), this, info.This().As<Napi::Object>(), bytes, minCapacity, raw, info[2]);
  });
  worker->Queue();
  return worker->Promise();
}

/** Maps a stored graph on a libuv thread (its links are all checked there); it replaces the object's own when that ends. */
class MapWorker : public GraphReadWorker {
 public:
  MapWorker(Napi::Env env, HnswIndex* index, Napi::Object owner, hnswlib::SpaceInterface<float>* space, std::string path,
            uint64_t offset, uint64_t length)
      : GraphReadWorker(env, "ossv-hnsw-map", index, owner), space_(space), path_(std::move(path)), offset_(offset), length_(length) {}

 protected:
  void Read() override { mapped_ = MapGraph(path_, offset_, length_, space_); }
  void Adopt(HnswIndex& index) override { index.AdoptMapped(Env(), std::move(mapped_)); }

 private:
  hnswlib::SpaceInterface<float>* space_;
  std::string path_;
  uint64_t offset_;
  uint64_t length_;
  MappedGraph mapped_;
};

/** mapAsync(path, offset, length): the graph saved at [offset, offset + length) of the file, mapped in place. */
Napi::Value HnswIndex::MapAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireUnchanging(env);
  hnswlib::SpaceInterface<float>* space = MappableSpace(env);
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "hnsw: path must be a string");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const uint64_t offset = static_cast<uint64_t>(IntegerArg(info, kWho, 1, "offset", 0, 9007199254740991.0));
  const uint64_t length = static_cast<uint64_t>(IntegerArg(info, kWho, 2, "length", 1, 9007199254740991.0));
  auto* worker = Guarded(env, [&] { return new MapWorker(env, this, info.This().As<Napi::Object>(), space, path, offset, length); });
  worker->Queue();
  return worker->Promise();
}

Napi::Value HnswIndex::SerializeAsync(const Napi::CallbackInfo& info) {
  const Graph& g = Ready(info.Env());
  RequireFloat(info.Env(), "serialize");
  const size_t size = SerializedSize(g, CosineRawDimension());
  auto* worker = Guarded(info.Env(), [&] { return new SerializeWorker(info.Env(), this, info.This().As<Napi::Object>(), size); });
  worker->Queue();
  return worker->Promise();
}

}  // namespace
}  // namespace ossv

/**
 * trimNativeHeap(): hands the C heap's free memory back to the operating system (glibc's
 * malloc_trim), true when some was. Graphs free many small blocks (their upper-level link lists) that
 * glibc keeps in its arenas otherwise, so RSS stayed high after builds and merges had finished.
 * Elsewhere (musl, macOS) it does nothing and says false.
 */
static Napi::Value TrimNativeHeap(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

// Context-aware (NAPI_MODULE_INIT underneath): the graph build worker loads it in its own thread.
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("HnswIndex", ossv::HnswIndex::Define(env));
  exports.Set("VectorFile", ossv::DefineVectorFile(env));
  exports.Set("trimNativeHeap", Napi::Function::New(env, TrimNativeHeap, "trimNativeHeap"));
  return exports;
}

NODE_API_MODULE(ossv_hnsw, InitModule)
