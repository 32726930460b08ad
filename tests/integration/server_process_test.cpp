// The real `fhirgw serve` over HTTP: CRUD, ETag conflicts, the 64-way conditional-create race,
// transaction atomicity, kill -9 and restart, graceful shutdown, keep-alive/pipelining, gzip and the
// error statuses.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "server_harness.h"

namespace fhirgw::testing {
namespace {

const std::string kPatient =
    R"({"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"42"}],"name":[{"family":"Doe"}]})";

std::string patient_with_mrn(const std::string& mrn) {
  return R"({"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":")" + mrn +
         R"("}],"name":[{"family":"Doe"}]})";
}

TEST(ServerProcess, CrudWithVersionsAndEtags) {
  TempDir dir;
  ServerProcess server(dir.path());
  Client c(server.port());
  auto created = c.request("POST", "/fhir/Patient", kPatient);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = json_member(created.body, "id");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(created.header("etag"), "W/\"1\"");
  EXPECT_NE(created.header("location").find("/fhir/Patient/" + id + "/_history/1"), std::string::npos);
  EXPECT_FALSE(created.header("x-request-id").empty());

  auto read = c.request("GET", "/fhir/Patient/" + id);
  EXPECT_EQ(read.status, 200);
  EXPECT_FALSE(read.header("last-modified").empty());

  std::string update = R"({"resourceType":"Patient","id":")" + id + R"(","name":[{"family":"Roe"}]})";
  EXPECT_EQ(c.request("PUT", "/fhir/Patient/" + id, update, {{"If-Match", "W/\"5\""}}).status, 412);
  auto updated = c.request("PUT", "/fhir/Patient/" + id, update, {{"If-Match", "W/\"1\""}});
  EXPECT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.header("etag"), "W/\"2\"");
  EXPECT_EQ(c.request("GET", "/fhir/Patient/" + id + "/_history/1").status, 200);
  EXPECT_EQ(c.request("DELETE", "/fhir/Patient/" + id).status, 200);
  EXPECT_EQ(c.request("GET", "/fhir/Patient/" + id).status, 410);
  EXPECT_EQ(c.request("GET", "/fhir/Patient/" + id + "/_history/2").status, 200);
}

TEST(ServerProcess, SixtyFourConcurrentConditionalCreatesMakeOneResource) {
  TempDir dir;
  ServerProcess server(dir.path());
  constexpr int kClients = 64;
  std::vector<std::thread> threads;
  std::vector<int> statuses(kClients);
  std::vector<std::string> ids(kClients);
  std::atomic<int> ready{0};
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      Client c(server.port());
      ready.fetch_add(1);
      while (ready.load() < kClients) std::this_thread::yield();
      auto r = c.request("POST", "/fhir/Patient", patient_with_mrn("race-1"),
                         {{"If-None-Exist", "identifier=urn:mrn|race-1"}});
      statuses[i] = r.status;
      ids[i] = json_member(r.body, "id");
    });
  }
  for (auto& t : threads) t.join();
  int created = 0;
  std::set<std::string> distinct;
  for (int i = 0; i < kClients; ++i) {
    EXPECT_TRUE(statuses[i] == 201 || statuses[i] == 200) << statuses[i];
    created += statuses[i] == 201;
    distinct.insert(ids[i]);
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(distinct.size(), 1u);
  Client c(server.port());
  auto count = c.request("GET", "/fhir/Patient?identifier=urn:mrn|race-1&_summary=count");
  EXPECT_EQ(json_member(count.body, "total"), "1") << count.body;
}

TEST(ServerProcess, FailedTransactionLeavesNothing) {
  TempDir dir;
  ServerProcess server(dir.path());
  Client c(server.port());
  const std::string bad = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:6b8f0c1e-0d7e-4c1b-9a57-3f0e8c2b1a11","resource":)" +
                          patient_with_mrn("tx-1") + R"(,
     "request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},
                 "subject":{"reference":"urn:uuid:6b8f0c1e-0d7e-4c1b-9a57-3f0e8c2b1a11"}},
     "request":{"method":"POST","url":"Observation"}},
    {"request":{"method":"DELETE","url":"Patient/does-not-exist"}}]})";
  auto r = c.request("POST", "/fhir", bad);
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_NE(r.body.find("OperationOutcome"), std::string::npos);
  EXPECT_EQ(json_member(c.request("GET", "/fhir/Patient?_summary=count").body, "total"), "0");
  EXPECT_EQ(json_member(c.request("GET", "/fhir/Observation?_summary=count").body, "total"), "0");

  std::string good = bad;
  good.erase(good.find(",\n    {\"request\":{\"method\":\"DELETE\""), std::string::npos);
  good += "]}";
  auto ok = c.request("POST", "/fhir", good);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(
      json_member(c.request("GET", "/fhir/Observation?patient.identifier=urn:mrn|tx-1&_summary=count").body, "total"),
      "1");
}

