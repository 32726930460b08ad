#include "rest/json_patch.h"

#include <charconv>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace fhirgw::rest {

using fhir::json::Kind;
using fhir::json::Node;

namespace {

using patch_detail::malformed;
using patch_detail::not_applicable;

// RFC 6901: "" is the whole document; otherwise "/"-separated tokens with ~1 -> "/" and ~0 -> "~".
std::vector<std::string> parse_pointer(std::string_view pointer, std::string_view member) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') malformed("'" + std::string(member) + "' must be a JSON Pointer starting with '/'");
  std::string token;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
    } else if (pointer[i] == '~') {
      const char next = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
      if (next != '0' && next != '1') malformed("'" + std::string(member) + "' has a '~' not followed by 0 or 1");
      token += next == '0' ? '~' : '/';
      ++i;
    } else {
      token += pointer[i];
    }
  }
  return tokens;
}

std::string describe(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) out += "/" + t;
  return out.empty() ? "the whole resource" : "'" + out + "'";
}

// An array index token: digits without leading zeros, below `limit` (or equal when `allow_end`).
std::size_t array_index(const std::string& token, std::size_t size, bool allow_end,
                        const std::vector<std::string>& path) {
  if (allow_end && token == "-") return size;
  std::size_t index = 0;
  const bool digits = !token.empty() && (token == "0" || token.front() != '0') &&
                      std::from_chars(token.data(), token.data() + token.size(), index).ec == std::errc() &&
                      token.find_first_not_of("0123456789") == std::string::npos;
  if (!digits) not_applicable(describe(path) + ": '" + token + "' is not an array index");
  if (index > size || (index == size && !allow_end)) {
    not_applicable(describe(path) + ": index " + token + " is past the end of an array of " + std::to_string(size));
  }
  return index;
}

Node* child(Node& parent, const std::string& token, const std::vector<std::string>& path) {
  if (parent.is_object()) return parent.find(token);
  if (parent.is_array()) return &parent.items()[array_index(token, parent.items().size(), false, path)];
  return nullptr;
}

// The node at `path`, or a NotApplicable failure naming the path.
Node& resolve(Node& root, const std::vector<std::string>& path) {
  Node* at = &root;
  for (const auto& token : path) {
    at = child(*at, token, path);
    if (!at) not_applicable(describe(path) + " does not exist in the resource");
  }
  return *at;
}

// The container that holds the last token of `path` (path must not be empty).
Node& parent_of(Node& root, const std::vector<std::string>& path) {
  const std::vector<std::string> parent_path(path.begin(), path.end() - 1);
  Node& parent = resolve(root, parent_path);
  if (!parent.is_object() && !parent.is_array()) {
    not_applicable(describe(path) + ": its parent is neither an object nor an array");
  }
  return parent;
}

void add(Node& root, const std::vector<std::string>& path, Node value) {
  if (path.empty()) {
    root = std::move(value);
    return;
  }
  Node& parent = parent_of(root, path);
  if (parent.is_object()) {
    parent.set(path.back(), std::move(value));
  } else {
    insert_item(parent, array_index(path.back(), parent.items().size(), true, path), std::move(value));
  }
}

Node remove(Node& root, const std::vector<std::string>& path) {
  if (path.empty()) not_applicable("the whole resource cannot be removed");
  Node& parent = parent_of(root, path);
  Node& target = resolve(root, path);  // fails when absent
  Node removed(std::move(target), root.get_allocator());
  if (parent.is_object()) {
    parent.erase(path.back());
  } else {
    erase_item(parent, array_index(path.back(), parent.items().size(), false, path));
  }
  return removed;
}

bool numbers_equal(std::string_view a, std::string_view b) {
  if (a == b) return true;
  // RFC 6902 compares numbers by value: 12.5 equals 12.50 here (FHIR precision is not a patch concern).
  return std::strtold(std::string(a).c_str(), nullptr) == std::strtold(std::string(b).c_str(), nullptr);
}

bool json_equal(const Node& a, const Node& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::Number: return numbers_equal(a.text(), b.text());
    case Kind::String: return a.text() == b.text();
    case Kind::Array:
      if (a.items().size() != b.items().size()) return false;
      for (std::size_t i = 0; i < a.items().size(); ++i) {
        if (!json_equal(a.items()[i], b.items()[i])) return false;
      }
      return true;
    case Kind::Object:
      if (a.members().size() != b.members().size()) return false;
      for (const auto& m : a.members()) {
        const Node* other = b.find(m.key);
        if (!other || !json_equal(m.value, *other)) return false;
      }
      return true;
    default: return true;  // null, true, false: equal kinds are equal values
  }
}

std::string_view string_member(const Node& op, std::string_view name) {
  const Node* v = op.find(name);
  if (!v) malformed("the operation has no '" + std::string(name) + "'");
  if (!v->is_string()) malformed("'" + std::string(name) + "' must be a string");
  return v->text();
}

const Node& value_member(const Node& op) {
  const Node* v = op.find("value");
  if (!v) malformed("the operation has no 'value'");
  return *v;
}

bool is_proper_prefix(const std::vector<std::string>& prefix, const std::vector<std::string>& path) {
  if (prefix.size() >= path.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (prefix[i] != path[i]) return false;
  }
  return true;
}

void apply_operation(Node& root, const Node& op) {
  if (!op.is_object()) malformed("each operation must be a JSON object");
  const std::string_view name = string_member(op, "op");
  const auto path = parse_pointer(string_member(op, "path"), "path");
  const auto alloc = root.get_allocator();
  if (name == "add") {
    add(root, path, Node(value_member(op), alloc));
  } else if (name == "remove") {
    remove(root, path);
  } else if (name == "replace") {
    const Node& value = value_member(op);
    resolve(root, path) = Node(value, alloc);
  } else if (name == "move") {
    const auto from = parse_pointer(string_member(op, "from"), "from");
    if (is_proper_prefix(from, path)) malformed("'from' " + describe(from) + " cannot move into its own child");
    if (from != path)
      add(root, path, remove(root, from));
    else
      resolve(root, from);  // moving onto itself still requires the location to exist
  } else if (name == "copy") {
    const auto from = parse_pointer(string_member(op, "from"), "from");
    add(root, path, Node(resolve(root, from), alloc));
  } else if (name == "test") {
    if (!json_equal(resolve(root, path), value_member(op))) {
      not_applicable("test failed: " + describe(path) + " does not have the expected value");
    }
  } else {
    malformed("unknown op '" + std::string(name) + "' (add, remove, replace, move, copy, test)");
  }
}

}  // namespace

std::optional<PatchFailure> apply_json_patch(Node& target, const Node& patch) {
  if (!patch.is_array()) return PatchFailure{PatchFailure::Kind::Malformed, 0, "a JSON Patch document is a JSON array"};
  Node work(target, target.get_allocator());
  std::size_t index = 0;
  try {
    for (const Node& op : patch.items()) {
      apply_operation(work, op);
      ++index;
    }
  } catch (const patch_detail::OperationFailed& f) {
    return PatchFailure{f.kind, index, f.reason};
  }
  target = std::move(work);
  return std::nullopt;
}

}  // namespace fhirgw::rest
