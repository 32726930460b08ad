// Arenas for json::Node trees built in code. Their blocks come from, and go back to, the process-wide pool the
// parser's documents use, so building one short-lived tree after another does not fault in fresh pages each
// time. Everything allocated from an arena is released at once when the arena is destroyed: a tree must not
// outlive its arena.
#pragma once

#include <memory>
#include <memory_resource>

namespace fhir::json {

std::unique_ptr<std::pmr::memory_resource> make_arena();

}  // namespace fhir::json
