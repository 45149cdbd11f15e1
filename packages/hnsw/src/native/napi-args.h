// Argument checks shared by the addon's classes (addon.cc, vector-file.cc). Every entry point takes
// its arguments from JavaScript unchecked by any type system, so each is checked here, and a wrong
// one is a TypeError or RangeError naming it, never a read through a garbage pointer. `who` starts
// every message ("hnsw", "vector file") so the caller can tell which object refused.
#pragma once

#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

namespace ossv {

/** An integer argument in [min, max]; anything else (NaN, a fraction, a string) is a TypeError/RangeError. */
inline size_t IntegerArg(const Napi::CallbackInfo& info, const char* who, size_t index, const char* name, double min, double max) {
  if (index >= info.Length() || !info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(who) + ": " + name + " must be a number");
  }
  const double value = info[index].As<Napi::Number>().DoubleValue();
  if (!(value >= min && value <= max) || std::floor(value) != value) {
    throw Napi::RangeError::New(info.Env(), std::string(who) + ": " + name + " must be an integer from " +
                                                std::to_string(static_cast<uint64_t>(min)) + " to " +
                                                std::to_string(static_cast<uint64_t>(max)));
  }
  return static_cast<size_t>(value);
}

/** Whether argument `index` is a typed array of `type`. */
inline bool IsTypedArrayOf(const Napi::CallbackInfo& info, size_t index, napi_typedarray_type type) {
  return index < info.Length() && info[index].IsTypedArray() && info[index].As<Napi::TypedArray>().TypedArrayType() == type;
}

/** A typed array argument of one element type (Napi::Float32Array, ...), else a TypeError. */
template <typename Array>
Array TypedArrayArg(const Napi::CallbackInfo& info, const char* who, size_t index, napi_typedarray_type type, const char* name,
                    const char* typeName) {
  if (!IsTypedArrayOf(info, index, type)) {
    throw Napi::TypeError::New(info.Env(), std::string(who) + ": " + name + " must be " + typeName);
  }
  return info[index].As<Array>();
}

/** A Float32Array argument of exactly `dimension` elements. */
inline Napi::Float32Array VectorArgOf(const Napi::CallbackInfo& info, const char* who, size_t index, const char* name, size_t dimension) {
  const auto array = TypedArrayArg<Napi::Float32Array>(info, who, index, napi_float32_array, name, "a Float32Array");
  if (array.ElementLength() != dimension) {
    throw Napi::RangeError::New(info.Env(), std::string(who) + ": " + name + " has " + std::to_string(array.ElementLength()) +
                                                " dimensions, not " + std::to_string(dimension));
  }
  return array;
}

/**
 * The (rows, count, out) arguments every row scorer takes: an Int32Array of row numbers, how many of
 * them to score, and a Float64Array for the scores. `count` may not pass either array's length.
 */
struct RowScoreArgs {
  const int32_t* rows;
  size_t count;
  double* out;
};

inline RowScoreArgs RowScoreArgsOf(const Napi::CallbackInfo& info, const char* who, size_t rowsAt, size_t countAt, size_t outAt) {
  const auto rows = TypedArrayArg<Napi::Int32Array>(info, who, rowsAt, napi_int32_array, "rows", "an Int32Array");
  auto out = TypedArrayArg<Napi::Float64Array>(info, who, outAt, napi_float64_array, "out", "a Float64Array");
  const size_t count = IntegerArg(info, who, countAt, "count", 0, static_cast<double>(std::min(rows.ElementLength(), out.ElementLength())));
  return {rows.Data(), count, out.Data()};
}

}  // namespace ossv
