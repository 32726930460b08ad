// Forwarding between two real `fhirgw serve` processes on loopback (A -> B), with the faults of issue 5
// §4: B down while A receives, B killed with SIGKILL in the middle of a delivery, A killed with a full
// outbox, one resource that B's side answers 500 for forever, and 429 + Retry-After.
//
// The 500 / 429 faults come from a small fault-injecting HTTP peer in this test process (FaultProxy, on
// tests/support/http/test_http_server.h): it speaks HTTP/1.1 over a real socket, forwards everything else to the real B
// and answers 500 for any delivery that contains the poisoned resource. B itself has no switch for "fail this
// resource", and a proxy keeps the fault out of the product.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "../support/http/test_http_server.h"
#include "../support/pki/test_jose.h"
#include "fhir/json/parser.h"
#include "server_harness.h"

namespace fhirgw::testing {
namespace {

using Clock = std::chrono::steady_clock;
using fhir::json::Node;

// A port that was free a moment ago, for a gateway that must come back on the same port after a restart.
std::uint16_t reserve_port() {
  std::uint16_t port = 0;
  close(testhttp::listen_loopback(port));
  return port;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool wait_until(const std::function<bool()>& done, std::chrono::seconds limit = std::chrono::seconds(120)) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

HttpResponse get(std::uint16_t port, const std::string& target) { return Client(port).request("GET", target); }

// A gateway: its data folder and config survive restarts.
class Gateway {
 public:
  // `more`: further top-level config members (e.g. "tls":{...}), without the braces.
  Gateway(std::string name, const std::string& forwarding_json, const std::string& more = {}) : name_(std::move(name)) {
    config_ = dir_.path() + "/config.json";
    configure(forwarding_json, more);
  }
  void configure(const std::string& forwarding_json, const std::string& more = {}) {
    // Audit on, as in production: group-committed AuditEvents are stamped when stored, so they do not shift
    // the time-bounded history pages the inventory reads (the inventory leaves AuditEvents out).
    std::ofstream(config_) << R"({"log":{"access_log":false,"level":"warn"},)" << (more.empty() ? "" : more + ",")
                           << R"("forwarding":)" << forwarding_json << "}";
  }
  void start(std::uint16_t port = 0) {
    process_ = std::make_unique<ServerProcess>(
        dir_.path() + "/data",
        std::vector<std::string>{"--config", config_, "--listen", "127.0.0.1:" + std::to_string(port)});
    port_ = process_->port();
  }
  void kill_hard() { process_->kill_hard(); }
  std::uint16_t port() const { return port_; }

  // Pending outbox rows towards `peer` (from GET /admin/outbox).
  long pending(const std::string& peer) const { return counter(peer, "pending"); }
  long dead_letters(const std::string& peer) const { return counter(peer, "dead_letters"); }
  std::string admin_outbox() const { return get(port_, "/admin/outbox").body; }

 private:
  long counter(const std::string& peer, const char* field) const {
    const auto r = get(port_, "/admin/outbox");
    auto doc = fhir::json::parse(r.body);
    if (r.status != 200 || !doc) return -1;
    for (const Node& p : doc.document->root().find("peers")->items()) {
      if (p.find("peer")->text() == peer) return std::stol(std::string(p.find(field)->text()));
    }
    return -1;
  }

  std::string name_;
  TempDir dir_;
  std::string config_;
  std::unique_ptr<ServerProcess> process_;
  std::uint16_t port_ = 0;
};

// `secure`: the peer's "tls" and "auth" members (",\"tls\":{...},\"auth\":{...}"); then the URL is https.
// `extra`: more members of the peer (",\"in_flight\":4").
std::string a_config(std::uint16_t b_port, int batch_size = 50, const std::string& secure = {},
                     const std::string& extra = {}) {
  return R"({"node":"hospital-a","inbound":["hospital-b"],
    "peers":[{"name":"hospital-b","url":")" +
         std::string(secure.empty() ? "http" : "https") + "://127.0.0.1:" + std::to_string(b_port) +
         R"(/fhir","batch_size":)" + std::to_string(batch_size) + secure + extra +
         R"(,"backoff_ms":50,"max_backoff_ms":400,"max_attempts":3,"timeout_ms":5000}],
    "routes":[{"peer":"hospital-b","types":["*"]}]})";
}

// B forwards everything back to A (types "*"): only loop prevention keeps A's changes from returning.
std::string b_config(std::uint16_t a_port) {
  return R"({"node":"hospital-b","inbound":["hospital-a"],
    "peers":[{"name":"hospital-a","url":"http://127.0.0.1:)" +
         std::to_string(a_port) +
         R"(/fhir","backoff_ms":50,"max_backoff_ms":400}],
    "routes":[{"peer":"hospital-a","types":["*"]}]})";
}

