// hnswlib's saveIndex/loadIndex file format, written to and read from memory. hnswlib itself only
// streams to a named file, which cost the engine a temp-file round trip per load and per build; the
// layout is reproduced byte for byte so graphs written by either side load in the other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "hnswlib.h"

namespace ossv {

using Graph = hnswlib::HierarchicalNSW<float>;

/**
 * A graph of the "cosine-raw" space (cosine-raw-space.h) holds each vector as given plus its inverse
 * norm, but its bytes are those of hnswlib's "cosine" space: the vector normalised, no extra float.
 * So every stored graph stays in the one format that hnswlib and every ossv version read, and the
 * originals, which the bytes no longer carry, come back from the segment when the graph is read.
 */
struct CosineRawBytes {
  size_t dimension;
  /** Reading: the original vectors, `rows` x dimension; an element with label L gets row L. */
  const float* originals;
  size_t rows;
};

/** The header hnswlib's saveIndex writes (its std::atomic<size_t> count stored as 8 bytes). */
struct GraphHeader {
  size_t offsetLevel0;
  size_t maxElements;
  size_t count;
  size_t sizeDataPerElement;
  size_t labelOffset;
  size_t offsetData;
  int maxLevel;
  hnswlib::tableint enterPoint;
  size_t maxM;
  size_t maxM0;
  size_t M;
  double mult;
  size_t efConstruction;
};

/** Graph bytes checked whole, pointing into them: nothing is copied. */
struct ParsedGraph {
  GraphHeader header;
  /** header.count elements of header.sizeDataPerElement bytes: level-0 links, vector, label. */
  const uint8_t* level0 = nullptr;
  /** Per element its top level, and where its upper-level link lists start in the bytes. */
  std::vector<int> levels;
  std::vector<const uint8_t*> upperStarts;

  /** Element i's bytes: its level-0 links (with the deletion mark), its vector, its label. */
  const uint8_t* Element(size_t i) const { return level0 + i * header.sizeDataPerElement; }

  /** Element i's label (copied out: the bytes may sit at any alignment). */
  hnswlib::labeltype Label(size_t i) const {
    hnswlib::labeltype label;
    std::memcpy(&label, Element(i) + header.labelOffset, sizeof(label));
    return label;
  }
};

/** Whether element i carries label i throughout, as in every graph the engine builds. */
bool LabelsAreIds(const ParsedGraph& parsed);

/**
 * Reads and checks graph bytes whose elements hold `dataSize` bytes of vector: every field, size and
 * link, so that nothing read from them later can point outside them. Damage throws std::invalid_argument.
 */
ParsedGraph ParseGraph(const uint8_t* bytes, size_t length, size_t dataSize);

/** malloc that throws std::bad_alloc instead of returning null (hnswlib frees what it holds with free). */
void* Allocate(size_t size);

/**
 * Sets the fields hnswlib's loading constructor leaves to loadIndex: the header's, the space's distance,
 * and an element layout whose vector takes `dataBytes` (links, vector, label).
 */
void SetLayout(Graph& g, const GraphHeader& h, hnswlib::SpaceInterface<float>* space, size_t capacity, size_t dataBytes);

/** Copies element i's upper-level link lists from the bytes into the graph (nothing at level 0). */
void CopyUpperLists(Graph& g, const ParsedGraph& parsed, size_t i);

/**
 * Lays out a graph read from `parsed` that is only ever searched and marked, never grown (a graph of
 * codes, a mapped graph): SetLayout for `count` elements, no insertion locks, hnswlib's per-element
 * arrays. Its level-0 memory is the caller's to set.
 */
void LayOutFrozen(Graph& g, const ParsedGraph& parsed, hnswlib::SpaceInterface<float>* space, size_t dataBytes);

/**
 * Element i of a graph laid out by LayOutFrozen, once its level-0 bytes are in place: its upper
 * lists copied, the element counted, its label mapped unless ids are labels, its deletion mark counted.
 */
void AdoptElement(Graph& g, const ParsedGraph& parsed, size_t i, bool idsAreLabels);

/** Bytes `WriteGraph` produces for `graph`; `cosineRawDimension` is 0 unless the graph is "cosine-raw". */
size_t SerializedSize(const Graph& graph, size_t cosineRawDimension);

/** Writes the graph into `out`, which holds SerializedSize(graph, cosineRawDimension) bytes. */
void WriteGraph(const Graph& graph, uint8_t* out, size_t cosineRawDimension);

/**
 * A graph read from `bytes`, with room for at least `minCapacity` elements. Every field, size and link
 * is checked before anything is allocated, so damaged or truncated bytes throw std::invalid_argument
 * instead of leaving a graph whose search would read out of bounds. With `cosineRaw`, the bytes are
 * hnswlib "cosine" bytes and the graph is laid out for the "cosine-raw" `space`, with the originals.
 */
std::unique_ptr<Graph> ReadGraph(const uint8_t* bytes, size_t length, hnswlib::SpaceInterface<float>* space,
                                 size_t minCapacity, const CosineRawBytes* cosineRaw = nullptr);

/** Bytes the graph holds in native memory: its arrays exactly, the label map as laid out by libstdc++. */
size_t ResidentBytes(const Graph& graph);

}  // namespace ossv
