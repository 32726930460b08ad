// Canonical FHIR JSON writer (see fhir/model/canonical_writer.h).
//
// Per object: each member gets a rank from the TypeDef's JSON-name index (spec position of its element;
// `_x` right after `x`; unknown members after all known ones in source order), the members are sorted by
// rank in a small stack buffer, then written. No allocation beyond the output string unless an object has
// more than kStackMembers members.
#include "fhir/model/canonical_writer.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace fhir::model {
namespace {

constexpr std::size_t kStackMembers = 32;  // keeps deep nesting cheap on small thread stacks
constexpr std::uint64_t kUnknownRank = std::uint64_t{1} << 40;

// Where a JSON object sits in the model: an element of a TypeDef whose children describe its members.
struct Context {
  const TypeDef* type = nullptr;  // nullptr: unknown, write in source order
  std::uint32_t element = 0;
  bool resource = false;  // the value is a resource: its type comes from its own resourceType
};

struct Ranked {
  std::uint64_t rank;
  std::uint32_t member;
  const TypeDef::ChildName* name;  // nullptr for unknown members and resourceType
  bool underscore;                 // `_x` member (primitive's id/extensions)
};

class CanonicalWriter {
 public:
  CanonicalWriter(const Registry& registry, std::string& out, bool pretty)
      : registry_(registry), out_(out), pretty_(pretty), element_type_(registry.find_type("Element")) {}

  void value(const json::Node& v, const Context& ctx, int depth) {
    switch (v.kind()) {
      case json::Kind::Object:
        if (ctx.resource) {
          resource(v, depth);
        } else if (ctx.type != nullptr) {
          object(v, ctx, depth, false);
        } else {
          generic(v, depth);
        }
        return;
      case json::Kind::Array: {
        const auto items = v.items();
        out_.push_back('[');
        for (std::size_t i = 0; i < items.size(); ++i) {
          if (i > 0) out_.push_back(',');
          newline(depth + 1);
          value(items[i], ctx, depth + 1);
        }
        if (!items.empty()) newline(depth);
        out_.push_back(']');
        return;
      }
      default: primitive(v); return;
    }
  }

  void resource(const json::Node& v, int depth) {
    const json::Node* rt = v.is_object() ? v.find("resourceType") : nullptr;
    const TypeDef* type = rt != nullptr && rt->is_string() ? registry_.find_type(rt->text()) : nullptr;
    if (type != nullptr && type->kind == TypeKind::Resource) {
      object(v, Context{type, 0, false}, depth, true);
    } else {
      generic(v, depth);
    }
  }

  // The context of a child element's value.
  Context child_context(const TypeDef& type, const TypeDef::ChildName& name) {
    if (name.nested != ElementDef::kNoParent) return Context{&type, name.nested, false};
    const ElementDef& e = type.elements[name.child];
    const TypeRef* ref = nullptr;
    if (name.choice_type != ElementDef::kNoParent) {
      ref = &e.types[name.choice_type];
    } else if (e.types.size() == 1) {
      ref = &e.types[0];
    }
    if (ref == nullptr || ref->code.empty()) return Context{};
    const TypeDef* t = resolve(*ref);
    if (t == nullptr) return Context{};
    if (t->kind == TypeKind::Resource) return Context{nullptr, 0, true};  // "Resource", contained, ...
    return Context{t, 0, false};
  }

  // Type lookup through a small direct-mapped cache keyed by the TypeRef's address (stable in the registry).
  const TypeDef* resolve(const TypeRef& ref) {
    const auto slot = (reinterpret_cast<std::uintptr_t>(&ref) >> 4) % kTypeCacheSize;
    if (type_cache_[slot].first == &ref) return type_cache_[slot].second;
    const TypeDef* t = registry_.find_type(ref.code);
    type_cache_[slot] = {&ref, t};
    return t;
  }

