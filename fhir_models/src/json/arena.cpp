#include "fhir/json/arena.h"

#include "block_pool.h"

namespace fhir::json {

std::unique_ptr<std::pmr::memory_resource> make_arena() {
  return std::make_unique<std::pmr::monotonic_buffer_resource>(4096, detail::block_pool());
}

}  // namespace fhir::json
