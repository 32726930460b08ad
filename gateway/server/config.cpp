#include "server/config.h"

#include <charconv>
#include <functional>

#include "fhir/json/parser.h"

namespace fhirgw::server {
namespace {

using fhir::json::Node;

struct KeyDef {
  const char* path;   // dotted JSON path
  const char* fallback;
  const char* help;
  // Applies a value; returns an error text ("" = fine).
  std::function<std::string(const Node&, ServerConfig&)> apply;
};

std::string want_string(const Node& n, std::string& out) {
  if (!n.is_string()) return "must be a string";
  out = std::string(n.text());
  return {};
}

std::string want_bool(const Node& n, bool& out) {
  if (!n.is_bool()) return "must be true or false";
  out = n.as_bool();
  return {};
}

template <typename T>
std::string want_int(const Node& n, T& out, long long lo, long long hi) {
  long long v = 0;
  const auto text = n.text();
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (!n.is_number() || ec != std::errc() || end != text.data() + text.size()) return "must be an integer";
  if (v < lo || v > hi) return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
  out = static_cast<T>(v);
  return {};
}

std::string one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (v == a) return {};
  }
  std::string msg = "must be one of";
  for (const char* a : allowed) msg += std::string(" ") + a;
  return msg;
}

const std::vector<KeyDef>& keys() {
  static const std::vector<KeyDef> kKeys = {
      {"listen", "127.0.0.1:8080", "HOST:PORT to listen on; port 0 picks a free port (reported on stdout)",
       [](const Node& n, ServerConfig& c) {
         std::string v;
         if (auto e = want_string(n, v); !e.empty()) return e;
         auto err = apply_listen(v, c);
         return err ? *err : std::string();
       }},
      {"data_dir", "./data", "folder of the SQLite database (created if missing) and the port file",
       [](const Node& n, ServerConfig& c) { return want_string(n, c.data_dir); }},
      {"allow_plain_http_non_loopback", "false",
       "allow plain HTTP on a non-loopback address (otherwise refused at start-up)",
       [](const Node& n, ServerConfig& c) { return want_bool(n, c.allow_plain_http_non_loopback); }},
      {"tls.cert_file", "\"\"", "PEM certificate chain; with tls.key_file the server speaks HTTPS only (TLS 1.2+)",
       [](const Node& n, ServerConfig& c) { return want_string(n, c.tls_cert_file); }},
      {"tls.key_file", "\"\"", "PEM private key of tls.cert_file",
       [](const Node& n, ServerConfig& c) { return want_string(n, c.tls_key_file); }},
      {"threads", "4", "I/O and handler threads", [](const Node& n, ServerConfig& c) { return want_int(n, c.threads, 1, 256); }},
      {"limits.max_header_bytes", "16384", "largest request header block; more is answered 413",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.max_header_bytes, 1024, 1 << 20); }},
      {"limits.max_body_bytes", "33554432", "largest request body; more is answered 413",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.max_body_bytes, 1024, 1LL << 32); }},
      {"limits.max_connections", "1024", "open connections; more are answered 503 and closed",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.max_connections, 1, 1'000'000); }},
      {"limits.max_in_flight", "256", "requests handled at once; more are answered 429 (0 = no limit)",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.max_in_flight, 0, 1'000'000); }},
      {"limits.read_timeout_ms", "30000", "time to receive one whole request; slower clients are cut off",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.read_timeout_ms, 100, 3'600'000); }},
      {"limits.idle_timeout_ms", "60000", "keep-alive connections idle longer than this are closed",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.idle_timeout_ms, 100, 3'600'000); }},
      {"limits.shutdown_grace_ms", "10000", "on SIGTERM/SIGINT, time in-flight requests get before exit",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.shutdown_grace_ms, 0, 600'000); }},
      {"storage.synchronous", "full",
       "SQLite synchronous: full (every 2xx survives power loss) or normal (faster; may lose the last "
       "commits on power loss, never on a crash)",
       [](const Node& n, ServerConfig& c) {
         if (auto e = want_string(n, c.synchronous); !e.empty()) return e;
         return one_of(c.synchronous, {"full", "normal"});
       }},
      {"storage.read_connections", "8", "pooled read-only SQLite connections",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.read_connections, 1, 256); }},
      {"fhir.validation", "lenient",
       "strict: invalid resources get 422; lenient: stored, issues returned; off: not validated",
       [](const Node& n, ServerConfig& c) {
         if (auto e = want_string(n, c.validation); !e.empty()) return e;
         return one_of(c.validation, {"strict", "lenient", "off"});
       }},
      {"fhir.default_count", "20", "search page size without _count",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.default_count, 1, 10'000); }},
      {"fhir.max_count", "1000", "largest _count honoured",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.max_count, 1, 100'000); }},
      {"fhir.max_search_results", "10000", "matches kept for paging one search",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.max_search_results, 1, 10'000'000); }},
      {"fhir.base_url", "\"\"", "public base URL for links (e.g. https://gw.example.org/fhir); empty: from Host",
       [](const Node& n, ServerConfig& c) { return want_string(n, c.base_url); }},
      {"fhir.packages", "[]", "extra FHIR package folders whose profiles the validator loads",
       [](const Node& n, ServerConfig& c) {
         if (!n.is_array()) return std::string("must be an array of strings");
         c.packages.clear();
         for (const Node& item : n.items()) {
           if (!item.is_string()) return std::string("must be an array of strings");
           c.packages.emplace_back(item.text());
         }
         return std::string();
       }},
      {"log.level", "info", "trace, debug, info, warn, error or off (JSON lines on stderr)",
       [](const Node& n, ServerConfig& c) {
         if (auto e = want_string(n, c.log_level); !e.empty()) return e;
         return one_of(c.log_level, {"trace", "debug", "info", "warn", "error", "off"});
       }},
      {"log.access_log", "true", "one JSON line per request (request id, route, status, bytes, time)",
       [](const Node& n, ServerConfig& c) { return want_bool(n, c.access_log); }},
  };
  return kKeys;
}