TEST(ServerProcess, AcknowledgedWritesSurviveKillNine) {
  TempDir dir;
  std::vector<std::string> ids;
  {
    ServerProcess server(dir.path());
    Client c(server.port());
    for (int i = 0; i < 50; ++i) {
      auto r = c.request("POST", "/fhir/Patient", patient_with_mrn("k" + std::to_string(i)));
      ASSERT_EQ(r.status, 201);
      ids.push_back(json_member(r.body, "id"));
    }
    server.kill_hard();
  }
  ServerProcess restarted(dir.path());
  Client c(restarted.port());
  for (const auto& id : ids) EXPECT_EQ(c.request("GET", "/fhir/Patient/" + id).status, 200) << id;
}

TEST(ServerProcess, KillDuringTransactionLeavesAllOrNothing) {
  TempDir dir;
  std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[)";
  for (int i = 0; i < 400; ++i) {
    if (i) bundle += ',';
    bundle += R"({"resource":{"resourceType":"Observation","status":"final","code":{"text":"crash"},)"
              R"("valueQuantity":{"value":)" +
              std::to_string(i) + R"(}},"request":{"method":"POST","url":"Observation"}})";
  }
  bundle += "]}";
  for (int delay_ms : {0, 5, 20, 60}) {
    {
      ServerProcess server(dir.path());
      std::thread sender([&] {
        Client c(server.port());
        c.request("POST", "/fhir", bundle);
      });
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      server.kill_hard();
      sender.join();
    }
    ServerProcess restarted(dir.path());
    Client c(restarted.port());
    const std::string total = json_member(c.request("GET", "/fhir/Observation?_summary=count").body, "total");
    const int n = std::stoi(total.empty() ? "-1" : total);
    EXPECT_EQ(n % 400, 0) << "a killed transaction left " << n << " resources (delay " << delay_ms << " ms)";
  }
}

TEST(ServerProcess, SigtermShutsDownGracefully) {
  TempDir dir;
  ServerProcess server(dir.path());
  {
    Client c(server.port());
    EXPECT_EQ(c.request("GET", "/healthz").status, 200);
    EXPECT_EQ(c.request("GET", "/readyz").status, 200);
  }
  EXPECT_EQ(server.terminate_and_wait(), 0);
}

