// A float graph served from its stored bytes in place: the file region that holds hnswlib's saved
// graph is memory-mapped, and the graph's level-0 elements (links, vector, label: nearly all of its
// bytes) are read there through the page cache instead of being copied into the process. Only the
// upper-level link lists (about one element in M has any) and hnswlib's per-element bookkeeping are
// allocated. This is how an index larger than the memory budget keeps answering: the kernel keeps the
// parts searches touch cached and drops the rest under pressure, and none of it is the process's own
// memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "graph-bytes.h"

namespace ossv {

/** A mapped graph and how many bytes of file it maps (its level-0 elements among them). */
struct MappedGraph {
  std::shared_ptr<Graph> graph;
  size_t mappedBytes = 0;
};

/**
 * Maps `length` bytes of `path` from `offset`, which must be a graph saved by hnswlib (graph-bytes.h)
 * of a float space ("l2", "ip" or "cosine"), and checks them as ReadGraph does: every field, size and
 * link, so that no search can be led outside the mapping. Damage throws std::invalid_argument and an
 * unreadable file std::runtime_error. The mapping is private: deletion marks change the process's
 * pages only, never the file. It is undone when the last holder of the graph lets it go. The graph is
 * never grown: it has no insertion locks, as a frozen graph.
 */
MappedGraph MapGraph(const std::string& path, uint64_t offset, uint64_t length, hnswlib::SpaceInterface<float>* space);

}  // namespace ossv
