// Reading a float32 graph's stored bytes (graph-bytes.h) straight into a graph of int8 codes
// (int8-space.h): the same links, levels, labels and deletion marks, each element's vector replaced
// by its codes. The float32 graph is never built, so loading a segment this way holds only the bytes
// and the codes at its peak.
#pragma once

#include <memory>

#include "graph-bytes.h"
#include "int8-space.h"

namespace ossv {

/**
 * A graph of codes read from the bytes of an "l2" graph, or of a "cosine" one (unit vectors) when
 * `space` is of unit vectors. Sets the space's per-dimension ranges from the elements first. The graph
 * has no insertion locks: it is only searched and marked, never grown (as a frozen graph). Damaged
 * bytes throw std::invalid_argument, as ReadGraph's do.
 */
std::unique_ptr<Graph> ReadCodes(const uint8_t* bytes, size_t length, Int8Space& space);

}  // namespace ossv
