// HTTPS: the real binary with a throw-away self-signed certificate (openssl CLI), driven by curl.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "server_harness.h"

namespace fhirgw::testing {
namespace {

std::string run(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

TEST(Tls, ServesHttpsOnlyWithTls12OrNewer) {
  if (std::system("command -v openssl >/dev/null && command -v curl >/dev/null") != 0) {
    GTEST_SKIP() << "openssl and curl are needed";
  }
  TempDir dir;
  const std::string cert = dir.path() + "/cert.pem";
  const std::string key = dir.path() + "/key.pem";
  ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 -keyout " + key +
                         " -out " + cert + " 2>/dev/null")
                            .c_str()),
            0);
  const std::string config = write_config(
      dir, R"({"auth":{"enabled":false},"tls":{"cert_file":")" + cert + R"(","key_file":")" + key + R"("}})");
  ServerProcess server(dir.path() + "/data", {"--config", config});
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port());

  EXPECT_NE(run("curl -sk --max-time 10 " + url + "/healthz").find("alive"), std::string::npos);
  EXPECT_NE(run("curl -sk --max-time 10 --tlsv1.2 --tls-max 1.2 " + url + "/fhir/metadata").find("CapabilityStatement"),
            std::string::npos);
  // The server picks AES-128-GCM even for a client that lists AES-256-GCM first (OpenSSL's default order).
  const std::string s_client = "openssl s_client -connect 127.0.0.1:" + std::to_string(server.port()) +
                               " -servername localhost </dev/null 2>/dev/null";
  EXPECT_NE(run(s_client + " -ciphersuites TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256")
                .find("Cipher is TLS_AES_128_GCM_SHA256"),
            std::string::npos);
  EXPECT_NE(run(s_client + " -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256")
                .find("Cipher is ECDHE-RSA-AES128-GCM-SHA256"),
            std::string::npos);
  // TLS 1.1 and plain HTTP are refused.
  EXPECT_EQ(run("curl -sk --max-time 10 --tlsv1.1 --tls-max 1.1 " + url + "/healthz"), "");
  Client plain(server.port());
  EXPECT_EQ(plain.request("GET", "/healthz").status, 0);
}

}  // namespace
}  // namespace fhirgw::testing