// What a gateway stores, from its system history (all pages).
struct Inventory {
  std::map<std::string, int> versions;     // "Type/id" -> number of versions (Provenance, AuditEvent excluded)
  std::map<std::string, int> provenanced;  // "Type/id" -> Provenance targets naming it
  std::size_t provenances = 0;
  bool provenance_complete = true;       // every Provenance has agent.who and recorded
  std::set<std::string> provenance_who;  // agent.who.identifier.value of every Provenance
};

Inventory inventory(std::uint16_t port) {
  Inventory inv;
  // Pages keep the first page's snapshot (_snapshot): AuditEvents committed meanwhile shift nothing.
  std::string target = "/fhir/_history?_count=1000";
  while (!target.empty()) {
    const auto r = get(port, target);
    EXPECT_EQ(r.status, 200) << r.body;
    auto doc = fhir::json::parse(r.body);
    if (!doc) break;
    const Node& bundle = doc.document->root();
    target.clear();
    if (const Node* links = bundle.find("link")) {
      for (const Node& l : links->items()) {
        if (l.find("relation")->text() != "next") continue;
        const std::string url(l.find("url")->text());
        target = url.substr(url.find("/fhir"));
      }
    }
    const Node* entries = bundle.find("entry");
    if (!entries) break;
    for (const Node& e : entries->items()) {
      const std::string full(e.find("fullUrl")->text());
      const auto fhir = full.find("/fhir/");
      const std::string key = full.substr(fhir + 6);
      if (key.starts_with("AuditEvent/")) continue;  // each gateway's own access log, never forwarded
      if (key.starts_with("Provenance/")) {
        ++inv.provenances;
        const Node* res = e.find("resource");
        inv.provenance_complete &= res && res->find("recorded") && res->find("agent");
        if (res && res->find("agent")) {
          const Node* who = res->find("agent")->items()[0].find("who");
          inv.provenance_who.insert(std::string(who->find("identifier")->find("value")->text()));
        }
        for (const Node& t : res->find("target")->items()) {
          std::string ref(t.find("reference")->text());
          ref = ref.substr(0, ref.find("/_history/"));
          ++inv.provenanced[ref];
        }
      } else {
        ++inv.versions[key];
      }
    }
  }
  return inv;
}

std::set<std::string> keys(const Inventory& inv) {
  std::set<std::string> out;
  for (const auto& [k, v] : inv.versions) out.insert(k);
  return out;
}

// B holds exactly A's resources, each once (one version) and each named by exactly one Provenance.
void expect_exact_copy(const Inventory& a, const Inventory& b, std::uint16_t b_port = 0) {
  EXPECT_EQ(a.provenances, 0u) << "nothing may come back to A";
  EXPECT_EQ(keys(a), keys(b));
  for (const auto& [k, n] : b.versions) {
    EXPECT_EQ(n, 1) << k << " was written " << n
                    << " times at B: " << (b_port ? get(b_port, "/fhir/" + k + "/_history").body : std::string());
    const auto it = b.provenanced.find(k);
    EXPECT_TRUE(it != b.provenanced.end() && it->second == 1) << k << " needs exactly one Provenance at B";
  }
  EXPECT_TRUE(b.provenance_complete);
  EXPECT_GT(b.provenances, 0u);
}

