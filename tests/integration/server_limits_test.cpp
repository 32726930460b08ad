// Connection-level limits of the real server: slow clients are cut off (read timeout), idle keep-alive
// connections are closed (idle timeout), the connection cap answers 503, big headers get 413.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "server_harness.h"

namespace fhirgw::testing {
namespace {

class Limits : public ::testing::Test {
 protected:
  Limits() {
    const std::string config = write_config(dir_, R"({"limits":{"read_timeout_ms":300,"idle_timeout_ms":300,
                                                   "max_connections":2,"max_header_bytes":2048}})");
    server_ = std::make_unique<ServerProcess>(dir_.path() + "/data", std::vector<std::string>{"--config", config});
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(Limits, SlowClientIsCutOff) {
  Client c(server_->port());
  // Half a request, then silence far beyond the 300 ms read timeout: the server closes the connection.
  auto responses = c.raw("GET /healthz HTTP/1.1\r\nHost: x\r\n", 1);
  EXPECT_TRUE(responses.empty());
}

// A connection waits for its next request under the idle timeout; once a request has begun, the read
// timeout holds for the rest of it even when the idle timeout is far longer.
TEST(LimitsReadAfterIdle, SlowBodyIsCutOffByTheReadTimeout) {
  TempDir dir;
  const std::string config = write_config(dir, R"({"limits":{"read_timeout_ms":300,"idle_timeout_ms":30000}})");
  ServerProcess server(dir.path() + "/data", {"--config", config});
  Client c(server.port());
  const auto start = std::chrono::steady_clock::now();
  auto responses = c.raw(
      "POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n"
      "Content-Length: 100\r\n\r\n{\"resourceType\"",
      1);
  EXPECT_TRUE(responses.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));  // not the 30 s idle timeout
}

TEST_F(Limits, IdleKeepAliveConnectionIsClosed) {
  Client c(server_->port());
  EXPECT_EQ(c.request("GET", "/healthz").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(c.request("GET", "/healthz").status, 0);
}

TEST_F(Limits, ConnectionCapAnswers503) {
  Client a(server_->port());
  Client b(server_->port());
  ASSERT_EQ(a.request("GET", "/healthz").status, 200);
  ASSERT_EQ(b.request("GET", "/healthz").status, 200);
  Client third(server_->port());
  auto r = third.request("GET", "/healthz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("OperationOutcome"), std::string::npos);
  EXPECT_EQ(r.header("retry-after"), "1");
}

TEST_F(Limits, OversizedHeaderIs413) {
  Client c(server_->port());
  auto r = c.request("GET", "/healthz", {}, {{"X-Big", std::string(4000, 'a')}});
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("OperationOutcome"), std::string::npos);
}

}  // namespace
}  // namespace fhirgw::testing
