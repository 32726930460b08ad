// `fhirgw serve` configuration: defaults, overrides, unknown keys and bad values are errors.
#include <gtest/gtest.h>

#include "server/config.h"

namespace fhirgw::server {
namespace {

TEST(ServerConfig, DefaultsAreLoopbackAndDurable) {
  ServerConfig c;
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_EQ(c.data_dir, "./data");
  EXPECT_EQ(c.synchronous, "full");
  EXPECT_FALSE(check_config(c));
}

TEST(ServerConfig, AppliesNestedKeys) {
  ServerConfig c;
  EXPECT_FALSE(apply_config_json(
      R"({"listen":"127.0.0.1:0","limits":{"max_body_bytes":4096},"fhir":{"validation":"strict"}})", c));
  EXPECT_EQ(c.listen_port, 0);
  EXPECT_EQ(c.max_body_bytes, 4096u);
  EXPECT_EQ(c.validation, "strict");
}

TEST(ServerConfig, UnknownKeysAndBadValuesAreErrors) {
  ServerConfig c;
  auto err = apply_config_json(R"({"limits":{"max_body_bites":1}})", c);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("limits.max_body_bites"), std::string::npos);
  EXPECT_TRUE(apply_config_json(R"({"threads":"four"})", c));
  EXPECT_TRUE(apply_config_json(R"({"threads":0})", c));
  EXPECT_TRUE(apply_config_json(R"({"fhir":{"validation":"maybe"}})", c));
  EXPECT_TRUE(apply_config_json(R"({"storage":{"synchronous":"off"}})", c));
  auto syntax = apply_config_json("{\n  \"threads\": 2,\n}", c);
  ASSERT_TRUE(syntax);
  EXPECT_NE(syntax->find("line"), std::string::npos);
}

TEST(ServerConfig, WriteThreadsRunWritesBesideTheIoThreadsOrNot) {
  ServerConfig c;
  EXPECT_EQ(c.write_threads, 16);
  EXPECT_FALSE(apply_config_json(R"({"write_threads":0})", c));
  EXPECT_EQ(c.write_threads, 0);  // the I/O threads run writes
  EXPECT_FALSE(apply_config_json(R"({"write_threads":4})", c));
  EXPECT_EQ(c.write_threads, 4);
  EXPECT_TRUE(apply_config_json(R"({"write_threads":-1})", c));
  EXPECT_TRUE(apply_config_json(R"({"write_threads":257})", c));
  EXPECT_NE(config_reference().find("write_threads"), std::string::npos);
}

TEST(ServerConfig, ReaderCacheIsSmallUnlessConfigured) {
  ServerConfig c;
  EXPECT_EQ(c.reader_cache_mib, 8);
  EXPECT_FALSE(apply_config_json(R"({"storage":{"reader_cache_mib":64}})", c));
  EXPECT_EQ(c.reader_cache_mib, 64);
  EXPECT_TRUE(apply_config_json(R"({"storage":{"reader_cache_mib":0}})", c));
  EXPECT_TRUE(apply_config_json(R"({"storage":{"reader_cache_mib":4097}})", c));
  EXPECT_NE(config_reference().find("storage.reader_cache_mib"), std::string::npos);
}

TEST(ServerConfig, ListenParsing) {
  ServerConfig c;
  EXPECT_FALSE(apply_listen("[::1]:9000", c));
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_EQ(c.listen_port, 9000);
  EXPECT_TRUE(apply_listen("localhost", c));
  EXPECT_TRUE(apply_listen("127.0.0.1:70000", c));
}

TEST(ServerConfig, PlainHttpOffLoopbackNeedsTheFlagOrTls) {
  ServerConfig c;
  c.listen_host = "0.0.0.0";
  c.security.token_signing_key_file = "token.key";  // auth is on off loopback
  EXPECT_TRUE(check_config(c));
  c.allow_plain_http_non_loopback = true;
  EXPECT_FALSE(check_config(c));
  c.allow_plain_http_non_loopback = false;
  c.tls_cert_file = "cert.pem";
  EXPECT_TRUE(check_config(c));  // key missing
  c.tls_key_file = "key.pem";
  EXPECT_FALSE(check_config(c));
}

TEST(ServerConfig, AuthIsOnWithTlsOrOffLoopbackAndOffOnlyOnLoopback) {
  ServerConfig c;
  EXPECT_FALSE(auth_on(c));  // plain HTTP on loopback: development
  c.tls_cert_file = "cert.pem";
  c.tls_key_file = "key.pem";
  EXPECT_TRUE(auth_on(c));
  auto err = check_config(c);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("auth.token_signing_key_file"), std::string::npos);
  c.auth_enabled = false;
  EXPECT_FALSE(check_config(c));  // TLS without auth on loopback is allowed (development)
  c.listen_host = "10.0.0.1";
  err = check_config(c);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("loopback"), std::string::npos);
}

TEST(ServerConfig, AuthAndTlsKeys) {
  ServerConfig c;
  EXPECT_FALSE(apply_config_json(R"({"tls":{"client_ca_file":"ca.pem","require_client_cert":false,"verify_depth":2},
    "auth":{"enabled":true,"public_base_url":"https://gw.example","token_signing_key_file":"t.key",
            "token_lifetime_s":120,"clients":[{"id":"a","jwks_file":"a.jwks","scopes":"system/*.rs",
            "certificate":["uri:urn:a"],"admin":true}]},
    "audit":{"flush_ms":20,"batch":100}})",
                                 c));
  EXPECT_EQ(c.tls_client_ca_file, "ca.pem");
  EXPECT_FALSE(c.tls_require_client_cert);
  EXPECT_EQ(c.tls_verify_depth, 2);
  EXPECT_EQ(c.security.token_lifetime, 120);
  ASSERT_EQ(c.security.clients.size(), 1u);
  EXPECT_EQ(c.security.clients[0].certificate_names, std::vector<std::string>{"uri:urn:a"});
  EXPECT_TRUE(c.security.clients[0].admin);
  EXPECT_EQ(c.audit_flush_ms, 20);
  auto err =
      apply_config_json(R"({"auth":{"clients":[{"id":"a","jwks_file":"a.jwks","scopes":"s","secret":"x"}]}})", c);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("[0].secret"), std::string::npos) << *err;
  err = apply_config_json(R"({"auth":{"clients":[{"id":"a"}]}})", c);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("needs id, jwks_file and scopes"), std::string::npos);
  EXPECT_TRUE(apply_config_json(R"({"auth":{"token_lifetime_s":5}})", c));
  EXPECT_TRUE(apply_config_json(R"({"auth":{"signing_key":"x"}})", c));
  EXPECT_TRUE(apply_config_json(R"({"tls":{"client_ca":"x"}})", c));
}

TEST(ServerConfig, ReferenceListsEveryKey) {
  const std::string ref = config_reference();
  for (const char* key :
       {"listen", "data_dir", "tls.cert_file", "limits.max_body_bytes", "storage.synchronous", "fhir.validation",
        "log.level", "tls.client_ca_file", "auth.clients", "auth.token_signing_key_file", "audit.flush_ms"}) {
    EXPECT_NE(ref.find(key), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace fhirgw::server
