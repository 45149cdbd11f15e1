// ossv's binding over hnswlib's HierarchicalNSW<float> (the JS side: src/index.js). What it adds over
// hnswlib-node's binding, which the engine used before (docs/ann-choice.md): graph bytes serialised to
// and loaded from memory (no temp file), a row bitmap as the search filter evaluated in C++ (no call
// into JS per visited node), the beam (ef) per call, Float32Array in and out without copies to JS
// arrays, and the bytes the graph holds for memory accounting.
//
// Every entry point checks its arguments and turns hnswlib's C++ exceptions into JS errors: a bad
// call must never take the process down.
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "graph-bytes.h"

namespace ossv {
namespace {

/** hnswlib's graph ids are 32-bit, and its visited lists take an int size. */
constexpr double kMaxElements = std::numeric_limits<int>::max();

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

/** An integer argument in [min, max]; anything else (NaN, a fraction, a string) is a TypeError/RangeError. */
size_t IntegerArg(const Napi::CallbackInfo& info, size_t index, const char* name, double min, double max) {
  if (index >= info.Length() || !info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string("hnsw: ") + name + " must be a number");
  }
  const double value = info[index].As<Napi::Number>().DoubleValue();
  if (!(value >= min && value <= max) || std::floor(value) != value) {
    throw Napi::RangeError::New(info.Env(), std::string("hnsw: ") + name + " must be an integer from " +
                                                std::to_string(static_cast<uint64_t>(min)) + " to " +
                                                std::to_string(static_cast<uint64_t>(max)));
  }
  return static_cast<size_t>(value);
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
void Normalise(float* vector, size_t dimension) {
  float sum = 0.0f;
  for (size_t i = 0; i < dimension; i++) sum += vector[i] * vector[i];
  const float norm = std::sqrt(std::fabs(sum));
  if (norm > 0.0f) {
    for (size_t i = 0; i < dimension; i++) vector[i] /= norm;
  }
}

class HnswIndex : public Napi::ObjectWrap<HnswIndex> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "HnswIndex",
                       {
                           InstanceMethod<&HnswIndex::Init>("init"),
                           InstanceMethod<&HnswIndex::Load>("load"),
                           InstanceMethod<&HnswIndex::LoadAsync>("loadAsync"),
                           InstanceMethod<&HnswIndex::AddPoint>("addPoint"),
                           InstanceMethod<&HnswIndex::Resize>("resize"),
                           InstanceMethod<&HnswIndex::MarkDelete>("markDelete"),
                           InstanceMethod<&HnswIndex::Count>("count"),
                           InstanceMethod<&HnswIndex::Capacity>("capacity"),
                           InstanceMethod<&HnswIndex::Search>("search"),
                           InstanceMethod<&HnswIndex::Serialize>("serialize"),
                           InstanceMethod<&HnswIndex::SerializeAsync>("serializeAsync"),
                           InstanceMethod<&HnswIndex::ResidentBytesOf>("residentBytes"),
                       });
  }

  explicit HnswIndex(const Napi::CallbackInfo& info) : Napi::ObjectWrap<HnswIndex>(info) {
    const Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "hnsw: space must be a string");
    const std::string space = info[0].As<Napi::String>().Utf8Value();
    dimension_ = IntegerArg(info, 1, "dimension", 1, 1 << 20);
    if (space == "l2") {
      space_ = std::make_unique<hnswlib::L2Space>(dimension_);
    } else if (space == "ip" || space == "cosine") {
      space_ = std::make_unique<hnswlib::InnerProductSpace>(dimension_);
      normalise_ = space == "cosine";
    } else {
      throw Napi::RangeError::New(env, "hnsw: space must be \"l2\", \"ip\" or \"cosine\"");
    }
  }

  void Finalize(Napi::Env env) override { ReportMemory(env, 0); }

  /** Serialisations in flight read the graph on another thread; until they end it must not change. */
  int readers_ = 0;
  /** A load in flight on another thread; until it ends the object has no graph to use. */
  bool loading_ = false;

  Graph* graph() const { return graph_.get(); }
  hnswlib::SpaceInterface<float>* space() const { return space_.get(); }

  void Loaded(Napi::Env env, std::unique_ptr<Graph> graph) {
    graph_ = std::move(graph);
    ReportMemory(env, ResidentBytes(*graph_));
  }

 private:
  Napi::Value Init(const Napi::CallbackInfo& info) {
    RequireUnchanging(info.Env());
    const size_t maxElements = IntegerArg(info, 0, "maxElements", 1, kMaxElements);
    const size_t m = IntegerArg(info, 1, "M", 2, 10000);
    const size_t efConstruction = IntegerArg(info, 2, "efConstruction", 1, 1 << 20);
    const size_t seed = IntegerArg(info, 3, "seed", 0, 9007199254740991.0);
    Guarded(info.Env(), [&] {
      graph_ = std::make_unique<Graph>(space_.get(), maxElements, m, efConstruction, seed);
    });
    ReportMemory(info.Env(), ResidentBytes(*graph_));
    return info.Env().Undefined();
  }

  Napi::Value Load(const Napi::CallbackInfo& info) {
    RequireUnchanging(info.Env());
    const Napi::Uint8Array bytes = BytesArg(info);
    const size_t minCapacity = CapacityArg(info);
    Guarded(info.Env(), [&] { graph_ = ReadGraph(bytes.Data(), bytes.ByteLength(), space_.get(), minCapacity); });
    ReportMemory(info.Env(), ResidentBytes(*graph_));
    return info.Env().Undefined();
  }

  Napi::Value LoadAsync(const Napi::CallbackInfo& info);

  Napi::Value AddPoint(const Napi::CallbackInfo& info) {
    RequireUnchanging(info.Env());
    Graph& g = Ready(info.Env());
    std::vector<float> vector = VectorArg(info, 0, "vector");
    const size_t label = IntegerArg(info, 1, "label", 0, static_cast<double>(g.max_elements_) - 1);
    if (g.cur_element_count >= g.max_elements_) throw Napi::RangeError::New(info.Env(), "hnsw: the graph is full; resize it first");
    if (normalise_) Normalise(vector.data(), dimension_);
    Guarded(info.Env(), [&] { g.addPoint(vector.data(), label); });
    residentKnown_ = false;  // it may have grown upper-level lists and the label map
    return info.Env().Undefined();
  }

  Napi::Value Resize(const Napi::CallbackInfo& info) {
    RequireUnchanging(info.Env());
    Graph& g = Ready(info.Env());
    const size_t maxElements = IntegerArg(info, 0, "maxElements", std::max<double>(1, g.cur_element_count), kMaxElements);
    Guarded(info.Env(), [&] { g.resizeIndex(maxElements); });
    ReportMemory(info.Env(), ResidentBytes(g));
    return info.Env().Undefined();
  }

  /** True when the mark is new, false when the row was marked already (not an error: marks repeat). */
  Napi::Value MarkDelete(const Napi::CallbackInfo& info) {
    Graph& g = Ready(info.Env());
    const size_t label = IntegerArg(info, 0, "label", 0, 9007199254740991.0);
    return Guarded(info.Env(), [&] {
      std::unique_lock<std::mutex> lock(g.label_lookup_lock);
      const auto found = g.label_lookup_.find(label);
      if (found == g.label_lookup_.end()) throw Napi::RangeError::New(info.Env(), "hnsw: no element has label " + std::to_string(label));
      const hnswlib::tableint id = found->second;
      lock.unlock();
      if (g.isMarkedDeleted(id)) return Napi::Boolean::New(info.Env(), false);
      g.markDeletedInternal(id);
      return Napi::Boolean::New(info.Env(), true);
    });
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
    const size_t k = IntegerArg(info, 1, "k", 0, kMaxElements);
    const size_t ef = IntegerArg(info, 2, "ef", 1, kMaxElements);
    std::unique_ptr<BitmapFilter> filter;
    if (info.Length() > 3 && !info[3].IsUndefined()) {
      if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        throw Napi::TypeError::New(info.Env(), "hnsw: allowed must be a Uint8Array row bitmap");
      }
      const Napi::Uint8Array allowed = info[3].As<Napi::Uint8Array>();
      filter = std::make_unique<BitmapFilter>(allowed.Data(), allowed.ElementLength());
    }
    if (normalise_) Normalise(query.data(), dimension_);
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
    const size_t size = SerializedSize(g);
    Napi::ArrayBuffer buffer = Guarded(info.Env(), [&] { return Napi::ArrayBuffer::New(info.Env(), size); });
    WriteGraph(g, static_cast<uint8_t*>(buffer.Data()));
    return Napi::Uint8Array::New(info.Env(), size, buffer, 0);
  }

  Napi::Value SerializeAsync(const Napi::CallbackInfo& info);

  /** Kept from the last change: counting walks every element, and monitoring asks per segment and scrape. */
  Napi::Value ResidentBytesOf(const Napi::CallbackInfo& info) {
    const Graph& g = Ready(info.Env());
    if (!residentKnown_) ReportMemory(info.Env(), ResidentBytes(g));
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
    if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw Napi::TypeError::New(info.Env(), "hnsw: graph bytes must be a Uint8Array");
    }
    return info[0].As<Napi::Uint8Array>();
  }

  static size_t CapacityArg(const Napi::CallbackInfo& info) {
    return info.Length() > 1 && !info[1].IsUndefined() ? IntegerArg(info, 1, "capacity", 0, kMaxElements) : 0;
  }

  /** A Float32Array argument of the graph's dimension, copied (cosine normalises it in place). */
  std::vector<float> VectorArg(const Napi::CallbackInfo& info, size_t index, const char* name) const {
    if (index >= info.Length() || !info[index].IsTypedArray() ||
        info[index].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      throw Napi::TypeError::New(info.Env(), std::string("hnsw: ") + name + " must be a Float32Array");
    }
    const Napi::Float32Array array = info[index].As<Napi::Float32Array>();
    if (array.ElementLength() != dimension_) {
      throw Napi::RangeError::New(info.Env(), std::string("hnsw: ") + name + " has " + std::to_string(array.ElementLength()) +
                                                  " dimensions, the graph " + std::to_string(dimension_));
    }
    return std::vector<float>(array.Data(), array.Data() + dimension_);
  }

  /** Tells V8 how much native memory this object keeps alive, so its collector weighs it. */
  void ReportMemory(Napi::Env env, size_t bytes) {
    Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes) - static_cast<int64_t>(reported_));
    reported_ = bytes;
    residentKnown_ = true;
  }

  size_t dimension_ = 0;
  bool normalise_ = false;
  size_t reported_ = 0;
  bool residentKnown_ = false;
  // The space outlives the graph, which keeps pointers into it.
  std::unique_ptr<hnswlib::SpaceInterface<float>> space_;
  std::unique_ptr<Graph> graph_;
};