std::optional<std::string> walk(const Node& obj, const std::string& prefix, ServerConfig& config) {
  for (const auto& m : obj.members()) {
    const std::string path = prefix.empty() ? std::string(m.key) : prefix + "." + std::string(m.key);
    const KeyDef* def = nullptr;
    bool is_section = false;
    for (const KeyDef& k : keys()) {
      if (path == k.path) def = &k;
      if (std::string_view(k.path).starts_with(path + ".")) is_section = true;
    }
    if (def) {
      if (auto err = def->apply(m.value, config); !err.empty()) return "config key '" + path + "' " + err;
    } else if (is_section && m.value.is_object()) {
      if (auto err = walk(m.value, path, config)) return err;
    } else {
      return "unknown config key '" + path + "' (see fhirgw serve --help-config)";
    }
  }
  return std::nullopt;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace

std::optional<std::string> apply_config_json(std::string_view json_text, ServerConfig& config) {
  auto parsed = fhir::json::parse(json_text);
  if (!parsed) {
    const auto& e = *parsed.error;
    return "config is not valid JSON at line " + std::to_string(e.location.line) + ", column " +
           std::to_string(e.location.column) + ": " + e.message;
  }
  if (!parsed.document->root().is_object()) return "config must be a JSON object";
  return walk(parsed.document->root(), {}, config);
}

std::optional<std::string> apply_listen(std::string_view value, ServerConfig& config) {
  std::string host;
  std::string_view port_text;
  if (value.starts_with("[")) {
    const auto close = value.find("]:");
    if (close == std::string_view::npos) return "listen '" + std::string(value) + "' must be [IPv6]:PORT";
    host = std::string(value.substr(1, close - 1));
    port_text = value.substr(close + 2);
  } else {
    const auto colon = value.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return "listen '" + std::string(value) + "' must be HOST:PORT";
    host = std::string(value.substr(0, colon));
    port_text = value.substr(colon + 1);
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535 || port_text.empty()) {
    return "listen '" + std::string(value) + "': port must be 0..65535";
  }
  config.listen_host = host;
  config.listen_port = static_cast<std::uint16_t>(port);
  return std::nullopt;
}

std::optional<std::string> check_config(const ServerConfig& config) {
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return "tls.cert_file and tls.key_file must be set together";
  }
  const bool tls = !config.tls_cert_file.empty();
  if (!tls && !is_loopback(config.listen_host) && !config.allow_plain_http_non_loopback) {
    return "refusing plain HTTP on non-loopback address '" + config.listen_host +
           "'; set allow_plain_http_non_loopback: true (e.g. behind a TLS proxy)";
  }
  return std::nullopt;
}

std::string config_reference() {
  std::string out = "fhirgw serve configuration (JSON file given with --config; --listen/--data override it)\n\n";
  for (const KeyDef& k : keys()) {
    out += "  " + std::string(k.path) + "\n      default " + k.fallback + "\n      " + k.help + "\n";
  }
  return out;
}

}  // namespace fhirgw::server
