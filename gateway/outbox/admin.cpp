#include "outbox/admin.h"

#include <charconv>
#include <chrono>

#include "fhir/json/writer.h"
#include "http/error_response.h"
#include "search/fhir_date.h"

namespace fhirgw::outbox {

using http::error_response;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void member(std::string& out, const char* name, const std::string& value) {
  out += ',';
  fhir::json::write_string(name, out);
  out += ':';
  fhir::json::write_string(value, out);
}

void member(std::string& out, const char* name, std::int64_t value) {
  out += ",\"";
  out += name;
  out += "\":" + std::to_string(value);
}

http::Response json(std::string body) {
  http::Response r;
  r.headers.set("content-type", "application/json");
  r.body = std::move(body);
  return r;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

std::string Admin::counts_json() {
  const auto stats = store_.outbox_stats();
  std::string out = "[";
  auto add = [&](const storage::OutboxPeerStats& st) {
    if (out.size() > 1) out += ',';
    out += "{\"peer\":";
    fhir::json::write_string(st.peer, out);
    member(out, "pending", static_cast<std::int64_t>(st.pending));
    member(out, "retrying", static_cast<std::int64_t>(st.retrying));
    member(out, "dead_letters", static_cast<std::int64_t>(st.dead_letters));
    if (st.oldest_ms > 0) member(out, "oldest", search::format_instant(st.oldest_ms));
    if (!st.last_error.empty()) member(out, "last_error", st.last_error);
    if (const std::string e = peer_error_ ? peer_error_(st.peer) : std::string(); !e.empty())
      member(out, "peer_error", e);
    out += '}';
  };
  // Configured peers first (zeros included), then rows of peers no longer configured.
  for (const PeerConfig& p : config_.peers) {
    storage::OutboxPeerStats st;
    st.peer = p.name;
    for (const auto& s : stats) {
      if (s.peer == p.name) st = s;
    }
    add(st);
  }
  for (const auto& s : stats) {
    if (!config_.find_peer(s.peer)) add(s);
  }
  return out + "]";
}

http::Response Admin::handle(const http::Request& req) {
  const std::string& p = req.path;
  if (p == "/admin/outbox" || p == "/admin/dead-letters") {
    if (req.method != "GET") {
      http::Response r = error_response(405, "only GET is allowed here");
      r.headers.set("allow", "GET");
      return r;
    }
    if (p == "/admin/outbox") return json("{\"peers\":" + counts_json() + "}");
    std::int64_t limit = 100;
    for (const auto& [k, v] : req.query) {
      if (k != "_count") continue;
      const auto n = parse_int(v);
      if (!n || *n > 1000) return error_response(400, "_count must be an integer from 0 to 1000");
      limit = *n;
    }
    std::string list = "[";
    for (const auto& d : store_.dead_letters(static_cast<std::size_t>(limit))) {
      if (list.size() > 1) list += ',';
      list += "{\"id\":" + std::to_string(d.id);
      member(list, "peer", d.peer);
      member(list, "resource", d.type + "/" + d.resource_id);
      member(list, "version", d.version);
      member(list, "attempts", d.attempts);
      member(list, "stored", search::format_instant(d.created_ms));
      member(list, "failed", search::format_instant(d.failed_ms));
      member(list, "last_error", d.last_error);
      list += '}';
    }
    return json("{\"peers\":" + counts_json() + ",\"dead_letters\":" + list + "]}");
  }
  constexpr std::string_view kPrefix = "/admin/dead-letters/";
  constexpr std::string_view kSuffix = "/$retry";
  if (p.starts_with(kPrefix) && p.ends_with(kSuffix) && p.size() > kPrefix.size() + kSuffix.size()) {
    if (req.method != "POST") {
      http::Response r = error_response(405, "use POST to retry a dead letter");
      r.headers.set("allow", "POST");
      return r;
    }
    const auto id = parse_int(std::string_view(p).substr(kPrefix.size(), p.size() - kPrefix.size() - kSuffix.size()));
    if (!id) return error_response(400, "the dead letter id must be a number");
    if (!store_.retry_dead_letter(*id, now_ms()))
      return error_response(404, "no dead letter " + std::to_string(*id), "not-found");
    if (wake_) wake_();
    return json("{\"retried\":" + std::to_string(*id) + "}");
  }
  return error_response(404, "no such admin endpoint");
}

}  // namespace fhirgw::outbox
