// The upstream memory of document arenas: blocks freed by one document are reused by the next, so
// parsing a stream of documents does not map and fault in fresh pages for every one of them.
#pragma once

#include <memory_resource>

namespace fhir::json::detail {

// Process-wide and thread-safe (a document may be destroyed on another thread than the one that parsed
// it). Keeps at most a bounded number of bytes of free blocks; the rest goes back to the heap.
std::pmr::memory_resource* block_pool() noexcept;

}  // namespace fhir::json::detail
