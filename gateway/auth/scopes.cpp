#include "auth/scopes.h"

namespace fhirgw::auth {
namespace {

bool valid_type(std::string_view t) {
  if (t == "*") return true;
  if (t.empty() || t.size() > 64 || t[0] < 'A' || t[0] > 'Z') return false;
  for (const char c : t) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

// v2 letters must appear in the order c, r, u, d, s, each at most once.
bool parse_v2(std::string_view letters, std::uint8_t& out) {
  static constexpr std::string_view kOrder = "cruds";
  std::size_t pos = 0;
  out = 0;
  for (const char c : letters) {
    const auto at = kOrder.find(c, pos);
    if (at == std::string_view::npos) return false;
    out = static_cast<std::uint8_t>(out | (1u << at));
    pos = at + 1;
  }
  return !letters.empty();
}

std::uint8_t union_for(const Permissions& p, std::string_view type) {
  std::uint8_t have = 0;
  for (const auto& rule : p.rules) {
    if (rule.resource_type == "*" || (!type.empty() && rule.resource_type == type)) {
      have = static_cast<std::uint8_t>(have | rule.rights);
    }
  }
  return have;
}

}  // namespace

std::string Permissions::to_string() const {
  std::string out;
  for (const auto& rule : rules) {
    if (!out.empty()) out += ' ';
    out += rule.text;
  }
  return out;
}

Result<ScopeRule> parse_scope(std::string_view scope) {
  const std::string shown = printable(scope, 80);
  constexpr std::string_view kPrefix = "system/";
  if (scope.substr(0, kPrefix.size()) != kPrefix) return fail("scope '" + shown + "' is not a system/ scope");
  if (scope.find('?') != std::string_view::npos) {
    return fail("scope '" + shown + "': query restrictions are not supported");
  }
  const auto body = scope.substr(kPrefix.size());
  const auto dot = body.find('.');
  if (dot == std::string_view::npos) return fail("scope '" + shown + "' has no '.<permission>'");
  ScopeRule rule;
  rule.resource_type = std::string(body.substr(0, dot));
  if (!valid_type(rule.resource_type)) return fail("scope '" + shown + "' names no valid resource type");
  const auto perm = body.substr(dot + 1);
  if (perm == "read") {
    rule.rights = rights::r | rights::s;
  } else if (perm == "write") {
    rule.rights = rights::c | rights::u | rights::d;
  } else if (perm == "*") {
    rule.rights = rights::all;
  } else if (!parse_v2(perm, rule.rights)) {
    return fail("scope '" + shown + "' has an unknown permission '" + printable(perm, 16) + "'");
  }
  rule.text = std::string(scope);
  return rule;
}

Result<Permissions> parse_scopes(std::string_view scopes) {
  Permissions out;
  std::size_t pos = 0;
  while (pos < scopes.size()) {
    if (scopes[pos] == ' ') {
      ++pos;
      continue;
    }
    auto end = scopes.find(' ', pos);
    if (end == std::string_view::npos) end = scopes.size();
    auto rule = parse_scope(scopes.substr(pos, end - pos));
    if (!rule) return std::move(rule).error();
    bool duplicate = false;
    for (const auto& r : out.rules) duplicate = duplicate || r.text == rule->text;
    if (!duplicate) out.rules.push_back(std::move(rule).value());
    pos = end;
  }
  return out;
}

std::uint8_t required_rights(Interaction interaction) {
  switch (interaction) {
    case Interaction::read:
    case Interaction::vread:
    case Interaction::history: return rights::r;
    case Interaction::search:
    case Interaction::history_type: return rights::s;
    case Interaction::create: return rights::c;
    case Interaction::update:
    case Interaction::patch: return rights::u;
    case Interaction::delete_: return rights::d;
    case Interaction::operation: return rights::r | rights::s;
  }
  return rights::all;
}

bool allows(const Permissions& permissions, std::string_view resource_type, Interaction interaction) {
  const auto need = required_rights(interaction);
  return (union_for(permissions, resource_type) & need) == need;
}

bool covers(const Permissions& permissions, const ScopeRule& rule) {
  if (rule.resource_type == "*") {
    // A wildcard request is covered only by wildcard grants.
    std::uint8_t have = 0;
    for (const auto& g : permissions.rules) {
      if (g.resource_type == "*") have = static_cast<std::uint8_t>(have | g.rights);
    }
    return (have & rule.rights) == rule.rights;
  }
  return (union_for(permissions, rule.resource_type) & rule.rights) == rule.rights;
}

}  // namespace fhirgw::auth
