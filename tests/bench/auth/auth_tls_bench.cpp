// Issue 5 §5: what auth + TLS cost, measured in one run against real `fhirgw serve` processes on loopback.
//   1. keep-alive workloads, N connections, alternating rounds, each in four modes:
//        plain HTTP, auth off (baseline)  vs  HTTPS + mutual TLS + bearer token (+ the same two with audit off)
//      workloads: "read"        GET /fhir/Patient/id (a ~0.7 KB answer: the worst case, TLS's fixed cost per
//                               record against the least work)
//                 "search"      GET /fhir/Observation?patient=id (a searchset of 20 Observations, ~12 KB)
//                 "transaction" POST /fhir of a transaction Bundle of 100 Observation PUTs (what the outbox
//                               sends a peer in the exchange; the ids are fixed, so every Bundle updates them)
//   2. TLS handshake rate (mutual TLS, each followed by one GET /healthz and a close_notify): full handshakes
//      and resumed ones.
// The PKI and keys are generated at start (tests/support/pki); the load client is the integration harness's
// blocking HTTP(S) client, one thread per connection; its CPU per request is reported too (it shares the cores
// with the servers, so its TLS work lowers the HTTPS throughput as well). Prints a Markdown table.
// The connections are opened (and used once) before a phase's clock starts, so their handshakes are not part of
// the keep-alive figures.
//   fhirgw_auth_tls_bench [--seconds S] [--connections N] [--rounds R] [--workloads read,search,transaction]
//                         [--token-alg ES256|ES384|RS384]
// FHIRGW_BENCH_PHASE_HOOK=PROGRAM runs `PROGRAM begin PHASE SERVER_PID BENCH_PID` when a keep-alive phase's
// clock starts and `PROGRAM end PHASE SERVER_PID BENCH_PID REQUESTS` when it stops (before the audit drain),
// e.g. to zero and dump callgrind counters of a server run under valgrind (instructions per request).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../../support/pki/test_jose.h"
#include "auth/client_assertion.h"
#include "auth/token_endpoint.h"
#include "server_harness.h"

namespace {

using fhirgw::testing::Client;
using fhirgw::testing::ServerProcess;
using fhirgw::testing::TlsOptions;
namespace pki = fhirgw::testpki;

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// CPU seconds (user + system) used so far by process `pid`.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string f;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stod(f);
    if (i == 15) {
      stime = std::stod(f);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Waits until the server's background audit writer has committed its queue (so one phase's audit work does
// not run during the next phase).
void drain_audit(Client&& c) {
  for (int i = 0; i < 600; ++i) {
    const std::string m = c.request("GET", "/metrics").body;
    if (m.find("fhirgw_audit_queue_depth 0\n") != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Runs `work(thread_index)` on `threads` threads for `seconds`; returns the completed operations per second.
template <typename Work>
double rate(int threads, double seconds, Work work) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> done{0};
  std::vector<std::thread> pool;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] { done += work(t, stop); });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(done.load()) / elapsed;
}

// One keep-alive request type: what each iteration sends, and the status that counts as done.
struct Workload {
  std::string name;
  std::string method;
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;
  int status = 200;
};

// `workload` on one connection until `stop`; counts the expected answers. 503 (the audit trail's
// backpressure) is retried; anything else stops the run.
std::uint64_t request_loop(Client& c, const Workload& w, const std::map<std::string, std::string>& headers,
                           const std::atomic<bool>& stop) {
  std::uint64_t n = 0;
  while (!stop) {
    const auto r = c.request(w.method, w.target, w.body, headers);
    if (r.status == 503) continue;
    if (r.status != w.status) {
      std::cerr << w.name << ": unexpected status " << r.status << " " << r.body.substr(0, 200) << "\n";
      break;
    }
    ++n;
  }
  return n;
}

// Runs FHIRGW_BENCH_PHASE_HOOK (if set) with `args`.
void phase_hook(const std::string& args) {
  const char* hook = std::getenv("FHIRGW_BENCH_PHASE_HOOK");
  if (hook == nullptr || *hook == '\0') return;
  if (std::system((std::string(hook) + " " + args).c_str()) != 0) std::cerr << "phase hook failed: " << args << "\n";
}

std::string observation(const std::string& id, const std::string& patient, int i) {
  return R"({"resourceType":"Observation","id":")" + id +
         R"(","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7",)"
         R"("display":"Hemoglobin [Mass/volume] in Blood"}]},"subject":{"reference":"Patient/)" +
         patient + R"("},"effectiveDateTime":"2026-11-)" + (i % 28 < 9 ? "0" : "") + std::to_string(i % 28 + 1) +
         R"(T10:00:00Z","valueQuantity":{"value":)" + std::to_string(10 + i % 7) +
         R"(.50,"unit":"g/dL","system":"http://unitsofmeasure.org","code":"g/dL"}})";
}