/** Serialises on a libuv thread into a buffer made beforehand on the JS thread. */
class SerializeWorker : public Napi::AsyncWorker {
 public:
  SerializeWorker(Napi::Env env, HnswIndex* index, Napi::Object owner, size_t size)
      : Napi::AsyncWorker(env, "ossv-hnsw-serialize"), index_(index), deferred_(Napi::Promise::Deferred::New(env)), size_(size) {
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, size);
    out_ = static_cast<uint8_t*>(buffer.Data());
    buffer_ = Napi::Persistent(buffer);
    owner_ = Napi::Persistent(owner);
    index_->readers_++;
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  // No N-API calls here (another thread): the buffer's address was taken on the JS thread.
  void Execute() override { WriteGraph(*index_->graph(), out_); }

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
  Napi::Promise::Deferred deferred_;
  size_t size_;
  uint8_t* out_ = nullptr;
  Napi::Reference<Napi::ArrayBuffer> buffer_;
  // Keeps the JS object, and with it the graph, alive until the write ends.
  Napi::ObjectReference owner_;
};

/** Reads graph bytes on a libuv thread; the graph replaces the object's own when that ends. */
class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, HnswIndex* index, Napi::Object owner, Napi::Uint8Array bytes, size_t minCapacity)
      : Napi::AsyncWorker(env, "ossv-hnsw-load"),
        index_(index),
        deferred_(Napi::Promise::Deferred::New(env)),
        data_(bytes.Data()),
        length_(bytes.ByteLength()),
        minCapacity_(minCapacity),
        space_(index->space()) {
    // The caller must not change the bytes until the promise settles; keeping them referenced
    // keeps them from being collected meanwhile.
    bytes_ = Napi::Persistent(bytes);
    owner_ = Napi::Persistent(owner);
    index_->loading_ = true;
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      graph_ = ReadGraph(data_, length_, space_, minCapacity_);
    } catch (const std::bad_alloc&) {
      SetError("hnsw: out of memory");
    } catch (const std::exception& error) {
      SetError(std::string("hnsw: ") + error.what());
    }
  }

  void OnOK() override {
    index_->loading_ = false;
    index_->Loaded(Env(), std::move(graph_));
    deferred_.Resolve(Env().Undefined());
  }

  void OnError(const Napi::Error& error) override {
    index_->loading_ = false;
    deferred_.Reject(error.Value());
  }

 private:
  HnswIndex* index_;
  Napi::Promise::Deferred deferred_;
  const uint8_t* data_;
  size_t length_;
  size_t minCapacity_;
  hnswlib::SpaceInterface<float>* space_;
  std::unique_ptr<Graph> graph_;
  Napi::Reference<Napi::Uint8Array> bytes_;
  Napi::ObjectReference owner_;
};

Napi::Value HnswIndex::LoadAsync(const Napi::CallbackInfo& info) {
  RequireUnchanging(info.Env());
  const Napi::Uint8Array bytes = BytesArg(info);
  const size_t minCapacity = CapacityArg(info);
  auto* worker = Guarded(info.Env(), [&] { return new LoadWorker(info.Env(), this, info.This().As<Napi::Object>(), bytes, minCapacity); });
  worker->Queue();
  return worker->Promise();
}

Napi::Value HnswIndex::SerializeAsync(const Napi::CallbackInfo& info) {
  const Graph& g = Ready(info.Env());
  const size_t size = SerializedSize(g);
  auto* worker = Guarded(info.Env(), [&] { return new SerializeWorker(info.Env(), this, info.This().As<Napi::Object>(), size); });
  worker->Queue();
  return worker->Promise();
}

}  // namespace
}  // namespace ossv

// Context-aware (NAPI_MODULE_INIT underneath): the graph build worker loads it in its own thread.
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("HnswIndex", ossv::HnswIndex::Define(env));
  return exports;
}

NODE_API_MODULE(ossv_hnsw, InitModule)
