// JSON-lines logging on stderr through spdlog (stdout is kept for the "listening on" line). Messages
// never carry request paths, query strings or bodies, which may hold patient data: the access log
// has the route label, status, size and timing, keyed by request id.
#pragma once

#include <string>
#include <string_view>

namespace fhirgw::server {

struct AccessRecord {
  std::string_view request_id;
  std::string_view method;
  std::string_view route;
  int status = 0;
  std::size_t bytes = 0;
  double duration_ms = 0;
  std::string_view remote;
};

// level: trace|debug|info|warn|error|off. Returns false for an unknown level.
bool init_logging(std::string_view level, bool access_log);
void log_access(const AccessRecord& r);
void log_info(std::string_view event, std::string_view detail = {});
void log_warn(std::string_view event, std::string_view detail = {});
void log_error(std::string_view event, std::string_view detail = {});

}  // namespace fhirgw::server