// A transaction Bundle of `n` Observation PUTs of Patient/`patient` (fixed ids: each send updates them).
std::string transaction_bundle(const std::string& patient, int n) {
  std::string b = R"({"resourceType":"Bundle","type":"transaction","entry":[)";
  for (int i = 0; i < n; ++i) {
    const std::string id = "bench-t" + std::to_string(i);
    if (i > 0) b += ',';
    b += R"({"resource":)" + observation(id, patient, i) + R"(,"request":{"method":"PUT","url":"Observation/)" + id +
         R"("}})";
  }
  return b + "]}";
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  int connections = 8;
  int rounds = 2;
  std::string workload_names = "read,search,transaction";
  std::string token_alg = "ES256";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--seconds") seconds = std::stod(argv[i + 1]);
    if (a == "--connections") connections = std::stoi(argv[i + 1]);
    if (a == "--rounds") rounds = std::stoi(argv[i + 1]);
    if (a == "--workloads") workload_names = argv[i + 1];
    if (a == "--token-alg") token_alg = argv[i + 1];
  }
  const std::string load_before = loadavg();

  pki::TempDir dir;
  fhirgw::testing::TempDir data;
  const auto a = pki::make_hospital(dir, "a");
  const auto client_key = pki::rs384_key("a-1");
  // The gateway's own access tokens: ES256 (P-256) by default, as recommended (the shortest header);
  // `--token-alg ES384` for servers built before ES256 was accepted.
  const auto signing = pki::key_for(*fhirgw::auth::parse_jws_alg(token_alg), "fhirgw-1");
  const std::string jwks = dir.write("a.jwks", pki::jwks_of({&client_key}));
  const std::string common = R"("threads": 2, "log": {"access_log": false})";
  const std::string tls_auth_json = R"(
    "tls": {"cert_file": ")" + a.server_files.cert +
                                    R"(", "key_file": ")" + a.server_files.key + R"(", "client_ca_file": ")" +
                                    a.ca_file + R"("},
    "auth": {"token_signing_key_file": ")" +
                                    dir.write("token.key", pki::key_pem(signing.key.get())) + R"(",
      "clients": [{"id": "hospital-a", "jwks_file": ")" +
                                    jwks +
                                    R"(", "scopes": "system/*.cruds",
                   "certificate": ["uri:urn:fhirgw:client:a"]}]})";
  const std::string no_audit = R"(, "audit": {"enabled": false})";
  const std::string plain_cfg = dir.write("plain.json", "{" + common + "}");
  const std::string tls_cfg = dir.write("tls.json", "{" + common + "," + tls_auth_json + "}");
  const std::string tls_noaudit_cfg =
      dir.write("tls-noaudit.json", "{" + common + no_audit + "," + tls_auth_json + "}");
  const std::string plain_noaudit_cfg = dir.write("plain-noaudit.json", "{" + common + no_audit + "}");

  ServerProcess plain(data.path() + "/plain", {"--config", plain_cfg});
  ServerProcess plain_noaudit(data.path() + "/plain-noaudit", {"--config", plain_noaudit_cfg});
  ServerProcess tls(data.path() + "/tls", {"--config", tls_cfg});
  ServerProcess tls_noaudit(data.path() + "/tls-noaudit", {"--config", tls_noaudit_cfg});
  TlsOptions mtls{a.ca_file, a.client_files.cert, a.client_files.key, {}, false};

  auto token_of = [&](std::uint16_t port) {
    Client c(port, mtls);
    const std::string base = "https://127.0.0.1:" + std::to_string(port);
    auto assertion = fhirgw::auth::make_client_assertion("hospital-a", base + "/auth/token", client_key.alg,
                                                         client_key.key.get(), client_key.kid, now_s());
    const auto r = c.request("POST", "/auth/token", fhirgw::auth::token_request_body(*assertion, "system/*.cruds"),
                             {{"Content-Type", "application/x-www-form-urlencoded"}});
    return fhirgw::testing::json_member(r.body, "access_token");
  };
  const std::map<std::string, std::string> none;
  const std::map<std::string, std::string> tls_auth = {{"Authorization", "Bearer " + token_of(tls.port())}};
  const std::map<std::string, std::string> tls_noaudit_auth = {
      {"Authorization", "Bearer " + token_of(tls_noaudit.port())}};

  struct Mode {
    const char* name;
    ServerProcess& server;
    bool tls;
    const std::map<std::string, std::string>* headers;
  };
  const std::vector<Mode> modes = {{"plain HTTP, auth off (baseline)", plain, false, &none},
                                   {"HTTPS + mTLS + bearer token", tls, true, &tls_auth},
                                   {"plain HTTP, auth off, audit off", plain_noaudit, false, &none},
                                   {"HTTPS + mTLS + bearer token, audit off", tls_noaudit, true, &tls_noaudit_auth}};
  auto client_for = [&](const Mode& m) { return m.tls ? Client(m.server.port(), mtls) : Client(m.server.port()); };

  // Seed: Patient bench-p1 with 20 Observations (the search), Patient bench-p2 (the transactions' subject).
  const std::string json = "application/fhir+json";
  for (const Mode& m : modes) {
    Client c = client_for(m);
    auto put = [&](const std::string& path, const std::string& body) {
      std::map<std::string, std::string> h = *m.headers;
      h["Content-Type"] = json;
      return c.request("PUT", path, body, h).status / 100 == 2;
    };
    bool ok = put("/fhir/Patient/bench-p1", R"({"resourceType":"Patient","id":"bench-p1","gender":"female"})") &&
              put("/fhir/Patient/bench-p2", R"({"resourceType":"Patient","id":"bench-p2","gender":"male"})");
    for (int i = 0; ok && i < 20; ++i) {
      const std::string id = "bench-o" + std::to_string(i);
      ok = put("/fhir/Observation/" + id, observation(id, "bench-p1", i));
    }
    if (!ok) {
      std::cerr << "seeding " << m.name << " failed\n";
      return 1;
    }
  }

  std::vector<Workload> all = {
      {"read", "GET", "/fhir/Patient/bench-p1", {}, {}, 200},
      {"search", "GET", "/fhir/Observation?patient=bench-p1", {}, {}, 200},
      {"transaction", "POST", "/fhir", transaction_bundle("bench-p2", 100), {{"Content-Type", json}}, 200}};
  std::vector<Workload> workloads;
  for (const auto& w : all) {
    if (("," + workload_names + ",").find("," + w.name + ",") != std::string::npos) workloads.push_back(w);
  }

  struct Phase {
    const Workload* workload;
    const Mode* mode;
    double requests = 0, seconds = 0, cpu = 0, client_cpu = 0;
  };
  std::vector<Phase> phases;
  for (const auto& w : workloads) {
    for (const auto& m : modes) phases.push_back({&w, &m});
  }
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t p = 0; p < phases.size(); ++p) {
      Phase& ph = phases[p];
      const Mode& m = *ph.mode;
      for (const Mode& other : modes) drain_audit(client_for(other));
      std::map<std::string, std::string> headers = *m.headers;
      headers.insert(ph.workload->headers.begin(), ph.workload->headers.end());
      // Connect and warm up each connection (handshake, first token check) before the clock starts.
      std::vector<std::unique_ptr<Client>> clients;
      for (int c = 0; c < connections; ++c) {
        clients.push_back(m.tls ? std::make_unique<Client>(m.server.port(), mtls)
                                : std::make_unique<Client>(m.server.port()));
        clients.back()->request(ph.workload->method, ph.workload->target, ph.workload->body, headers);
      }
      const std::string phase_args = ph.workload->name + "-" + std::to_string(p % modes.size()) + " " +
                                     std::to_string(m.server.pid()) + " " + std::to_string(getpid());
      phase_hook("begin " + phase_args);
      const double cpu0 = cpu_seconds(m.server.pid());
      const double client0 = cpu_seconds(getpid());
      const double rps = rate(connections, seconds, [&](int t, const std::atomic<bool>& stop) {
        return request_loop(*clients[static_cast<std::size_t>(t)], *ph.workload, headers, stop);
      });
      ph.client_cpu += cpu_seconds(getpid()) - client0;
      phase_hook("end " + phase_args + " " + std::to_string(static_cast<std::uint64_t>(rps * seconds + 0.5)));
      drain_audit(client_for(m));  // the audit work of these requests belongs to their cost
      ph.cpu += cpu_seconds(m.server.pid()) - cpu0;
      ph.requests += rps * seconds;
      ph.seconds += seconds;
    }
  }

  // Handshakes: each connection does one small request, then closes with close_notify.
  const int hs_threads = connections < 4 ? connections : 4;
  const double full = rate(hs_threads, seconds, [&](int, const std::atomic<bool>& stop) {
    std::uint64_t n = 0;
    while (!stop) {
      Client c(tls.port(), mtls);
      if (!c.connected() || c.request("GET", "/healthz").status != 200) break;
      ++n;
    }
    return n;
  });
  std::atomic<std::uint64_t> not_resumed{0};
  const double resumed = rate(hs_threads, seconds, [&](int, const std::atomic<bool>& stop) {
    std::uint64_t n = 0;
    TlsOptions opts = mtls;
    {
      Client first(tls.port(), opts);
      first.request("GET", "/healthz");  // the session ticket arrives with the first read
      opts.session = first.session();
    }
    while (!stop) {
      Client c(tls.port(), opts);
      if (!c.connected() || c.request("GET", "/healthz").status != 200) break;
      if (!c.resumed()) ++not_resumed;
      opts.session = c.session();
      ++n;
    }
    return n;
  });

  const std::string cipher = Client(tls.port(), mtls).tls_cipher();
  const std::string load_after = loadavg();
  std::printf(
      "| workload | mode (%d connections, %d rounds of %.0f s) | requests/s | server CPU per request | "
      "load client CPU per request |\n|---|---|---:|---:|---:|\n",
      connections, rounds, seconds);
  for (const Phase& ph : phases) {
    std::printf("| %s | %s | %.0f | %.1f us | %.1f us |\n", ph.workload->name.c_str(), ph.mode->name,
                ph.requests / ph.seconds, 1e6 * ph.cpu / ph.requests, 1e6 * ph.client_cpu / ph.requests);
  }
  std::printf("| handshake | mTLS full handshake + GET /healthz (%d threads) | %.0f | | |\n", hs_threads, full);
  std::printf("| handshake | mTLS resumed handshake + GET /healthz (%d threads) | %.0f | | |\n", hs_threads, resumed);
  auto cost = [&](const Phase& base, const Phase& ph) {
    const double throughput = 100.0 * (1.0 - (ph.requests / ph.seconds) / (base.requests / base.seconds));
    const double cpu = 100.0 * ((ph.cpu / ph.requests) / (base.cpu / base.requests) - 1.0);
    const double client = 100.0 * ((ph.client_cpu / ph.requests) / (base.client_cpu / base.requests) - 1.0);
    std::printf("  %s: %s vs %s: throughput %.1f%% lower, server CPU per request %.1f%% higher, load client %.1f%%\n",
                ph.workload->name.c_str(), ph.mode->name, base.mode->name, throughput, cpu, client);
  };
  std::printf("\nauth + TLS cost on a keep-alive connection (goal < 10%%):\n");
  for (std::size_t w = 0; w < workloads.size(); ++w) {
    const Phase* p = &phases[w * modes.size()];
    cost(p[0], p[1]);
    cost(p[2], p[3]);
  }
  std::printf("audit cost:\n");
  for (std::size_t w = 0; w < workloads.size(); ++w) {
    const Phase* p = &phases[w * modes.size()];
    cost(p[2], p[0]);
  }
  std::printf("Authorization header: %zu bytes\n", tls_auth.at("Authorization").size());
  std::printf("resumption: %llu of the 'resumed' handshakes were full ones\n",
              static_cast<unsigned long long>(not_resumed.load()));
  std::printf("negotiated: %s\n", cipher.c_str());
  std::printf("load average before: %s, after: %s\n", load_before.c_str(), load_after.c_str());
  return 0;
}
