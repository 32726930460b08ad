// SMART system scopes as permissions. Accepted forms (SMART App Launch 2.0, "backend services"):
//   v1: system/<Type|*>.read | .write | .*        (read = r+s, write = c+u+d, * = cruds)
//   v2: system/<Type|*>.<ordered subset of cruds>  e.g. system/Observation.rs, system/*.cruds
// v2 scopes with query restrictions ("?category=...") are refused as unsupported, never widened.
// Interaction -> right: read/vread/history(instance) = r, search/history_type = s, create = c,
// update/patch = u, delete = d, operation = r and s (the server checks a writing operation as the write
// interaction it performs). A system-level search or history (no resource type) needs a "*" scope.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/result.h"

namespace fhirgw::auth {

enum class Interaction : std::uint8_t {
  read,
  vread,
  history,       // instance history
  history_type,  // type or system history
  search,
  create,
  update,
  patch,
  delete_,
  operation,
};

namespace rights {
inline constexpr std::uint8_t c = 1, r = 2, u = 4, d = 8, s = 16, all = 31;
}

struct ScopeRule {
  std::string resource_type;  // "*" for every type
  std::uint8_t rights = 0;    // bits of rights::
  std::string text;           // the scope as written

  friend bool operator==(const ScopeRule&, const ScopeRule&) = default;
};

struct Permissions {
  std::vector<ScopeRule> rules;

  bool empty() const { return rules.empty(); }
  // The space-separated scope texts, as an OAuth "scope" value.
  std::string to_string() const;
};

// One scope. Errors: not a system/ scope, bad resource type, unknown or unordered permission letters,
// query restrictions.
Result<ScopeRule> parse_scope(std::string_view scope);

// A space-separated list. Every entry must parse (an error names the entry).
Result<Permissions> parse_scopes(std::string_view scopes);

std::uint8_t required_rights(Interaction interaction);

bool allows(const Permissions& permissions, std::string_view resource_type, Interaction interaction);

// True when `permissions` grants everything `rule` asks for.
bool covers(const Permissions& permissions, const ScopeRule& rule);

}  // namespace fhirgw::auth