// Writes run in the write pool (`write_threads`, 16 by default) while they wait for their commit's sync:
// SIGTERM with several in flight answers each one the server had read, exits 0, and every 201 is stored.
TEST(ServerProcess, SigtermWithWritesInTheWritePoolAnswersThemAndExits) {
  TempDir dir;
  std::vector<std::vector<std::string>> created(4);
  {
    ServerProcess server(dir.path());
    std::vector<std::thread> writers;
    for (std::size_t t = 0; t < created.size(); ++t) {
      writers.emplace_back([&server, &list = created[t]] {
        Client c(server.port());
        for (;;) {  // until the shutdown closes the connection
          const auto r = c.request("POST", "/fhir/Patient", R"({"resourceType":"Patient","active":true})");
          if (r.status != 201) break;
          list.push_back(r.header("location"));
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(server.terminate_and_wait(), 0);
    for (auto& w : writers) w.join();
  }
  ServerProcess restarted(dir.path());
  Client c(restarted.port());
  std::size_t stored = 0;
  for (const auto& list : created) {
    for (const std::string& location : list) {
      const auto at = location.find("Patient/");
      ASSERT_NE(at, std::string::npos) << location;
      EXPECT_EQ(c.request("GET", "/fhir/" + location.substr(at)).status, 200) << location;
      ++stored;
    }
  }
  EXPECT_GT(stored, 0u);
}

// `write_threads: 0`: the I/O threads run writes themselves.
TEST(ServerProcess, WritesWithoutAWritePool) {
  TempDir dir;
  ServerProcess server(dir.path() + "/data", {"--config", write_config(dir, R"({"write_threads":0})")});
  Client c(server.port());
  ASSERT_EQ(c.request("PUT", "/fhir/Patient/inline-1", R"({"resourceType":"Patient","id":"inline-1"})").status, 201);
  EXPECT_EQ(c.request("GET", "/fhir/Patient/inline-1").status, 200);
  EXPECT_EQ(c.request("DELETE", "/fhir/Patient/inline-1").status, 200);
  EXPECT_EQ(c.request("GET", "/fhir/Patient/inline-1").status, 410);
}

TEST(ServerProcess, KeepAlivePipeliningAndGzip) {
  TempDir dir;
  ServerProcess server(dir.path());
  Client c(server.port());
  const std::string two = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /fhir/metadata HTTP/1.1\r\nHost: x\r\n\r\n";
  auto responses = c.raw(two, 2);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[1].status, 200);
  auto zipped = c.request("GET", "/fhir/metadata", {}, {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(zipped.status, 200);
  EXPECT_EQ(zipped.header("content-encoding"), "gzip");
  ASSERT_GE(zipped.body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(zipped.body[0]), 0x1f);
  auto metrics = c.request("GET", "/metrics");
  EXPECT_NE(metrics.body.find("fhirgw_http_request_duration_seconds_bucket"), std::string::npos);
}

// The pooled readers' snapshots are counted (gateway/storage/reader_pool.h): reads after a commit begin new ones
// (which commits end a snapshot: tests/gateway/storage_reader_pool_test.cpp).
TEST(ServerProcess, MetricsCountReadSnapshots) {
  TempDir dir;
  ServerProcess server(dir.path());
  Client c(server.port());
  auto snapshots = [&c] {
    const std::string body = c.request("GET", "/metrics").body;
    const std::string name = "\nfhirgw_store_read_snapshots_total ";
    const auto at = body.find(name);
    return at == std::string::npos ? -1L : std::stol(body.substr(at + name.size()));
  };
  ASSERT_EQ(c.request("PUT", "/fhir/Patient/snap-1", R"({"resourceType":"Patient","id":"snap-1"})").status, 201);
  ASSERT_EQ(c.request("GET", "/fhir/Patient/snap-1").status, 200);
  const long before = snapshots();
  ASSERT_GT(before, 0);
  ASSERT_EQ(
      c.request("PUT", "/fhir/Patient/snap-1", R"({"resourceType":"Patient","id":"snap-1","active":true})").status,
      200);
  ASSERT_EQ(c.request("GET", "/fhir/Patient/snap-1").status, 200);
  EXPECT_GT(snapshots(), before);
}

// HEAD: the head a GET would get, Content-Length included (RFC 9110 §8.6: the length of the GET's body), and
// no body bytes, so the next request on the connection is answered in step.
TEST(ServerProcess, HeadAnswersWithTheHeadersOfGetAndNoBody) {
  TempDir dir;
  ServerProcess server(dir.path());
  Client c(server.port());
  ASSERT_EQ(c.request("PUT", "/fhir/Patient/head-1", R"({"resourceType":"Patient","id":"head-1"})").status, 201);
  const auto get = c.request("GET", "/fhir/Patient/head-1");
  ASSERT_EQ(get.status, 200);
  ASSERT_FALSE(get.body.empty());
  const auto head = c.request("HEAD", "/fhir/Patient/head-1");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), std::to_string(get.body.size()));
  EXPECT_EQ(head.header("etag"), get.header("etag"));
  const auto again = c.request("GET", "/fhir/Patient/head-1");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, get.body);
  const auto healthz = c.request("HEAD", "/healthz");
  EXPECT_EQ(healthz.status, 200);
  EXPECT_NE(healthz.header("content-length"), "0");
  EXPECT_EQ(c.request("GET", "/healthz").status, 200);
}

TEST(ServerProcess, ErrorStatusesCarryOperationOutcome) {
  TempDir dir;
  ServerProcess server(dir.path() + "/data", {"--config", write_config(dir, R"({"limits":{"max_body_bytes":4096}})")});
  Client c(server.port());
  struct Case {
    std::string method, target, body;
    std::map<std::string, std::string> headers;
    int status;
  };
  const std::vector<Case> cases = {
      {"GET", "/fhir/Patient/missing", "", {}, 404},
      {"GET", "/fhir/NotAType", "", {}, 404},
      {"POST", "/fhir/Patient/x", "", {}, 405},
      {"GET", "/fhir/Patient/x", "", {{"Accept", "application/fhir+xml"}}, 406},
      {"POST", "/fhir/Patient", kPatient, {{"Content-Type", "application/xml"}}, 415},
      {"POST", "/fhir/Patient", "{oops", {}, 400},
      {"GET", "/fhir/Patient?birthdate=not-a-date", "", {}, 400},
      {"POST", "/fhir/Patient", std::string(8000, ' ') + kPatient, {}, 413},
  };
  for (const auto& k : cases) {
    Client one(server.port());
    auto r = one.request(k.method, k.target, k.body, k.headers);
    EXPECT_EQ(r.status, k.status) << k.method << " " << k.target << " " << r.body;
    EXPECT_NE(r.body.find("OperationOutcome"), std::string::npos) << k.method << " " << k.target;
  }
}

TEST(ServerProcess, BadConfigIsFatal) {
  TempDir dir;
  const std::string config = write_config(dir, R"({"limits":{"max_body_bites":1}})");
  EXPECT_THROW(ServerProcess(dir.path(), {"--config", config}), std::runtime_error);
}

}  // namespace
}  // namespace fhirgw::testing
