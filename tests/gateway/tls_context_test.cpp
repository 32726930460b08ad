// TLS contexts from files (errors name the file, never its content), certificate names and thumbprints,
// and the certificate-to-client mapping. No sockets here; tls_handshake_test.cpp does real handshakes.
#include "tls/tls_context.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "../support/pki/test_pki.h"

namespace fhirgw::tls {
namespace {

using namespace testpki;

ServerTlsConfig server_config(std::string cert, std::string key, std::string ca) {
  ServerTlsConfig c;
  c.certificate_chain_file = std::move(cert);
  c.private_key_file = std::move(key);
  c.client_ca_file = std::move(ca);
  return c;
}

class TlsContextTest : public ::testing::Test {
 protected:
  TempDir dir_;
  Hospital a_ = make_hospital(dir_, "hospital-a");
};

TEST_F(TlsContextTest, BuildsServerAndClientContexts) {
  auto s = make_server_context(server_config(a_.server_files.cert, a_.server_files.key, a_.ca_file));
  ASSERT_TRUE(s) << s.error().reason;
  EXPECT_EQ(SSL_CTX_get_min_proto_version(s->get()), TLS1_2_VERSION);
  EXPECT_NE(SSL_CTX_get_verify_mode(s->get()) & SSL_VERIFY_FAIL_IF_NO_PEER_CERT, 0);
  EXPECT_EQ(SSL_CTX_get_verify_depth(s->get()), 3);
  // Every TLS 1.2 cipher offered is ECDHE with an AEAD.
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(s->get());
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
    EXPECT_TRUE(SSL_CIPHER_is_aead(c)) << SSL_CIPHER_get_name(c);
  }
  auto one_way = make_server_context(server_config(a_.server_files.cert, a_.server_files.key, ""));
  ASSERT_TRUE(one_way);
  EXPECT_EQ(SSL_CTX_get_verify_mode(one_way->get()), SSL_VERIFY_NONE);

  auto c = make_client_context({a_.ca_file, a_.client_files.cert, a_.client_files.key});
  ASSERT_TRUE(c) << c.error().reason;
  EXPECT_NE(SSL_CTX_get_verify_mode(c->get()) & SSL_VERIFY_PEER, 0);
  EXPECT_TRUE(make_client_context({a_.ca_file, "", ""}));
}

TEST_F(TlsContextTest, ErrorsNameTheFileNotItsContent) {
  auto missing = make_server_context(server_config(dir_.path("nope.pem"), a_.server_files.key, ""));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().reason.find("nope.pem"), std::string::npos);

  // Key of another certificate.
  auto mismatch = make_server_context(server_config(a_.server_files.cert, a_.client_files.key, ""));
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().reason.find("does not match"), std::string::npos) << mismatch.error().reason;

  // A file that is not a key: the message must not echo what is inside.
  const auto junk = dir_.write("junk.key", "SECRET-MATERIAL-DO-NOT-LOG\n");
  auto bad_key = make_server_context(server_config(a_.server_files.cert, junk, ""));
  ASSERT_FALSE(bad_key);
  EXPECT_EQ(bad_key.error().reason.find("SECRET"), std::string::npos);
  EXPECT_NE(bad_key.error().reason.find("junk.key"), std::string::npos);

  auto bad_ca = make_server_context(server_config(a_.server_files.cert, a_.server_files.key, junk));
  ASSERT_FALSE(bad_ca);
  EXPECT_EQ(bad_ca.error().reason.find("SECRET"), std::string::npos);
  EXPECT_FALSE(make_client_context({dir_.path("no-ca.pem"), "", ""}));
}

TEST_F(TlsContextTest, CertificateNamesAndThumbprint) {
  const auto names = certificate_names(a_.client.cert.get());
  EXPECT_EQ(names.subject_cn, "hospital-a-client");
  ASSERT_EQ(names.uris.size(), 1u);
  EXPECT_EQ(names.uris[0], "urn:fhirgw:client:hospital-a");
  EXPECT_EQ(names.thumbprint.size(), 43u);  // 32 bytes, base64url
  EXPECT_EQ(names.thumbprint, certificate_names(a_.client.cert.get()).thumbprint);
  EXPECT_NE(names.thumbprint, certificate_names(a_.server.cert.get()).thumbprint);
  const auto server = certificate_names(a_.server.cert.get());
  ASSERT_EQ(server.dns_names.size(), 1u);
  EXPECT_EQ(server.dns_names[0], "localhost");
}

TEST_F(TlsContextTest, IdentityMapRules) {
  IdentityMap map;
  EXPECT_FALSE(map.add("email:x@y", "c"));
  EXPECT_FALSE(map.add("cn:", "c"));
  EXPECT_FALSE(map.add("cn:x", ""));
  ASSERT_TRUE(map.add("uri:urn:fhirgw:client:hospital-a", "hospital-a"));
  ASSERT_TRUE(map.add("cn:hospital-b-client", "hospital-b"));
  ASSERT_TRUE(map.add("dns:registry.test", "registry"));
  CertificateNames n = certificate_names(a_.client.cert.get());
  EXPECT_EQ(map.client_for(n), "hospital-a");
  n = {};
  n.subject_cn = "hospital-b-client";
  EXPECT_EQ(map.client_for(n), "hospital-b");
  n = {};
  n.dns_names = {"other.test", "registry.test"};
  EXPECT_EQ(map.client_for(n), "registry");
  n = {};
  n.subject_cn = "hospital-b-client.evil";
  EXPECT_FALSE(map.client_for(n));
}

TEST_F(TlsContextTest, ClientConnectionChecksNameOrIp) {
  auto c = make_client_context({a_.ca_file, "", ""});
  ASSERT_TRUE(c);
  SSL* ssl = SSL_new(c->get());
  EXPECT_TRUE(prepare_client_connection(ssl, "127.0.0.1"));
  EXPECT_EQ(SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name), nullptr);  // no SNI for IP literals
  SSL_free(ssl);
  ssl = SSL_new(c->get());
  EXPECT_TRUE(prepare_client_connection(ssl, "localhost"));
  EXPECT_STREQ(SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name), "localhost");
  SSL_free(ssl);
}

}  // namespace
}  // namespace fhirgw::tls
