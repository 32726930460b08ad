// Search (GET /fhir/Type?..., POST _search), paging through frozen result lists, _include /
// _revinclude, _elements and _summary.
#include <algorithm>
#include <optional>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "http/error_response.h"
#include "rest/fhir_service.h"
#include "rest/service_context.h"
#include "search/fhir_date.h"

namespace fhirgw::rest {

using fhir::json::Node;
using http::error_response;
using http::Response;

namespace {

std::string query_string(const http::QueryParams& params) {
  // Re-encode only what would break the link; values stay readable.
  auto encode = [](std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || std::string_view("-._~:|/,$*").find(static_cast<char>(c)) != std::string_view::npos) {
        out += static_cast<char>(c);
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      }
    }
    return out;
  };
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += encode(k) + "=" + encode(v);
  }
  return out;
}

bool keeps_element(std::string_view key, const std::vector<std::string>& wanted) {
  for (const std::string& w : wanted) {
    if (key == w) return true;
    // choice elements: _elements=value keeps valueQuantity
    if (key.size() > w.size() && key.starts_with(w) && std::isupper(static_cast<unsigned char>(key[w.size()]))) {
      return true;
    }
  }
  return false;
}

void mark_subsetted(Node& resource) {
  Node* meta = resource.find("meta");
  if (!meta) meta = &resource.set("meta", Node::object());
  Node* tags = meta->find("tag");
  if (!tags || !tags->is_array()) tags = &meta->set("tag", Node::array());
  Node tag = Node::object();
  tag.append_member("system", Node::string("http://terminology.hl7.org/CodeSystem/v3-ObservationValue"));
  tag.append_member("code", Node::string("SUBSETTED"));
  tags->push_back(std::move(tag));
}

}  // namespace

std::string FhirService::render_resource(const std::string& type, const std::string& body,
                                         const search::ParsedSearch* controls) {
  if (!controls || (controls->elements.empty() && (controls->summary.empty() || controls->summary == "false"))) {
    return body;
  }
  auto parsed = fhir::json::parse(body);
  if (!parsed) return body;
  const Node& in = parsed.document->root();
  Node out = Node::object();
  const fhir::model::TypeDef* def = registry_.find_type(type);
  for (const auto& m : in.members()) {
    const std::string_view key(m.key);
    bool keep = key == "resourceType" || key == "id" || key == "meta";
    if (!controls->elements.empty()) {
      keep = keep || keeps_element(key, controls->elements);
    } else if (controls->summary == "data") {
      keep = key != "text";
    } else if (controls->summary == "text") {
      keep = keep || key == "text";
    } else if (controls->summary == "true" && def) {
      std::string choice;
      const auto* e = def->child(0, key, &choice);
      keep = keep || (e && (e->is_summary || e->min > 0));
    }
    if (keep) out.append_member(key, Node(m.value));
  }
  mark_subsetted(out);
  return fhir::json::to_string(out);
}

namespace {

// `_page=after:CURSOR` / `_page=before:CURSOR` (keyset links) into the query.
std::optional<std::string> read_page_param(const http::QueryParams& params, storage::SearchQuery& q) {
  for (const auto& [k, v] : params) {
    if (k != "_page") continue;
    if (v.starts_with("after:")) {
      q.after = v.substr(6);
    } else if (v.starts_with("before:")) {
      q.before = v.substr(7);
    } else {
      return "_page must be after:CURSOR or before:CURSOR (from a next/previous link)";
    }
  }
  return std::nullopt;
}

// `_total`: "" (default: only when known without counting), none, estimate (same as default), accurate.
std::optional<std::string> read_total_param(const http::QueryParams& params, std::string& total) {
  for (const auto& [k, v] : params) {
    if (k != "_total") continue;
    if (v != "none" && v != "estimate" && v != "accurate") return "_total must be none, estimate or accurate";
    total = v;
  }
  return std::nullopt;
}

}  // namespace

