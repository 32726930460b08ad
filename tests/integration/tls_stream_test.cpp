// The server's TLS stream (tls/socket_stream.h: OpenSSL on the socket, Asio readiness waits) against the
// real binary over mutual TLS: timeouts during the handshake, inside a request and between keep-alive
// requests; pipelined requests; a response far bigger than one TLS record and the socket buffers;
// session resumption after the server's close_notify.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "../support/pki/test_pki.h"
#include "server_harness.h"

namespace fhirgw::testing {
namespace {

namespace pki = fhirgw::testpki;

class TlsStream : public ::testing::Test {
 protected:
  TlsStream() {
    server_ = std::make_unique<ServerProcess>(data_.path() + "/data",
                                              std::vector<std::string>{"--config", write_config("config.json", 300)});
  }
  // An mTLS server config (auth off) whose read and idle timeouts are `timeout_ms`; returns its path.
  std::string write_config(const std::string& name, int timeout_ms) {
    const std::string ms = std::to_string(timeout_ms);
    return pki_dir_.write(name, R"({"auth": {"enabled": false},
      "limits": {"read_timeout_ms": )" +
                                    ms + R"(, "idle_timeout_ms": )" + ms + R"(},
      "tls": {"cert_file": ")" + a_.server_files.cert +
                                    R"(", "key_file": ")" + a_.server_files.key + R"(",
              "client_ca_file": ")" +
                                    a_.ca_file + R"(", "known_clients_only": false}})");
  }
  TlsOptions mtls() const { return {a_.ca_file, a_.client_files.cert, a_.client_files.key, {}, false}; }

  pki::TempDir pki_dir_;
  pki::Hospital a_ = pki::make_hospital(pki_dir_, "a");
  TempDir data_;
  std::unique_ptr<ServerProcess> server_;
};

using Clock = std::chrono::steady_clock;

TEST_F(TlsStream, SilentConnectionIsClosedDuringTheHandshake) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server_->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const auto start = Clock::now();
  char byte;
  EXPECT_EQ(recv(fd, &byte, 1, 0), 0);  // closed by the server, not by our 10 s timeout
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  close(fd);
}

TEST_F(TlsStream, SlowClientIsCutOffInsideARequest) {
  Client c(server_->port(), mtls());
  ASSERT_TRUE(c.connected()) << c.tls_error();
  const auto start = Clock::now();
  EXPECT_TRUE(c.raw("GET /healthz HTTP/1.1\r\nHost: x\r\n", 1).empty());
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST_F(TlsStream, IdleKeepAliveConnectionIsClosed) {
  Client c(server_->port(), mtls());
  ASSERT_EQ(c.request("GET", "/healthz").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(c.request("GET", "/healthz").status, 0);
}

TEST_F(TlsStream, KeepAliveRequestsMoveTheIdleDeadline) {
  Client c(server_->port(), mtls());
  // Ten requests 100 ms apart: 1 s in all, more than the 300 ms idle timeout, but never idle that long.
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(c.request("GET", "/healthz").status, 200) << "request " << i;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

TEST_F(TlsStream, PipelinedRequestsAreAnsweredInOrder) {
  Client c(server_->port(), mtls());
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto responses = c.raw(get + "GET /fhir/metadata HTTP/1.1\r\nHost: x\r\n\r\n" + get, 3);
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_NE(responses[0].body.find("alive"), std::string::npos);
  EXPECT_NE(responses[1].body.find("CapabilityStatement"), std::string::npos);
  EXPECT_NE(responses[2].body.find("alive"), std::string::npos);
}

TEST_F(TlsStream, ResponseOfManyRecordsArrivesWhole) {
  // ~400 KB: many 16 KB TLS records, more than the socket buffers take at once.
  std::string identifiers;
  for (int i = 0; i < 8000; ++i) {
    identifiers += std::string(i ? "," : "") + R"({"system":"urn:test:big","value":"v)" + std::to_string(i) + "\"}";
  }
  const std::string patient = R"({"resourceType":"Patient","id":"big","identifier":[)" + identifiers + "]}";
  Client c(server_->port(), mtls());
  ASSERT_EQ(c.request("PUT", "/fhir/Patient/big", patient).status / 100, 2);
  const auto r = c.request("GET", "/fhir/Patient/big");
  ASSERT_EQ(r.status, 200);
  EXPECT_GT(r.body.size(), 300'000u);
  EXPECT_NE(r.body.find(R"({"system":"urn:test:big","value":"v7999"})"), std::string::npos);
  EXPECT_EQ(c.request("GET", "/healthz").status, 200);  // the connection is still in step
}

TEST_F(TlsStream, ConnectionCutWithoutCloseNotifyIsClosedByTheServer) {
  // Timeouts far longer than the test: the server must close because its input ended, not because it waited.
  const std::string config = write_config("patient.json", 60000);
  ServerProcess patient(data_.path() + "/patient", {"--config", config});
  auto open_connections = [&] {
    const std::string m = Client(patient.port(), mtls()).request("GET", "/metrics").body;
    const std::string key = "\nfhirgw_connections_open ";
    const auto at = m.find(key);
    return at == std::string::npos ? -1 : std::stoi(m.substr(at + key.size()));
  };
  Client cut(patient.port(), mtls());
  ASSERT_TRUE(cut.connected()) << cut.tls_error();
  ASSERT_EQ(cut.request("GET", "/healthz").status, 200);
  EXPECT_EQ(open_connections(), 2);
  EXPECT_TRUE(cut.raw("GET /healthz HTTP/1.1\r\nHost: x\r\n", 0).empty());  // half a request, then gone
  cut.drop();
  int open = -1;
  const auto start = Clock::now();
  while (open != 1 && Clock::now() - start < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    open = open_connections();  // the probe's own connection is the 1
  }
  EXPECT_EQ(open, 1);
  EXPECT_EQ(Client(patient.port(), mtls()).request("GET", "/healthz").status, 200);
}

TEST_F(TlsStream, SigtermClosesIdleKeepAliveConnectionsAndExits) {
  // Long timeouts: the server closes these connections because it stops, while each waits for a request.
  const std::string config = write_config("stopping.json", 60000);
  ServerProcess stopping(data_.path() + "/stopping", {"--config", config});
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<Client>(stopping.port(), mtls()));
    ASSERT_EQ(idle.back()->request("GET", "/healthz").status, 200);
  }
  const auto start = Clock::now();
  EXPECT_EQ(stopping.terminate_and_wait(), 0);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  for (auto& c : idle) EXPECT_EQ(c->request("GET", "/healthz").status, 0);  // closed, not answered
}

TEST_F(TlsStream, SessionsResumeAfterTheServerClosesCleanly) {
  TlsOptions opts = mtls();
  {
    Client first(server_->port(), opts);
    ASSERT_EQ(first.request("GET", "/healthz").status, 200);  // the session ticket arrives with this read
    EXPECT_FALSE(first.resumed());
    opts.session = first.session();
  }
  ASSERT_TRUE(opts.session);
  Client second(server_->port(), opts);
  ASSERT_EQ(second.request("GET", "/healthz").status, 200);
  EXPECT_TRUE(second.resumed());
}

}  // namespace
}  // namespace fhirgw::testing
