// Issue 5 §5: what auth + TLS cost, measured in one run against real `fhirgw serve` processes on loopback.
//   1. keep-alive reads (GET /fhir/Patient/id), N connections, alternating rounds:
//        plain HTTP, auth off (baseline)  vs  HTTPS + mutual TLS + bearer token (+ the same with audit off)
//   2. TLS handshake rate (mutual TLS, each followed by one GET /healthz and a close_notify): full handshakes
//      and resumed ones (session tickets).
// The PKI and keys are generated at start (tests/support/pki); the load client is the integration harness's
// blocking HTTP(S) client, one thread per connection; its CPU per request is reported too (it shares the cores
// with the servers, so its TLS work lowers the HTTPS throughput as well). Prints a Markdown table.
//   fhirgw_auth_tls_bench [--seconds S] [--connections N] [--rounds R]
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

// Keep-alive GETs of `target` on one connection until `stop`; counts 200 answers. 503 (the audit trail's
// backpressure) is retried; anything else stops the run.
std::uint64_t read_loop(Client& c, const std::string& target, const std::map<std::string, std::string>& headers,
                        const std::atomic<bool>& stop) {
  std::uint64_t n = 0;
  while (!stop) {
    const auto r = c.request("GET", target, {}, headers);
    if (r.status == 503) continue;
    if (r.status != 200) {
      std::cerr << "unexpected status " << r.status << " " << r.body.substr(0, 200) << "\n";
      break;
    }
    ++n;
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  int connections = 8;
  int rounds = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--seconds") seconds = std::stod(argv[i + 1]);
    if (a == "--connections") connections = std::stoi(argv[i + 1]);
    if (a == "--rounds") rounds = std::stoi(argv[i + 1]);
  }
  const std::string load_before = loadavg();

  pki::TempDir dir;
  fhirgw::testing::TempDir data;
  const auto a = pki::make_hospital(dir, "a");
  const auto client_key = pki::rs384_key("a-1");
  const auto signing = pki::es384_key("fhirgw-1");
  const std::string jwks = dir.write("a.jwks", pki::jwks_of({&client_key}));
  const std::string common = R"("threads": 2, "log": {"access_log": false})";
  const std::string plain_cfg = dir.write("plain.json", "{" + common + "}");
  const std::string tls_cfg = dir.write("tls.json", "{" + common + R"(,
    "tls": {"cert_file": ")" + a.server_files.cert + R"(", "key_file": ")" +
                                                        a.server_files.key + R"(",
            "client_ca_file": ")" + a.ca_file + R"("},
    "auth": {"token_signing_key_file": ")" + dir.write("token.key", pki::key_pem(signing.key.get())) +
                                                        R"(",
      "clients": [{"id": "hospital-a", "jwks_file": ")" +
                                                        jwks + R"(", "scopes": "system/*.cruds",
                   "certificate": ["uri:urn:fhirgw:client:a"]}]}})");
  const std::string tls_noaudit_cfg = dir.write("tls-noaudit.json", "{" + common + R"(, "audit": {"enabled": false},
    "tls": {"cert_file": ")" + a.server_files.cert + R"(", "key_file": ")" +
                                                                        a.server_files.key + R"(",
            "client_ca_file": ")" + a.ca_file + R"("},
    "auth": {"token_signing_key_file": ")" + dir.path("token.key") + R"(",
      "clients": [{"id": "hospital-a", "jwks_file": ")" + jwks + R"(", "scopes": "system/*.cruds",
                   "certificate": ["uri:urn:fhirgw:client:a"]}]}})");
  const std::string plain_noaudit_cfg =
      dir.write("plain-noaudit.json", "{" + common + R"(, "audit": {"enabled": false}})");

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
  const std::string patient = R"({"resourceType":"Patient","id":"bench-p1","gender":"female"})";
  const std::map<std::string, std::string> tls_auth = {{"Authorization", "Bearer " + token_of(tls.port())}};
  const std::map<std::string, std::string> tls_noaudit_auth = {
      {"Authorization", "Bearer " + token_of(tls_noaudit.port())}};
  for (auto* p : {&plain, &plain_noaudit}) {
    if (Client(p->port()).request("PUT", "/fhir/Patient/bench-p1", patient).status / 100 != 2) return 1;
  }
  if (Client(tls.port(), mtls).request("PUT", "/fhir/Patient/bench-p1", patient, tls_auth).status / 100 != 2) return 1;
  if (Client(tls_noaudit.port(), mtls).request("PUT", "/fhir/Patient/bench-p1", patient, tls_noaudit_auth).status /
          100 !=
      2) {
    return 1;
  }

  const std::string target = "/fhir/Patient/bench-p1";
  struct Mode {
    const char* name;
    ServerProcess& server;
    bool tls;
    const std::map<std::string, std::string>* headers;
    double requests = 0, seconds = 0, cpu = 0, client_cpu = 0;
  };
  const std::map<std::string, std::string> none;
  std::vector<Mode> modes = {
      {"plain HTTP keep-alive read, auth off (baseline)", plain, false, &none},
      {"HTTPS + mTLS + bearer token keep-alive read", tls, true, &tls_auth},
      {"plain HTTP keep-alive read, auth off, audit off", plain_noaudit, false, &none},
      {"HTTPS + mTLS + bearer token keep-alive read, audit off", tls_noaudit, true, &tls_noaudit_auth}};
  auto client_for = [&](const Mode& m) { return m.tls ? Client(m.server.port(), mtls) : Client(m.server.port()); };
  for (int r = 0; r < rounds; ++r) {
    for (Mode& m : modes) {
      for (const Mode& other : modes) drain_audit(client_for(other));
      const double cpu0 = cpu_seconds(m.server.pid());
      const double client0 = cpu_seconds(getpid());
      const double rps = rate(connections, seconds, [&](int, const std::atomic<bool>& stop) {
        Client c = client_for(m);
        return read_loop(c, target, *m.headers, stop);
      });
      m.client_cpu += cpu_seconds(getpid()) - client0;
      drain_audit(client_for(m));  // the audit work of these reads belongs to their cost
      m.cpu += cpu_seconds(m.server.pid()) - cpu0;
      m.requests += rps * seconds;
      m.seconds += seconds;
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
      "| measurement (%d connections, %d rounds of %.0f s) | per second | server CPU per request | "
      "load client CPU per request |\n|---|---:|---:|---:|\n",
      connections, rounds, seconds);
  for (const Mode& m : modes) {
    std::printf("| %s | %.0f | %.1f us | %.1f us |\n", m.name, m.requests / m.seconds, 1e6 * m.cpu / m.requests,
                1e6 * m.client_cpu / m.requests);
  }
  std::printf("| mTLS full handshake + GET /healthz (%d threads) | %.0f | | |\n", hs_threads, full);
  std::printf("| mTLS resumed handshake + GET /healthz (%d threads) | %.0f | | |\n", hs_threads, resumed);
  auto cost = [&](const Mode& base, const Mode& m) {
    const double throughput = 100.0 * (1.0 - (m.requests / m.seconds) / (base.requests / base.seconds));
    const double cpu = 100.0 * ((m.cpu / m.requests) / (base.cpu / base.requests) - 1.0);
    std::printf("  %s vs %s: throughput %.1f%% lower, server CPU per request %.1f%% higher\n", m.name, base.name,
                throughput, cpu);
  };
  std::printf("\nauth + TLS cost on a keep-alive connection (goal < 10%%):\n");
  cost(modes[0], modes[1]);
  cost(modes[2], modes[3]);
  std::printf("audit cost:\n");
  cost(modes[2], modes[0]);
  std::printf("resumption: %llu of the 'resumed' handshakes were full ones\n",
              static_cast<unsigned long long>(not_resumed.load()));
  std::printf("negotiated: %s\n", cipher.c_str());
  std::printf("load average before: %s, after: %s\n", load_before.c_str(), load_after.c_str());
  return 0;
}