Response FhirService::search(Ctx& ctx, const std::string& type, const http::QueryParams& params) {
  auto parsed = search::parse_search(catalog_, type, params);
  if (parsed.error) return error_response(400, *parsed.error);
  std::string total_mode;
  if (auto err = read_total_param(params, total_mode)) return error_response(400, *err);
  fhir::validation::Outcome warnings;
  for (const std::string& name : parsed.unknown) {
    if (ctx.prefs.strict_handling) {
      return error_response(400, "unknown search parameter '" + name + "' for " + type + " (Prefer: handling=strict)",
                            "not-supported");
    }
    warnings.add(fhir::validation::Severity::Warning, "not-supported",
                 "unknown search parameter '" + name + "' was ignored");
  }
  const std::size_t count = std::min(parsed.count_given ? parsed.count : config_.default_count, config_.max_count);
  storage::SearchQuery q = parsed.query;
  const bool count_only = parsed.summary == "count";
  q.count_total = count_only || total_mode == "accurate";
  std::string self_query = query_string(params);

  if (count_only || q.sort.empty()) {
    // Keyset paging: the page is the next `count` matches after (or before) a cursor, so no search
    // keeps a list of matches, and pages do not shift while data changes.
    if (auto err = read_page_param(params, q)) return error_response(400, *err);
    q.limit = count_only ? 0 : count;
    q.with_bodies = true;
    storage::SearchResult result;
    try {
      result = store_.search(q);
    } catch (const storage::InvalidCursor&) {
      return error_response(400, "_page does not hold a cursor from a next/previous link");
    }
    PageView view{type, parsed, std::move(result.matches), std::nullopt, {}, std::move(result.bodies)};
    const bool paged = !q.after.empty() || !q.before.empty();
    if (q.count_total) {
      view.total = result.total;
    } else if (!paged && !result.more && total_mode != "none") {
      view.total = view.matches.size();  // the first page holds every match
    }
    view.links.emplace_back("self", ctx.base + "/" + type + (self_query.empty() ? "" : "?" + self_query));
    if (!count_only) {
      http::QueryParams rest;
      for (const auto& p : params) {
        if (p.first != "_page") rest.push_back(p);
      }
      const std::string link_base = ctx.base + "/" + type + "?" + query_string(rest) + (rest.empty() ? "" : "&");
      const bool backward = !q.before.empty();
      const bool more_after = backward ? !view.matches.empty() : result.more;
      const bool more_before = backward ? result.more : !q.after.empty() && !view.matches.empty();
      if (more_after) view.links.emplace_back("next", link_base + "_page=after:" + result.last_cursor);
      if (more_before) view.links.emplace_back("previous", link_base + "_page=before:" + result.first_cursor);
    }
    return render_page(ctx, view, warnings);
  }

  // _sort: the sorted matches (at most fhir.max_search_results) are kept, and the links page
  // through that frozen list.
  q.limit = config_.max_search_results;
  auto result = store_.search(q);
  auto cached = std::make_shared<CachedSearch>();
  cached->type = type;
  cached->matches = std::move(result.matches);
  if (q.count_total) {
    cached->total = result.total;
  } else if (!result.more && total_mode != "none") {
    cached->total = cached->matches.size();
  }
  cached->self_query = std::move(self_query);
  cached->client_id = ctx.req.client_id;
  cached->parsed = std::move(parsed);
  std::string page_id;
  if (cached->matches.size() > count) page_id = pages_.put(cached);
  return render_frozen_page(ctx, *cached, 0, count, page_id, warnings);
}

Response FhirService::page(Ctx& ctx, const std::string& page_id) {
  const auto cached = pages_.get(page_id);
  // Another client's page is answered as if unknown (its scopes were checked for its own search, with
  // its _include/_revinclude types, not for this client).
  if (!cached || cached->client_id != ctx.req.client_id) {
    return error_response(410, "this search result has expired; run the search again", "not-found");
  }
  std::size_t offset = 0;
  std::size_t count = config_.default_count;
  for (const auto& [k, v] : ctx.req.query) {
    try {
      if (k == "_offset") offset = std::stoul(v);
      if (k == "_count") count = std::min<std::size_t>(std::stoul(v), config_.max_count);
    } catch (...) {
      return error_response(400, k + " must be a non-negative integer");
    }
  }
  return render_frozen_page(ctx, *cached, offset, count, page_id, {});
}