std::vector<std::string> sorted_lines(const std::string& ndjson) {
  std::vector<std::string> lines;
  std::istringstream in(ndjson);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

void post_records(std::uint16_t port, const std::string& ndjson) {
  const auto r = Client(port).request("POST", "/internal/records", ndjson, {{"content-type", "application/x-ndjson"}});
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 2000);
}

// `patients` patients with `labs` lab results each: distinct resources in bulk. `round` shifts the values
// (the same records posted again with another round are new versions of the same resources).
std::string synthetic_records(int patients, int labs, int round = 0) {
  std::string out;
  for (int p = 0; p < patients; ++p) {
    const std::string mrn = "MRN-S" + std::to_string(p);
    out += R"({"type":"patient","id":")" + mrn +
           R"(","source":"GDPH-EMR","sex":"female","deceased":false})"
           "\n";
    for (int l = 0; l < labs; ++l) {
      out += R"({"type":"lab_result","id":"LAB-)" + std::to_string(p) + "-" + std::to_string(l) +
             R"(","source":"GDPH-LIS","patient":")" + mrn + R"(","test":"AFP","value":)" +
             std::to_string(10 + l + 1000 * round) +
             R"(.50,"unit":"ng/mL","specimen":"serum","collected_at":"2021-01-02T07:30:00+08:00","status":"final"})"
             "\n";
    }
  }
  return out;
}

// Entries of a searchset Bundle by search mode: "Type/id" of each match or include.
std::multiset<std::string> entries(const HttpResponse& r, std::string_view mode) {
  std::multiset<std::string> out;
  auto doc = fhir::json::parse(r.body);
  if (!doc || !doc.document->root().find("entry")) return out;
  for (const Node& e : doc.document->root().find("entry")->items()) {
    const Node* search = e.find("search");
    if (!search || search->find("mode")->text() != mode) continue;
    const std::string full(e.find("fullUrl")->text());
    out.insert(full.substr(full.find("/fhir/") + 6));
  }
  return out;
}

// At B each forwarded resource is found through its Provenance (Provenance?target=, _revinclude) and its
// inbound AuditEvent (AuditEvent?entity=): the searches over B's target and entity index rows, which hold the
// target's rid key for resources stored before them (gateway/storage/target_rid_keys.h).
void expect_provenance_and_audit_searchable(std::uint16_t b_port, const Inventory& b) {
  bool audit_waits = true;
  for (const auto& [k, n] : b.versions) {
    const auto by_target = get(b_port, "/fhir/Provenance?target=" + k);
    ASSERT_EQ(by_target.status, 200) << by_target.body;
    EXPECT_EQ(entries(by_target, "match").size(), 1u) << "Provenance?target=" << k << ": " << by_target.body;
    const std::string type = k.substr(0, k.find('/'));
    const std::string id = k.substr(k.find('/') + 1);
    const auto rev = get(b_port, "/fhir/" + type + "?_id=" + id + "&_revinclude=Provenance:target");
    ASSERT_EQ(rev.status, 200) << rev.body;
    EXPECT_EQ(entries(rev, "match"), std::multiset<std::string>{k});
    EXPECT_EQ(entries(rev, "include").size(), 1u) << k << ": " << rev.body;
    // The inbound transaction's AuditEvent is written by the audit trail after the response: waited for
    // (10 s at most, and not again once a wait failed, so a failing search fails fast).
    const auto audited = [&] { return !entries(get(b_port, "/fhir/AuditEvent?entity=" + k), "match").empty(); };
    const bool found = audit_waits ? wait_until(audited, std::chrono::seconds(10)) : audited();
    audit_waits = audit_waits && found;
    EXPECT_TRUE(found) << "AuditEvent?entity=" << k;
  }
}