  void object(const json::Node& v, const Context& ctx, int depth, bool is_resource) {
    const auto members = v.members();
    const std::size_t n = members.size();
    Ranked stack_buffer[kStackMembers];
    std::vector<Ranked> heap_buffer;
    Ranked* ranked = stack_buffer;
    if (n > kStackMembers) {
      heap_buffer.resize(n);
      ranked = heap_buffer.data();
    }
    const TypeDef& type = *ctx.type;
    for (std::size_t i = 0; i < n; ++i) {
      std::string_view key = members[i].key;
      Ranked r{kUnknownRank + i, static_cast<std::uint32_t>(i), nullptr, false};
      if (is_resource && key == "resourceType") {
        r.rank = 0;
      } else {
        const bool underscore = key.size() > 1 && key[0] == '_';
        if (underscore) key.remove_prefix(1);
        if (const TypeDef::ChildName* name = type.lookup_child(ctx.element, key)) {
          r.rank = (std::uint64_t{name->order} + 1) * 2 + (underscore ? 1 : 0);
          r.name = name;
          r.underscore = underscore;
        }
      }
      // Insertion sort: objects are small and this keeps equal ranks (never expected) in source order.
      std::size_t j = i;
      while (j > 0 && ranked[j - 1].rank > r.rank) {
        ranked[j] = ranked[j - 1];
        --j;
      }
      ranked[j] = r;
    }
    out_.push_back('{');
    for (std::size_t i = 0; i < n; ++i) {
      const Ranked& r = ranked[i];
      const json::Member& m = members[r.member];
      if (i > 0) out_.push_back(',');
      newline(depth + 1);
      json::write_string(m.key, out_);
      if (pretty_) {
        out_.append(": ", 2);
      } else {
        out_.push_back(':');
      }
      Context child;
      if (r.name != nullptr) {
        child = r.underscore ? Context{element_type_, 0, false} : child_context(type, *r.name);
      }
      value(m.value, child, depth + 1);
    }
    if (n > 0) newline(depth);
    out_.push_back('}');
  }

  // Source order, used where the model does not apply.
  void generic(const json::Node& v, int depth) {
    if (v.kind() == json::Kind::Array) {
      value(v, Context{}, depth);
      return;
    }
    if (v.kind() != json::Kind::Object) {
      primitive(v);
      return;
    }
    const auto members = v.members();
    out_.push_back('{');
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out_.push_back(',');
      newline(depth + 1);
      json::write_string(members[i].key, out_);
      if (pretty_) {
        out_.append(": ", 2);
      } else {
        out_.push_back(':');
      }
      generic(members[i].value, depth + 1);
    }
    if (!members.empty()) newline(depth);
    out_.push_back('}');
  }

  void primitive(const json::Node& v) {
    if (v.kind() == json::Kind::String) {
      json::write_string(v.text(), out_);
    } else {
      out_.append(v.text());  // numbers: exact source text; true/false/null
    }
  }

 private:
  void newline(int depth) {
    if (!pretty_) return;
    out_.push_back('\n');
    out_.append(static_cast<std::size_t>(depth) * 2, ' ');
  }

  static constexpr std::size_t kTypeCacheSize = 64;
  std::array<std::pair<const TypeRef*, const TypeDef*>, kTypeCacheSize> type_cache_{};
  const Registry& registry_;
  std::string& out_;
  bool pretty_;
  const TypeDef* element_type_;
};

}  // namespace

void write_resource(const json::Node& resource, std::string& out, const json::WriteOptions& options,
                    const Registry& registry) {
  CanonicalWriter(registry, out, options.pretty).resource(resource, 0);
}

std::string to_canonical_json(const json::Node& resource, const json::WriteOptions& options, const Registry& registry) {
  std::string out;
  write_resource(resource, out, options, registry);
  return out;
}

void write_element(const json::Node& value, std::string_view type_name, std::string& out,
                   const json::WriteOptions& options, const Registry& registry) {
  CanonicalWriter writer(registry, out, options.pretty);
  const TypeDef* type = registry.find_type(type_name);
  if (type == nullptr) {
    writer.generic(value, 0);
  } else if (type->kind == TypeKind::Resource) {
    writer.value(value, Context{nullptr, 0, true}, 0);
  } else {
    writer.value(value, Context{type, 0, false}, 0);
  }
}

}  // namespace fhir::model