Response FhirService::render_frozen_page(Ctx& ctx, const CachedSearch& s, std::size_t offset, std::size_t count,
                                         const std::string& page_id, const fhir::validation::Outcome& warnings) {
  auto page_link = [&](std::size_t off) {
    return ctx.base + "?_getpages=" + page_id + "&_offset=" + std::to_string(off) + "&_count=" + std::to_string(count);
  };
  const std::size_t end = std::min(s.matches.size(), offset + count);
  PageView view{s.type, s.parsed, {}, s.total, {}, {}};
  if (offset < end) {
    view.matches.assign(s.matches.begin() + static_cast<std::ptrdiff_t>(offset),
                        s.matches.begin() + static_cast<std::ptrdiff_t>(end));
  }
  if (offset == 0 || page_id.empty()) {
    view.links.emplace_back("self", ctx.base + "/" + s.type + (s.self_query.empty() ? "" : "?" + s.self_query));
  } else {
    view.links.emplace_back("self", page_link(offset));
  }
  if (!page_id.empty() && end < s.matches.size()) view.links.emplace_back("next", page_link(end));
  if (!page_id.empty() && offset > 0)
    view.links.emplace_back("previous", page_link(offset > count ? offset - count : 0));
  return render_page(ctx, view, warnings);
}

Response FhirService::render_page(Ctx& ctx, const PageView& page, const fhir::validation::Outcome& warnings) {
  BundleWriter b("searchset", ctx.now_ms);
  if (page.total) b.total(*page.total);
  for (const auto& [relation, url] : page.links) b.link(relation, url);
  const search::ParsedSearch& parsed = page.parsed;
  const std::vector<storage::ResourceRef>& refs = page.matches;
  const std::string match_mode = R"({"mode":"match"})";
  if (page.bodies.size() == refs.size()) {
    for (std::size_t i = 0; i < refs.size(); ++i) {
      const storage::ResourceRef& r = refs[i];
      b.entry(ctx.base + "/" + r.type + "/" + r.id, render_resource(r.type, page.bodies[i], &parsed), match_mode);
    }
  } else {
    for (const auto& v : store_.read_many(refs)) {
      b.entry(ctx.base + "/" + v.type + "/" + v.id, render_resource(v.type, v.body, &parsed), match_mode);
    }
  }

  // _include / _revinclude for the resources on this page.
  std::vector<storage::ResourceRef> included;
  auto add_included = [&](const storage::ResourceRef& r) {
    if (included.size() >= config_.max_includes) return;
    if (std::find(refs.begin(), refs.end(), r) != refs.end()) return;
    if (std::find(included.begin(), included.end(), r) == included.end()) included.push_back(r);
  };
  for (const auto& spec : parsed.includes) {
    if (spec.source_type != page.type) continue;
    // A parameter without rows of its own (search/shared_index.h) includes what its sources point at.
    std::vector<storage::IndexSource> sources{{spec.param == "*" ? std::string() : spec.param, {}}};
    if (const auto* p = catalog_.find(spec.source_type, spec.param); p && !p->indexed()) sources = p->sources;
    for (const auto& r : refs) {
      for (const auto& source : sources) {
        for (const auto& target : store_.references_of(r, source.param)) {
          if (!source.target_type.empty() && source.target_type != target.type) continue;
          if (spec.target_type.empty() || spec.target_type == target.type) add_included(target);
        }
      }
    }
  }
  for (const auto& spec : parsed.revincludes) {
    const auto* param = catalog_.find(spec.source_type, spec.param);
    if (!param) continue;
    for (const auto& r : refs) {
      storage::SearchQuery q;
      q.type = spec.source_type;
      q.limit = config_.max_includes;
      q.count_total = false;
      storage::SearchClause c;
      c.param = spec.param;
      c.kind = storage::ParamKind::Reference;
      c.sources = param->sources;
      storage::SearchValue v;
      v.target_type = r.type;
      v.target_id = r.id;
      c.any_of.push_back(v);
      q.all_of.push_back(std::move(c));
      for (const auto& m : store_.search(q).matches) add_included(m);
    }
  }
  const std::string include_mode = R"({"mode":"include"})";
  for (const auto& v : store_.read_many(included)) {
    b.entry(ctx.base + "/" + v.type + "/" + v.id, v.body, include_mode);
  }
  if (!warnings.issues().empty()) {
    b.entry({}, fhir::json::to_string(warnings.to_operation_outcome()), R"({"mode":"outcome"})");
  }
  Response r;
  r.headers.set("content-type", std::string(http::kFhirJson));
  r.body = b.finish();
  return r;
}

}  // namespace fhirgw::rest
