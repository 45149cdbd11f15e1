// Compacting a loaded float32 graph into one of int8 codes (int8-space.h): the same links, levels,
// labels and deletion marks, each element's vector replaced by its codes.
#pragma once

#include <memory>

#include "graph-bytes.h"
#include "int8-space.h"

namespace ossv {

/**
 * A copy of `from` (an "l2" graph, or a "cosine-raw" one when `space` is of unit vectors) whose
 * elements hold int8 codes. Sets the space's per-dimension ranges from the elements first. The copy
 * has no insertion locks: it is only searched and marked, never grown (as a frozen graph).
 */
std::unique_ptr<Graph> CompactGraph(const Graph& from, Int8Space& space);

}  // namespace ossv
