#include "mapped-graph.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ossv {
namespace {

/** The mapped file region, unmapped when the graph over it is deleted. */
struct Mapping {
  void* address = MAP_FAILED;
  size_t length = 0;
};

/**
 * Deletes a graph whose level-0 memory is a mapping: hnswlib's destructor frees that pointer with
 * free(), so it is taken away first, and the mapping is undone after.
 */
struct UnmapOnDelete {
  Mapping mapping;
  void operator()(Graph* g) const {
    if (g != nullptr) {
      g->data_level0_memory_ = nullptr;
      delete g;
    }
    if (mapping.address != MAP_FAILED) ::munmap(mapping.address, mapping.length);
  }
};

[[noreturn]] void Unreadable(const std::string& path, const char* what) {
  throw std::runtime_error("cannot map " + path + ": " + what + ": " + std::strerror(errno));
}

/** Maps [offset, offset + length) of the file, from the page boundary at or before offset. */
Mapping MapRegion(const std::string& path, uint64_t offset, uint64_t length, size_t* delta) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Unreadable(path, "open");
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    Unreadable(path, "stat");
  }
  if (static_cast<uint64_t>(info.st_size) < offset + length) {
    ::close(fd);
    throw std::invalid_argument("graph bytes are damaged: the file ends before the graph does");
  }
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t start = offset - offset % page;
  *delta = static_cast<size_t>(offset - start);
  Mapping mapping;
  mapping.length = static_cast<size_t>(length + *delta);
  // Writable but private: hnswlib keeps its deletion marks inside the elements, and a mark must
  // change this process's copy of a page, never the stored object.
  mapping.address = ::mmap(nullptr, mapping.length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, static_cast<off_t>(start));
  const int mapError = errno;
  ::close(fd);  // the mapping holds the file from here on
  errno = mapError;
  if (mapping.address == MAP_FAILED) Unreadable(path, "mmap");
  return mapping;
}

}  // namespace

MappedGraph MapGraph(const std::string& path, uint64_t offset, uint64_t length, hnswlib::SpaceInterface<float>* space) {
  size_t delta = 0;
  UnmapOnDelete owner{MapRegion(path, offset, length, &delta)};
  std::unique_ptr<Graph, UnmapOnDelete> g(nullptr, owner);
  // Until a graph owns it, the mapping is undone by this guard if checking the bytes throws.
  std::unique_ptr<Mapping, void (*)(Mapping*)> guard(&owner.mapping, [](Mapping* m) { ::munmap(m->address, m->length); });
  const uint8_t* bytes = static_cast<const uint8_t*>(owner.mapping.address) + delta;
  // The check reads every element's links once, front to back, and as every page holds links that
  // means the whole mapping: ask the kernel to start reading all of it now, in large requests, rather
  // than a read-ahead window at a time as the check faults its way through (WILLNEED).
  ::madvise(owner.mapping.address, owner.mapping.length, MADV_SEQUENTIAL);
  ::madvise(owner.mapping.address, owner.mapping.length, MADV_WILLNEED);
  const ParsedGraph parsed = ParseGraph(bytes, static_cast<size_t>(length), space->get_data_size());
  // Searches jump from element to element; reading ahead would only evict pages they need.
  ::madvise(owner.mapping.address, owner.mapping.length, MADV_RANDOM);
  g.reset(new Graph(space));
  guard.release();  // g's deleter undoes the mapping from here on
  LayOutFrozen(*g, parsed, space, space->get_data_size());
  g->data_level0_memory_ = const_cast<char*>(reinterpret_cast<const char*>(parsed.level0));
  const bool idsAreLabels = LabelsAreIds(parsed);
  for (size_t i = 0; i < parsed.header.count; i++) AdoptElement(*g, parsed, i, idsAreLabels);
  MappedGraph mapped;
  mapped.mappedBytes = owner.mapping.length;
  mapped.graph = std::shared_ptr<Graph>(g.release(), owner);
  return mapped;
}

}  // namespace ossv
