#include "server/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>

#include "fhir/json/writer.h"

namespace fhirgw::server {
namespace {

std::atomic<bool> g_access_log{true};

std::shared_ptr<spdlog::logger> logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto l = std::make_shared<spdlog::logger>("fhirgw", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    // Each message is the inner part of a JSON object; the pattern adds time and level.
    l->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
    l->flush_on(spdlog::level::warn);
    return l;
  }();
  return instance;
}

std::string event_fields(std::string_view event, std::string_view detail) {
  std::string out = "\"event\":";
  fhir::json::write_string(event, out);
  if (!detail.empty()) {
    out += ",\"detail\":";
    fhir::json::write_string(detail, out);
  }
  return out;
}

}  // namespace

bool init_logging(std::string_view level, bool access_log) {
  const auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") return false;
  logger()->set_level(lvl);
  g_access_log = access_log;
  return true;
}

void log_access(const AccessRecord& r) {
  if (!g_access_log.load(std::memory_order_relaxed) || !logger()->should_log(spdlog::level::info)) return;
  std::string out = "\"event\":\"access\",\"request_id\":";
  fhir::json::write_string(r.request_id, out);
  out += ",\"method\":";
  fhir::json::write_string(r.method, out);
  out += ",\"route\":";
  fhir::json::write_string(r.route, out);
  char buf[96];
  std::snprintf(buf, sizeof buf, ",\"status\":%d,\"bytes\":%zu,\"duration_ms\":%.3f", r.status, r.bytes, r.duration_ms);
  out += buf;
  out += ",\"remote\":";
  fhir::json::write_string(r.remote, out);
  logger()->info(out);
}

void log_info(std::string_view event, std::string_view detail) { logger()->info(event_fields(event, detail)); }
void log_warn(std::string_view event, std::string_view detail) { logger()->warn(event_fields(event, detail)); }
void log_error(std::string_view event, std::string_view detail) { logger()->error(event_fields(event, detail)); }

}  // namespace fhirgw::server
