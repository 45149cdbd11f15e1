// hnswlib's saveIndex/loadIndex file format, written to and read from memory. hnswlib itself only
// streams to a named file, which cost the engine a temp-file round trip per load and per build; the
// layout is reproduced byte for byte so graphs written by either side load in the other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "hnswlib.h"

namespace ossv {

using Graph = hnswlib::HierarchicalNSW<float>;

/** Bytes `WriteGraph` produces for `graph`. */
size_t SerializedSize(const Graph& graph);

/** Writes the graph into `out`, which holds SerializedSize(graph) bytes. */
void WriteGraph(const Graph& graph, uint8_t* out);

/**
 * A graph read from `bytes`, with room for at least `minCapacity` elements. Every field, size and link
 * is checked before anything is allocated, so damaged or truncated bytes throw std::invalid_argument
 * instead of leaving a graph whose search would read out of bounds.
 */
std::unique_ptr<Graph> ReadGraph(const uint8_t* bytes, size_t length, hnswlib::SpaceInterface<float>* space,
                                 size_t minCapacity);

/** Bytes the graph holds in native memory: its arrays exactly, the label map as laid out by libstdc++. */
size_t ResidentBytes(const Graph& graph);

}  // namespace ossv
