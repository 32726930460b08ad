// Whether a value of a parsed text is already written the way json::write writes its tree, so a caller can copy
// the text instead of writing the tree again (rest::stamped_json copies a request's resource members this way).
#pragma once

#include <cstddef>
#include <string_view>

namespace fhir::json {

// `text` is a text json::parse accepted and `begin` the offset() of one of its values (a node not changed
// since). Returns the offset just past that value if its text is exactly what json::write writes for the node
// (compact: no whitespace; strings escaped as write_string escapes them: \" \\ \b \f \n \r \t and \u00xx,
// lowercase, only for the other control characters), else std::string_view::npos.
std::size_t written_form_end(std::string_view text, std::size_t begin) noexcept;

}  // namespace fhir::json