TEST(Forwarding, DemoCaseArrivesOnceWithProvenanceAndDoesNotLoop) {
  const std::uint16_t b_port = reserve_port();
  Gateway a("a", a_config(b_port));
  a.start();
  Gateway b("b", b_config(a.port()));
  b.start(b_port);
  post_records(a.port(), read_file(FHIRGW_DEMO_CASE));
  ASSERT_TRUE(wait_until([&] { return a.pending("hospital-b") == 0; })) << a.pending("hospital-b");
  const Inventory at_a = inventory(a.port());
  const Inventory at_b = inventory(b.port());
  EXPECT_GE(at_a.versions.size(), 150u);
  expect_exact_copy(at_a, at_b);
  expect_provenance_and_audit_searchable(b.port(), at_b);
  // At A each resource is named by its ingest transaction's AuditEvent and by a delivery's (whose entity rows
  // take the rid read with the outbox row, not looked up): both found by AuditEvent?entity=.
  bool delivery_audit_waits = true;
  for (const auto& [k, n] : at_a.versions) {
    const auto audited_twice = [&] {
      return entries(get(a.port(), "/fhir/AuditEvent?entity=" + k), "match").size() >= 2;
    };
    const bool found = delivery_audit_waits ? wait_until(audited_twice, std::chrono::seconds(10)) : audited_twice();
    delivery_audit_waits = delivery_audit_waits && found;
    EXPECT_TRUE(found) << "AuditEvent?entity=" << k << " at A";
  }
  // B's hospital systems read back what A's sent.
  const auto from_a = get(a.port(), "/internal/records?patient=MRN-0001");
  const auto from_b = get(b.port(), "/internal/records?patient=MRN-0001");
  ASSERT_EQ(from_a.status, 200);
  ASSERT_EQ(from_b.status, 200) << from_b.body;
  // The same records; their order is not part of the contract (B stores the Bundles in flight side by side).
  EXPECT_EQ(sorted_lines(from_a.body), sorted_lines(from_b.body));
  EXPECT_FALSE(sorted_lines(from_a.body).empty());
  // No loop: B's route back to A carried nothing (all of it came from A, or is B's Provenance about it).
  EXPECT_EQ(b.pending("hospital-a"), 0);
  const auto metrics = get(b.port(), "/metrics").body;
  EXPECT_EQ(metrics.find("fhirgw_outbox_delivered_total{peer=\"hospital-a\"}"), std::string::npos);
  EXPECT_NE(
      get(a.port(), "/metrics")
          .body.find("fhirgw_outbox_delivered_total{peer=\"hospital-b\"} " + std::to_string(at_a.versions.size())),
      std::string::npos);
}

TEST(Forwarding, PeerDownWhileReceivingThenUp) {
  const std::uint16_t b_port = reserve_port();
  Gateway a("a", a_config(b_port));
  a.start();
  post_records(a.port(), read_file(FHIRGW_DEMO_CASE));
  const Inventory at_a = inventory(a.port());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few failed attempts
  EXPECT_EQ(a.pending("hospital-b"), static_cast<long>(at_a.versions.size()));
  EXPECT_EQ(a.dead_letters("hospital-b"), 0);  // an unreachable peer is not the resources' fault
  Gateway b("b", b_config(a.port()));
  b.start(b_port);
  ASSERT_TRUE(wait_until([&] { return a.pending("hospital-b") == 0; }));
  expect_exact_copy(at_a, inventory(b.port()), b.port());
}

TEST(Forwarding, SenderKilledWithAFullOutboxResumesAfterRestart) {
  const std::uint16_t a_port = reserve_port();
  const std::uint16_t b_port = reserve_port();
  Gateway a("a", a_config(b_port));
  a.start(a_port);
  post_records(a.port(), read_file(FHIRGW_DEMO_CASE));
  const Inventory at_a = inventory(a.port());
  ASSERT_GT(a.pending("hospital-b"), 100);
  a.kill_hard();
  Gateway b("b", b_config(a_port));
  b.start(b_port);
  a.start(a_port);
  ASSERT_TRUE(wait_until([&] { return a.pending("hospital-b") == 0; }));
  expect_exact_copy(at_a, inventory(b.port()), b.port());
}

