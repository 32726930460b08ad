#include "rest/resource_body.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <random>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/json/written_form.h"
#include "search/fhir_date.h"

namespace fhirgw::rest {

using fhir::json::Node;

std::string new_id() {
  // UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit sequence (method 1 of §6.2), so
  // ids are strictly increasing within the process. Index keys on (type, id) then grow at their end
  // instead of dirtying a random page per insert. The last 62 bits stay random (ids are not guessable).
  static std::atomic<std::uint64_t> last{0};
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::uint64_t prev = last.load(std::memory_order_relaxed);
  std::uint64_t stamp;  // ms << 12 | sequence; a full sequence borrows the next millisecond
  do {
    stamp = std::max(prev + 1, ms << 12);
  } while (!last.compare_exchange_weak(prev, stamp, std::memory_order_relaxed));
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::uint64_t b = rng();
  // "%08x-%04x-7%03x-%04x-%012x" without snprintf (one id per request: its request id).
  std::string out(36, '-');
  auto hex = [&out](std::size_t at, std::uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i, v >>= 4) out[at + static_cast<std::size_t>(i)] = "0123456789abcdef"[v & 0xF];
  };
  hex(0, (stamp >> 28) & 0xFFFFFFFFULL, 8);
  hex(9, (stamp >> 12) & 0xFFFF, 4);
  out[14] = '7';
  hex(15, stamp & 0x0FFF, 3);
  hex(19, ((b >> 48) & 0x3FFF) | 0x8000, 4);
  hex(24, b & 0xFFFFFFFFFFFFULL, 12);
  return out;
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

namespace {

// The value as the request wrote it when that is what json::write would write (the common case: a compact
// Bundle written by a gateway or a mapping), else written from the tree.
void write_value(const Node& value, std::string& out, std::string_view source) {
  if (!source.empty() && value.offset() != Node::kNoOffset) {
    const std::size_t end = fhir::json::written_form_end(source, value.offset());
    if (end != std::string_view::npos) {
      out.append(source.substr(value.offset(), end - value.offset()));
      return;
    }
  }
  fhir::json::write(value, out);
}

void write_member(const fhir::json::Member& m, std::string& out, std::string_view source) {
  out += ',';
  fhir::json::write_string(m.key, out);
  out += ':';
  write_value(m.value, out, source);
}

}  // namespace

std::string stamped_json(const Node& resource, std::string_view id, std::int64_t version, std::int64_t last_updated_ms,
                         std::string_view source) {
  std::string out = "{";
  if (const Node* rt = resource.find("resourceType")) {
    out += "\"resourceType\":";
    fhir::json::write(*rt, out);
    out += ',';
  }
  out += "\"id\":";
  fhir::json::write_string(id, out);
  out += ",\"meta\":{\"versionId\":";
  fhir::json::write_string(std::to_string(version), out);
  out += ",\"lastUpdated\":";
  fhir::json::write_string(search::format_instant(last_updated_ms), out);
  if (const Node* old = resource.find("meta"); old && old->is_object()) {
    for (const auto& m : old->members()) {
      if (m.key != "versionId" && m.key != "lastUpdated") write_member(m, out, source);
    }
  }
  out += '}';
  for (const auto& m : resource.members()) {
    if (m.key != "resourceType" && m.key != "id" && m.key != "meta") write_member(m, out, source);
  }
  out += '}';
  return out;
}

namespace {

void strip_version_meta(Node& n) {
  Node* meta = n.find("meta");
  if (!meta || !meta->is_object()) return;
  meta->erase("versionId");
  meta->erase("lastUpdated");
  if (meta->size() == 0) n.erase("meta");
}

}  // namespace

bool same_content(std::string_view stored_body, const Node& incoming) {
  auto parsed = fhir::json::parse(stored_body);
  if (!parsed) return false;
  Node a(parsed.document->root());
  Node b(incoming);
  strip_version_meta(a);
  strip_version_meta(b);
  return a == b;
}

std::optional<std::int64_t> parse_etag(std::string_view e) {
  if (e.starts_with("W/")) e.remove_prefix(2);
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(e.data(), e.data() + e.size(), v);
  if (ec != std::errc() || end != e.data() + e.size() || e.empty()) return std::nullopt;
  return v;
}

std::string etag(std::int64_t version) { return "W/\"" + std::to_string(version) + "\""; }

}  // namespace fhirgw::rest
