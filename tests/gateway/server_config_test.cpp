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
  EXPECT_FALSE(apply_config_json(R"({"listen":"127.0.0.1:0","limits":{"max_body_bytes":4096},"fhir":{"validation":"strict"}})", c));
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
  EXPECT_TRUE(check_config(c));
  c.allow_plain_http_non_loopback = true;
  EXPECT_FALSE(check_config(c));
  c.allow_plain_http_non_loopback = false;
  c.tls_cert_file = "cert.pem";
  EXPECT_TRUE(check_config(c));  // key missing
  c.tls_key_file = "key.pem";
  EXPECT_FALSE(check_config(c));
}

TEST(ServerConfig, ReferenceListsEveryKey) {
  const std::string ref = config_reference();
  for (const char* key : {"listen", "data_dir", "tls.cert_file", "limits.max_body_bytes", "storage.synchronous",
                          "fhir.validation", "log.level"}) {
    EXPECT_NE(ref.find(key), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace fhirgw::server