TEST(Forwarding, ReceiverKilledMidDeliveryLosesAndDuplicatesNothing) {
  const std::uint16_t b_port = reserve_port();
  Gateway a("a", a_config(b_port, 10));
  a.start();
  Gateway b("b", b_config(a.port()));
  b.start(b_port);
  post_records(a.port(), synthetic_records(30, 40));  // 2,430 resources (a lab result is two), ~243 deliveries
  const Inventory at_a = inventory(a.port());
  const long total = static_cast<long>(at_a.versions.size());
  EXPECT_EQ(total, 30 + 30 * 40 * 2);
  // Kill B while deliveries are under way: some acknowledged, some not.
  ASSERT_TRUE(wait_until([&] {
    const long p = a.pending("hospital-b");
    return p < total - 100;
  }));
  b.kill_hard();
  const long left = a.pending("hospital-b");
  EXPECT_GT(left, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  b.start(b_port);
  ASSERT_TRUE(wait_until([&] { return a.pending("hospital-b") == 0; }));
  expect_exact_copy(at_a, inventory(b.port()), b.port());
}

// Versions of one resource keep their order with several Bundles in flight: A stores four versions of each
// lab result (posted one after the other while A forwards in Bundles of 10, 4 at once); B's history of
// every Observation has the values in the order A stored them, and B ends with A's last one.
TEST(Forwarding, VersionsOfOneResourceArriveInOrderWithBundlesInFlight) {
  const std::uint16_t b_port = reserve_port();
  Gateway a("a", a_config(b_port, 10, {}, R"(,"in_flight":4)"));
  a.start();
  Gateway b("b", b_config(a.port()));
  b.start(b_port);
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) post_records(a.port(), synthetic_records(10, 20, round));
  ASSERT_TRUE(wait_until([&] { return a.pending("hospital-b") == 0; }));
  // value of each version at B, by Observation id and version
  std::map<std::string, std::map<long, double>> values;
  std::string target = "/fhir/Observation/_history?_count=1000";
  while (!target.empty()) {
    const auto r = get(b.port(), target);
    ASSERT_EQ(r.status, 200) << r.body;
    auto doc = fhir::json::parse(r.body);
    ASSERT_TRUE(doc);
    target.clear();
    if (const Node* links = doc.document->root().find("link")) {
      for (const Node& l : links->items()) {
        if (l.find("relation")->text() != "next") continue;
        const std::string url(l.find("url")->text());
        target = url.substr(url.find("/fhir"));
      }
    }
    const Node* entries = doc.document->root().find("entry");
    if (!entries) break;
    for (const Node& e : entries->items()) {
      const Node* res = e.find("resource");
      ASSERT_TRUE(res && res->find("valueQuantity")) << "every Observation version has a value";
      const std::string id(res->find("id")->text());
      const long version = std::stol(std::string(res->find("meta")->find("versionId")->text()));
      values[id][version] = std::stod(std::string(res->find("valueQuantity")->find("value")->text()));
    }
  }
  ASSERT_EQ(values.size(), 10u * 20u);
  bool some_resource_got_several_versions = false;
  for (const auto& [id, by_version] : values) {
    double previous = -1;
    for (const auto& [version, value] : by_version) {
      EXPECT_GT(value, previous) << "Observation/" << id << " version " << version << " is older than the one before";
      previous = value;
    }
    EXPECT_GE(previous, 1000.0 * (kRounds - 1)) << "Observation/" << id << " must end with A's last version";
    some_resource_got_several_versions |= by_version.size() > 1;
  }
  // Not asserted (coalescing may leave one version per resource), but when B saw several the order held.
  if (!some_resource_got_several_versions) std::cout << "[ note ] every resource reached B in one version\n";
}

