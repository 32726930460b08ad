#include "server/serve_command.h"

#include <malloc.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "audit/audit_log.h"
#include "audit/auditing_store.h"
#include "auth/security.h"
#include "cli/profile_packages.h"
#include "cli/registry_loader.h"
#include "fhir/mappings/tables.h"
#include "fhir/model/metadata.h"
#include "fhir/validation/validator.h"
#include "outbox/forwarding.h"
#include "rest/fhir_service.h"
#include "rest/internal_records.h"
#include "search/param_catalog.h"
#include "server/application.h"
#include "server/config.h"
#include "server/http_server.h"
#include "server/logging.h"
#include "server/metrics.h"
#include "storage/sqlite_store.h"

namespace fhirgw::server {
namespace {

constexpr const char* kUsage =
    "usage: fhirgw serve [--config FILE] [--listen HOST:PORT] [--data DIR]\n"
    "       fhirgw serve --help-config   (every configuration key, its default and meaning)\n\n"
    "Serves the FHIR R4 REST API under /fhir, plus /healthz, /readyz, /metrics, /internal/records and\n"
    "/admin/outbox, /admin/dead-letters (forwarding to peers: see --help-config, key forwarding).\n"
    "--listen and --data override the config file. With --listen HOST:0 a free port is chosen; the\n"
    "bound address is printed on stdout ('listening on http[s]://HOST:PORT') and written to DIR/fhirgw.port.\n";

int usage_error(const std::string& message) {
  std::cerr << "fhirgw serve: " << message << "\n";
  return cli::kExitUsage;
}

rest::RestConfig rest_config(const ServerConfig& c) {
  rest::RestConfig r;
  r.validation = c.validation == "strict" ? rest::ValidationMode::Strict
                 : c.validation == "off"  ? rest::ValidationMode::Off
                                          : rest::ValidationMode::Lenient;
  r.default_count = c.default_count;
  r.max_count = c.max_count;
  r.max_search_results = c.max_search_results;
  r.base_url = c.base_url;
  return r;
}

// A request's parse trees, stored forms, SQL bind values and body buffers (a forwarded Bundle of 1,000
// resources: megabytes) are freed when it ends. With `main`'s 1 MiB mmap threshold every buffer above it
// was a fresh mmap, and with glibc's 128 KiB trim threshold every free gave the top of the heap back: the
// next request faulted all those pages in again, zeroed by the kernel (~10 % of a receiving gateway's CPU).
// A server keeps them: blocks up to 32 MiB (glibc's largest mmap threshold) come from the heap, and up to
// 64 MiB of free heap per malloc arena stays mapped.
void keep_freed_heap() {
  constexpr int kMmapThreshold = 32 << 20;
  constexpr int kTrimThreshold = 64 << 20;
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
}

}  // namespace

int run_serve(cli::Args args) {
  ServerConfig config;
  std::optional<std::string> listen_override;
  std::optional<std::string> data_override;
  std::optional<std::string> config_file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    auto value = [&](std::string_view name) -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      (void)name;
      return std::string(args[++i]);
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return cli::kExitOk;
    }
    if (a == "--help-config") {
      std::cout << config_reference();
      return cli::kExitOk;
    }
    if (a == "--config" || a == "--listen" || a == "--data") {
      auto v = value(a);
      if (!v) return usage_error(std::string(a) + " needs a value");
      (a == "--config" ? config_file : a == "--listen" ? listen_override : data_override) = *v;
      continue;
    }
    return usage_error("unknown option '" + std::string(a) + "'\n" + kUsage);
  }
  if (config_file) {
    std::ifstream in(*config_file, std::ios::binary);
    if (!in) return usage_error("cannot read config file '" + *config_file + "'");
    std::stringstream text;
    text << in.rdbuf();
    if (auto err = apply_config_json(text.str(), config)) return usage_error(*config_file + ": " + *err);
  }
  if (listen_override) {
    if (auto err = apply_listen(*listen_override, config)) return usage_error(*err);
  }
  if (data_override) config.data_dir = *data_override;
  if (auto err = check_config(config)) return usage_error(*err);
  if (!init_logging(config.log_level, config.access_log)) return usage_error("bad log level");
  keep_freed_heap();

  try {
    // With fhir.packages, a mutable copy of the core metadata gets the profiles of those packages
    // (e.g. mCODE), so meta.profile and $validate?profile= check them.
    std::unique_ptr<fhir::model::Registry> with_profiles;
    if (!config.packages.empty()) {
      std::string error;
      with_profiles = cli::make_core_registry(&error);
      if (!with_profiles) throw std::runtime_error(error);
      std::vector<std::string_view> dirs(config.packages.begin(), config.packages.end());
      const long added = cli::load_profile_packages(dirs, *with_profiles, &error);
      if (added < 0) throw std::runtime_error("fhir.packages: " + error);
      log_info("profiles_loaded", std::to_string(added));
    }
    const fhir::model::Registry& registry = with_profiles ? *with_profiles : fhir::model::Registry::r4();
    const search::ParamCatalog catalog(registry);
    const fhir::validation::Validator validator(registry);
    storage::SqliteStore store({(std::filesystem::path(config.data_dir) / "fhirgw.sqlite").string(),
                                config.synchronous == "full",
                                config.read_connections,
                                {},
                                catalog.shared_params(),
                                catalog.patient_rows(),
                                config.reader_cache_mib * 1024});
    // Writes are audited inside their own transaction (AuditingStore); reads, searches and refusals are
    // queued to the AuditLog, which commits them in groups and is flushed on shutdown.
    audit::AuditingStore audited_store(store, catalog);
    storage::Store& served_store = config.audit_enabled ? static_cast<storage::Store&>(audited_store) : store;
    audit::AuditLog audit_log(
        store, catalog, {std::chrono::milliseconds(config.audit_flush_ms), config.audit_batch, config.audit_queue_max});
    rest::FhirService service(served_store, registry, catalog, &validator, rest_config(config));
    Metrics metrics;
    metrics.add_sampler([&store, &service] {
      const auto st = store.stats();
      return "# HELP fhirgw_store_resources Current (not deleted) resources.\n# TYPE fhirgw_store_resources gauge\n"
             "fhirgw_store_resources " +
             std::to_string(st.resources) +
             "\n# HELP fhirgw_store_bytes Database size on disk.\n# TYPE fhirgw_store_bytes gauge\n"
             "fhirgw_store_bytes " +
             std::to_string(st.bytes) +
             "\n# HELP fhirgw_store_read_snapshots_total Read snapshots begun (each after a commit drops a "
             "reader's page cache).\n# TYPE fhirgw_store_read_snapshots_total counter\n"
             "fhirgw_store_read_snapshots_total " +
             std::to_string(st.read_snapshots) +
             "\n# HELP fhirgw_validation_failures_total Resources with validation errors on write.\n"
             "# TYPE fhirgw_validation_failures_total counter\n"
             "fhirgw_validation_failures_total " +
             std::to_string(service.validation_failures()) + "\n";
    });
    outbox::Forwarding forwarding(store, config.forwarding, catalog, auth_on(config),
                                  config.audit_enabled ? &audit_log : nullptr,
                                  [](std::string_view event, std::string_view detail) { log_warn(event, detail); });
    service.changes = forwarding.change_sink();
    service.inbound_peer = [&forwarding](const http::Request& req) { return forwarding.inbound_peer(req); };
    metrics.add_sampler([&forwarding] { return forwarding.metrics_text(); });
    metrics.add_sampler([&audit_log] {
      return "# HELP fhirgw_audit_queue_depth AuditEvents waiting for the background writer.\n"
             "# TYPE fhirgw_audit_queue_depth gauge\nfhirgw_audit_queue_depth " +
             std::to_string(audit_log.queued()) +
             "\n# HELP fhirgw_audit_events_written_total AuditEvents committed by the background writer.\n"
             "# TYPE fhirgw_audit_events_written_total counter\nfhirgw_audit_events_written_total " +
             std::to_string(audit_log.written()) +
             "\n# HELP fhirgw_audit_write_failures_total AuditEvents lost because the store failed.\n"
             "# TYPE fhirgw_audit_write_failures_total counter\nfhirgw_audit_write_failures_total " +
             std::to_string(audit_log.failed()) + "\n";
    });
    Application app(service, store, metrics, config.max_in_flight);
    app.admin = [&forwarding](const http::Request& req) { return forwarding.admin(req); };
    rest::InternalRecords internal(service, served_store, catalog, fhir::mappings::Tables::builtin());
    app.internal_records = [&internal](const http::Request& req) { return internal.handle(req); };
    HttpServer server(app, config, metrics);
    const std::uint16_t port = server.bind();
    const std::string address =
        (config.listen_host.find(':') != std::string::npos ? "[" + config.listen_host + "]" : config.listen_host) +
        ":" + std::to_string(port);
    const char* scheme = config.tls_cert_file.empty() ? "http" : "https";
    // Security needs the bound port (the default public URL, with port 0) and is fatal on any error.
    const auth::SystemClock clock;
    auth::SecurityConfig security_config = config.security;
    security_config.auth_enabled = auth_on(config);
    if (security_config.public_base_url.empty())
      security_config.public_base_url = std::string(scheme) + "://" + address;
    auto security = auth::build_security(security_config, config.listen_host, clock);
    if (!security) throw std::runtime_error(security.error().reason);
    server.prepare_tls((*security)->identities);
    app.security = security->get();
    if (config.audit_enabled) app.audit = &audit_log;
    {
      std::ofstream port_file(std::filesystem::path(config.data_dir) / "fhirgw.port", std::ios::trunc);
      port_file << port << "\n";
    }
    std::cout << "listening on " << scheme << "://" << address << std::endl;
    log_info("listening", address);
    log_info("auth", security_config.auth_enabled ? "on" : "off (loopback development)");
    forwarding.start();
    server.run();
    forwarding.stop();
    audit_log.stop();
    store.flush();
    log_info("stopped");
    return cli::kExitOk;
  } catch (const std::exception& e) {
    log_error("startup_failed", e.what());
    std::cerr << "fhirgw serve: " << e.what() << "\n";
    return cli::kExitUsage;
  }
}

}  // namespace fhirgw::server