std::string json_text(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A -> B over mutual TLS with a SMART backend-services token: B requires A's client certificate and a
// token (auth on), A gets the token from B's /auth/token with a signed assertion. B's Provenance names
// the authenticated client ("gw-a"), not what A's header claims ("hospital-a").
TEST(Forwarding, OverMutualTlsWithATokenAndOnlyToTheRightServer) {
  testpki::TempDir pki;
  const auto hospital_a = testpki::make_hospital(pki, "hospital-a");
  const auto hospital_b = testpki::make_hospital(pki, "hospital-b");
  const auto elsewhere = testpki::make_hospital(pki, "elsewhere");
  const auto a_jwt = testpki::rs384_key("a-1");
  const auto b_signing = testpki::es384_key("b-1");
  const std::uint16_t b_port = reserve_port();
  const std::string base = "https://127.0.0.1:" + std::to_string(b_port);
  const std::string b_forwarding = R"({"node":"hospital-b","inbound":["gw-a"]})";
  Gateway b("b", b_forwarding,
            R"("tls":{"cert_file":)" + json_text(hospital_b.server_files.cert) + R"(,"key_file":)" +
                json_text(hospital_b.server_files.key) + R"(,"client_ca_file":)" + json_text(hospital_a.ca_file) +
                R"(},"auth":{"token_signing_key_file":)" +
                json_text(pki.write("b-signing.key", testpki::key_pem(b_signing.key.get()))) +
                R"(,"clients":[{"id":"gw-a","jwks_file":)" +
                json_text(pki.write("a.jwks", testpki::jwks_of({&a_jwt}))) +
                R"(,"scopes":"system/*.write","certificate":["uri:urn:fhirgw:client:hospital-a"]}]})");
  b.start(b_port);
  auto secure = [&](const std::string& ca) {
    return R"(,"tls":{"ca_file":)" + json_text(ca) + R"(,"cert_file":)" + json_text(hospital_a.client_files.cert) +
           R"(,"key_file":)" + json_text(hospital_a.client_files.key) + R"(},"auth":{"token_url":)" +
           json_text(base + "/auth/token") + R"(,"client_id":"gw-a","key_file":)" +
           json_text(pki.write("a-jwt.key", testpki::key_pem(a_jwt.key.get()))) +
           R"(,"kid":"a-1","alg":"RS384","scope":"system/*.write"})";
  };

  // A sender that trusts another CA refuses B's certificate: nothing leaves, the reason is shown.
  Gateway wrong("wrong", a_config(b_port, 50, secure(elsewhere.ca_file)));
  wrong.start();
  post_records(wrong.port(), read_file(FHIRGW_DEMO_CASE));
  ASSERT_TRUE(wait_until([&] { return wrong.admin_outbox().find("certificate verify failed") != std::string::npos; }))
      << wrong.admin_outbox();
  EXPECT_GT(wrong.pending("hospital-b"), 100);

  Gateway a("a", a_config(b_port, 50, secure(hospital_b.ca_file)));
  a.start();
  post_records(a.port(), read_file(FHIRGW_DEMO_CASE));
  ASSERT_TRUE(wait_until([&] { return a.pending("hospital-b") == 0; })) << a.admin_outbox();
  // B's data, read over plain HTTP after a restart without TLS (auth off on loopback).
  b.kill_hard();
  b.configure(b_forwarding);
  b.start();
  const Inventory at_b = inventory(b.port());
  expect_exact_copy(inventory(a.port()), at_b);
  EXPECT_EQ(at_b.provenance_who, std::set<std::string>{"gw-a"});
}

// A route by search (not by type): a resource that stops matching is deleted at the peer, one that never
// matched is never sent, and one that matches again is sent again.
TEST(Forwarding, AResourceThatStopsMatchingASearchRouteIsDeletedAtThePeer) {
  TempDir b_dir;
  ServerProcess b(b_dir.path());
  Gateway a("a", R"({"node":"hospital-a","peers":[{"name":"hospital-b","url":"http://127.0.0.1:)" +
                     std::to_string(b.port()) + R"(/fhir","backoff_ms":50,"max_backoff_ms":400}],
    "routes":[{"peer":"hospital-b","search":"Observation?code=http://loinc.org|1834-1"}]})");
  a.start();
  auto put = [&](const std::string& id, const std::string& code) {
    const std::string obs = R"({"resourceType":"Observation","id":")" + id +
                            R"(","status":"final","code":{"coding":[{"system":"http://loinc.org","code":")" + code +
                            R"("}]}})";
    return Client(a.port())
        .request("PUT", "/fhir/Observation/" + id, obs, {{"content-type", "application/fhir+json"}})
        .status;
  };
  auto status_at_b = [&](const std::string& id) { return get(b.port(), "/fhir/Observation/" + id).status; };
  ASSERT_EQ(put("afp", "1834-1"), 201);
  ASSERT_EQ(put("alt", "1742-6"), 201);
  ASSERT_TRUE(wait_until([&] { return status_at_b("afp") == 200 && a.pending("hospital-b") == 0; }))
      << a.admin_outbox();
  EXPECT_EQ(status_at_b("alt"), 404);

  ASSERT_EQ(put("afp", "1742-6"), 200);  // no longer an AFP result: B must not keep it
  ASSERT_EQ(put("alt", "2345-7"), 200);  // never matched: nothing to send
  ASSERT_TRUE(wait_until([&] { return status_at_b("afp") == 410 && a.pending("hospital-b") == 0; }))
      << a.admin_outbox();
  EXPECT_EQ(status_at_b("alt"), 404);
  EXPECT_EQ(a.dead_letters("hospital-b"), 0);

  ASSERT_EQ(put("afp", "1834-1"), 200);  // matches again
  ASSERT_TRUE(wait_until([&] { return status_at_b("afp") == 200; })) << a.admin_outbox();
}

// ---- a fault-injecting peer ------------------------------------------------------------------------

class FaultProxy {
 public:
  // Forwards to 127.0.0.1:target_port; answers 500 for bodies containing `poison` (while poisoned), and
  // 429 to the first requests, one per `busy` entry, with the Retry-After value that entry gives then.
  FaultProxy(std::uint16_t target_port, std::string poison, std::vector<std::function<std::string()>> busy)
      : target_(target_port),
        poison_(std::move(poison)),
        busy_(std::move(busy)),
        server_([this](const auto& r) { return answer(r); }) {}
  std::uint16_t port() const { return server_.port(); }
  void heal() { poisoned_ = false; }

  struct Seen {
    Clock::time_point at;  // when the request arrived
    int status;
    std::set<std::string> urls;  // the entries' request.url ("Type/id")
  };
  std::vector<Seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  static testhttp::Response outcome(int status, const char* code, const char* text) {
    return {status,
            {{"Content-Type", "application/fhir+json"}},
            std::string(R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":")") + code +
                R"(","diagnostics":")" + text + R"("}]})"};
  }

  static std::set<std::string> entry_urls(const std::string& body) {
    std::set<std::string> out;
    auto doc = fhir::json::parse(body);
    if (!doc || !doc.document->root().is_object()) return out;
    if (const Node* entries = doc.document->root().find("entry")) {
      for (const Node& e : entries->items()) {
        if (const Node* req = e.find("request"); req && req->find("url"))
          out.insert(std::string(req->find("url")->text()));
      }
    }
    return out;
  }

  testhttp::Response answer(const testhttp::Request& req) {
    const Clock::time_point arrived = Clock::now();
    testhttp::Response res;
    if (const std::size_t n = busy_answered_.fetch_add(1); n < busy_.size()) {
      res = outcome(429, "throttled", "busy");
      res.headers.emplace_back("Retry-After", busy_[n]());
    } else if (poisoned_ && req.body.find(poison_) != std::string::npos) {
      res = outcome(500, "exception", "injected failure");
    } else {
      std::map<std::string, std::string> fwd;
      for (const char* h : {"content-type", "x-fhirgw-peer", "x-source-system", "authorization"}) {
        if (const auto it = req.headers.find(h); it != req.headers.end()) fwd[h] = it->second;
      }
      const auto r = Client(target_).request(req.method, req.target, req.body, fwd);
      res = {r.status, {{"Content-Type", "application/fhir+json"}}, r.body};
    }
    std::lock_guard lock(mutex_);
    seen_.push_back({arrived, res.status, entry_urls(req.body)});
    return res;
  }

  std::uint16_t target_;
  std::string poison_;
  std::vector<std::function<std::string()>> busy_;
  std::atomic<std::size_t> busy_answered_{0};
  std::atomic<bool> poisoned_{true};
  std::mutex mutex_;
  std::vector<Seen> seen_;
  testhttp::Server server_;  // last: stopped first, while the members its handler uses still exist
};

TEST(Forwarding, PoisonResourceGoesToDeadLettersOthersPassRetryAfterHonoured) {
  TempDir b_dir;
  ServerProcess b(b_dir.path());
  // The resource to poison: the first Observation A stores for the demo case (ids are deterministic, so
  // a dry run on a scratch gateway names it).
  std::string poison;
  {
    TempDir scratch;
    ServerProcess s(scratch.path());
    const auto r = Client(s.port()).request("POST", "/internal/records", read_file(FHIRGW_DEMO_CASE),
                                            {{"content-type", "application/x-ndjson"}});
    const auto at = r.body.find("\"Observation/");
    ASSERT_NE(at, std::string::npos);
    const auto start = at + 13;
    poison = r.body.substr(start, r.body.find('/', start) - start);
  }
  // Two 429s: Retry-After as delta-seconds, then as an HTTP-date 2 s ahead (RFC 9110 IMF-fixdate).
  const auto http_date_in_2s = [] {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) + 2;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(buf);
  };
  FaultProxy proxy(b.port(), "\"id\":\"" + poison + "\"", {[] { return std::string("1"); }, http_date_in_2s});
  Gateway a("a", a_config(proxy.port(), 40));
  a.start();
  post_records(a.port(), read_file(FHIRGW_DEMO_CASE));
  const Inventory at_a = inventory(a.port());
  ASSERT_TRUE(wait_until([&] { return a.pending("hospital-b") == 0; }));

  // The poisoned one is a dead letter with B's reason; everything else arrived.
  ASSERT_EQ(a.dead_letters("hospital-b"), 1);
  const auto dl = get(a.port(), "/admin/dead-letters");
  ASSERT_EQ(dl.status, 200);
  EXPECT_NE(dl.body.find("\"resource\":\"Observation/" + poison + "\""), std::string::npos) << dl.body;
  EXPECT_NE(dl.body.find("HTTP 500: injected failure"), std::string::npos) << dl.body;
  EXPECT_NE(dl.body.find("\"attempts\":3"), std::string::npos) << dl.body;
  Inventory at_b = inventory(b.port());
  EXPECT_EQ(at_b.versions.size(), at_a.versions.size() - 1);
  EXPECT_EQ(at_b.versions.count("Observation/" + poison), 0u);

  // Per resource: after a 429 with Retry-After: 1, the next request carrying that resource came no sooner
  // than a second later; after a 429 with a date 2 s ahead (whole seconds, so 1-2 s) no sooner than a
  // second later either (the backoff alone would retry within 400 ms). With Bundles in flight both 429s
  // may answer requests sent at the same time, so the wait is checked for each resource they carried.
  auto seen = proxy.seen();
  std::sort(seen.begin(), seen.end(), [](const auto& x, const auto& y) { return x.at < y.at; });
  ASSERT_GE(seen.size(), 3u);
  std::size_t throttled = 0;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (seen[i].status != 429) continue;
    ++throttled;
    ASSERT_FALSE(seen[i].urls.empty());
    for (const std::string& url : seen[i].urls) {
      const auto next = std::find_if(seen.begin() + static_cast<std::ptrdiff_t>(i) + 1, seen.end(),
                                     [&](const auto& s) { return s.urls.contains(url); });
      ASSERT_NE(next, seen.end()) << url << " was never sent again after a 429";
      EXPECT_GE(next->at - seen[i].at, std::chrono::milliseconds(950)) << url << " was re-sent too early";
    }
  }
  EXPECT_EQ(throttled, 2u);

  // Retrying the dead letter once the fault is gone delivers it.
  proxy.heal();
  auto doc = fhir::json::parse(dl.body);
  const std::string id(doc.document->root().find("dead_letters")->items()[0].find("id")->text());
  EXPECT_EQ(Client(a.port()).request("POST", "/admin/dead-letters/" + id + "/$retry").status, 200);
  EXPECT_EQ(Client(a.port()).request("POST", "/admin/dead-letters/" + id + "/$retry").status, 404);
  ASSERT_TRUE(wait_until([&] { return a.pending("hospital-b") == 0; }));
  EXPECT_EQ(a.dead_letters("hospital-b"), 0);
  at_b = inventory(b.port());
  EXPECT_EQ(keys(at_b), keys(at_a));
}

}  // namespace
}  // namespace fhirgw::testing
