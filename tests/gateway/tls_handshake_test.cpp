// Real TLS handshakes on loopback (port 0) between an Asio SSL echo server built from make_server_context
// and clients built from make_client_context, with the test PKI generated here. Proves that a missing,
// wrong-CA, expired, self-signed or unmapped client certificate is refused by the server's handshake
// (nothing is echoed), that the good client passes with its identity extracted, and that the client side
// checks the server's name and CA.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <chrono>

#include "../support/pki/test_pki.h"
#include "tls/asio_context.h"

namespace fhirgw::tls {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using namespace testpki;

struct Outcome {
  bool server_handshake_ok = false;
  std::string server_error;
  std::string verify_text;  // the server's view of the client certificate
  auth::PeerCertificate peer;
  std::string protocol;
  std::string cipher;
  bool client_handshake_ok = false;
  std::string client_error;
  std::string echoed;
};

// One connection: the server accepts, handshakes, echoes 4 bytes; the client connects to `host`,
// handshakes, sends "ping" and reads the echo. Everything runs on one io_context with a deadline.
Outcome exchange(ssl::context& server_ctx, SSL_CTX* client_ctx_raw, const IdentityMap& identities,
                 const std::string& host = "127.0.0.1") {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  ssl::context client_ctx(client_ctx_raw);  // takes ownership
  ssl::stream<tcp::socket> server(ioc, server_ctx);
  ssl::stream<tcp::socket> client(ioc, client_ctx);
  Outcome out;
  std::array<char, 4> server_buf{};
  std::array<char, 4> client_buf{};

  acceptor.async_accept(server.next_layer(), [&](boost::system::error_code ec) {
    if (ec) {
      out.server_error = "accept: " + ec.message();
      return;
    }
    server.async_handshake(ssl::stream_base::server, [&](boost::system::error_code hec) {
      out.verify_text = verify_result_text(server.native_handle());
      if (hec) {
        out.server_error = hec.message();
        server.next_layer().close();
        return;
      }
      out.server_handshake_ok = true;
      out.peer = peer_certificate(server.native_handle(), identities);
      out.protocol = SSL_get_version(server.native_handle());
      out.cipher = SSL_get_cipher_name(server.native_handle());
      asio::async_read(server, asio::buffer(server_buf), [&](boost::system::error_code rec, std::size_t) {
        if (rec) return;
        asio::async_write(server, asio::buffer(server_buf), [&](boost::system::error_code, std::size_t) {});
      });
    });
  });

  client.next_layer().async_connect(acceptor.local_endpoint(), [&](boost::system::error_code ec) {
    if (ec) {
      out.client_error = "connect: " + ec.message();
      return;
    }
    prepare_client_connection(client.native_handle(), host);
    client.async_handshake(ssl::stream_base::client, [&](boost::system::error_code hec) {
      if (hec) {
        out.client_error = hec.message();
        client.next_layer().close();
        return;
      }
      out.client_handshake_ok = true;  // TLS 1.3: the server may still refuse after this point
      asio::async_write(client, asio::buffer("ping", 4), [&](boost::system::error_code wec, std::size_t) {
        if (wec) {
          out.client_error = wec.message();
          return;
        }
        asio::async_read(client, asio::buffer(client_buf), [&](boost::system::error_code rec, std::size_t n) {
          if (rec) {
            out.client_error = rec.message();
            client.next_layer().close();
            return;
          }
          out.echoed.assign(client_buf.data(), n);
        });
      });
    });
  });

  ioc.run_for(std::chrono::seconds(20));
  return out;
}

class TlsHandshakeTest : public ::testing::Test {
 protected:
  TlsHandshakeTest() {
    EXPECT_TRUE(identities_->add("uri:urn:fhirgw:client:hospital-a", "hospital-a"));
    EXPECT_TRUE(identities_->add("cn:expired-client", "hospital-a"));
    EXPECT_TRUE(identities_->add("cn:self-signed-client", "hospital-a"));
    expired_ = write_cert(dir_, "expired",
                          make_cert({"expired-client", Usage::client, {}, -10 * 86400, -86400}, generate_ec(), &a_.ca));
    self_signed_ =
        write_cert(dir_, "self-signed", make_cert({"self-signed-client", Usage::client, {}}, generate_ec(), nullptr));
    unmapped_ = write_cert(dir_, "unmapped", make_cert({"stranger", Usage::client, {}}, generate_ec(), &a_.ca));
  }

  ssl::context server_context(bool known_clients_only = false) {
    ServerTlsConfig config;
    config.certificate_chain_file = a_.server_files.cert;
    config.private_key_file = a_.server_files.key;
    config.client_ca_file = a_.ca_file;
    if (known_clients_only) config.known_clients = identities_;
    auto ctx = make_server_context(config);
    EXPECT_TRUE(ctx) << ctx.error().reason;
    return to_asio(std::move(ctx).value());
  }

  SSL_CTX* client_context(const CertFiles* cert, const std::string& ca = {}) {
    ClientTlsConfig config;
    config.ca_file = ca.empty() ? a_.ca_file : ca;
    if (cert) {
      config.certificate_chain_file = cert->cert;
      config.private_key_file = cert->key;
    }
    auto ctx = make_client_context(config);
    EXPECT_TRUE(ctx) << ctx.error().reason;
    return ctx->release();
  }

  void expect_refused(const Outcome& o, std::string_view verify_text_part) {
    EXPECT_FALSE(o.server_handshake_ok) << o.verify_text;
    EXPECT_FALSE(o.server_error.empty());
    EXPECT_TRUE(o.echoed.empty());
    EXPECT_FALSE(o.client_error.empty());
    EXPECT_NE(o.verify_text.find(verify_text_part), std::string::npos)
        << "verify: " << o.verify_text << " / server: " << o.server_error;
  }

  TempDir dir_;
  Hospital a_ = make_hospital(dir_, "hospital-a");
  Hospital b_ = make_hospital(dir_, "hospital-b");
  std::shared_ptr<IdentityMap> identities_ = std::make_shared<IdentityMap>();
  CertFiles expired_, self_signed_, unmapped_;
};

TEST_F(TlsHandshakeTest, GoodClientPassesWithItsIdentity) {
  auto server = server_context(true);
  const auto o = exchange(server, client_context(&a_.client_files), *identities_);
  ASSERT_TRUE(o.server_handshake_ok) << o.server_error << " / " << o.verify_text;
  EXPECT_TRUE(o.client_handshake_ok) << o.client_error;
  EXPECT_EQ(o.echoed, "ping");
  EXPECT_EQ(o.peer.client_id, "hospital-a");
  EXPECT_EQ(o.peer.thumbprint, certificate_names(a_.client.cert.get()).thumbprint);
  EXPECT_EQ(o.protocol, "TLSv1.3");
}

TEST_F(TlsHandshakeTest, Tls12UsesAnAeadCipher) {
  auto server = server_context();
  SSL_CTX* client = client_context(&a_.client_files);
  SSL_CTX_set_max_proto_version(client, TLS1_2_VERSION);
  const auto o = exchange(server, client, *identities_);
  ASSERT_TRUE(o.server_handshake_ok) << o.server_error;
  EXPECT_EQ(o.echoed, "ping");
  EXPECT_EQ(o.protocol, "TLSv1.2");
  EXPECT_EQ(o.cipher.rfind("ECDHE-", 0), 0u) << o.cipher;
  EXPECT_TRUE(o.cipher.find("GCM") != std::string::npos || o.cipher.find("CHACHA20") != std::string::npos) << o.cipher;
}

// The server chooses the suite in its own order (AES-128-GCM first: the cheapest per record), whatever order
// the client offers: here a client that prefers AES-256-GCM and ChaCha20.
TEST_F(TlsHandshakeTest, ServerPrefersAes128Gcm) {
  struct Case {
    int max_version;
    const char* client_order;  // TLS 1.3 suites or TLS 1.2 cipher list, AES-256 first
    const char* protocol;
    const char* expected;
  };
  const Case cases[] = {
      {TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256", "TLSv1.3",
       "TLS_AES_128_GCM_SHA256"},
      {TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256",
       "TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256"}};
  auto server = server_context();
  for (const Case& c : cases) {
    SSL_CTX* client = client_context(&a_.client_files);
    SSL_CTX_set_max_proto_version(client, c.max_version);
    const int set = c.max_version == TLS1_3_VERSION ? SSL_CTX_set_ciphersuites(client, c.client_order)
                                                    : SSL_CTX_set_cipher_list(client, c.client_order);
    ASSERT_EQ(set, 1) << c.client_order;
    const auto o = exchange(server, client, *identities_);
    ASSERT_TRUE(o.server_handshake_ok) << o.server_error;
    EXPECT_EQ(o.protocol, c.protocol);
    EXPECT_EQ(o.cipher, c.expected);
  }
}

// Our own client (the outbox's connections to peers) offers AES-128-GCM first too: against a server that
// follows the client's order, it is what gets negotiated.
TEST_F(TlsHandshakeTest, OurClientOffersAes128GcmFirst) {
  auto server = server_context();
  SSL_CTX_clear_options(server.native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  ASSERT_EQ(SSL_CTX_set_ciphersuites(server.native_handle(), "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256"), 1);
  const auto o = exchange(server, client_context(&a_.client_files), *identities_);
  ASSERT_TRUE(o.server_handshake_ok) << o.server_error;
  EXPECT_EQ(o.cipher, "TLS_AES_128_GCM_SHA256");
}

TEST_F(TlsHandshakeTest, OldProtocolsAreRefused) {
  auto server = server_context();
  SSL_CTX* client = client_context(&a_.client_files);
  SSL_CTX_set_security_level(client, 0);  // let the client offer TLS 1.1 at all
  SSL_CTX_set_min_proto_version(client, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(client, TLS1_1_VERSION);
  SSL_CTX_set_cipher_list(client, "ALL:@SECLEVEL=0");
  const auto o = exchange(server, client, *identities_);
  EXPECT_FALSE(o.server_handshake_ok);
  EXPECT_FALSE(o.client_handshake_ok);
  EXPECT_TRUE(o.echoed.empty());
}

TEST_F(TlsHandshakeTest, MissingClientCertificateIsRefused) {
  auto server = server_context();
  const auto o = exchange(server, client_context(nullptr), *identities_);
  EXPECT_FALSE(o.server_handshake_ok);
  EXPECT_NE(o.server_error.find("certificate"), std::string::npos) << o.server_error;
  EXPECT_TRUE(o.echoed.empty());
  EXPECT_FALSE(o.client_error.empty());
}

TEST_F(TlsHandshakeTest, WrongCaCertificateIsRefused) {
  auto server = server_context();
  expect_refused(exchange(server, client_context(&b_.client_files), *identities_), "unable to get local issuer");
}

TEST_F(TlsHandshakeTest, ExpiredCertificateIsRefused) {
  auto server = server_context();
  expect_refused(exchange(server, client_context(&expired_), *identities_), "expired");
}

TEST_F(TlsHandshakeTest, SelfSignedCertificateIsRefused) {
  auto server = server_context();
  expect_refused(exchange(server, client_context(&self_signed_), *identities_), "self-signed");
}

TEST_F(TlsHandshakeTest, UnmappedCertificateIsRefusedWhenOnlyKnownClientsMayConnect) {
  auto lenient = server_context(false);
  const auto ok = exchange(lenient, client_context(&unmapped_), *identities_);
  ASSERT_TRUE(ok.server_handshake_ok) << ok.server_error;
  EXPECT_EQ(ok.echoed, "ping");
  EXPECT_TRUE(ok.peer.client_id.empty());  // verified, but no client id: the auth layer refuses it
  EXPECT_FALSE(ok.peer.thumbprint.empty());

  auto strict = server_context(true);
  expect_refused(exchange(strict, client_context(&unmapped_), *identities_), "application verification");
}

TEST_F(TlsHandshakeTest, ClientChecksTheServerNameAndCa) {
  auto server = server_context();
  const auto by_name = exchange(server, client_context(&a_.client_files), *identities_, "localhost");
  EXPECT_EQ(by_name.echoed, "ping") << by_name.client_error;

  const auto wrong_name = exchange(server, client_context(&a_.client_files), *identities_, "gw.elsewhere.test");
  EXPECT_FALSE(wrong_name.client_handshake_ok);
  EXPECT_TRUE(wrong_name.echoed.empty());

  const auto wrong_ip = exchange(server, client_context(&a_.client_files), *identities_, "127.0.0.2");
  EXPECT_FALSE(wrong_ip.client_handshake_ok);

  // A client that trusts only hospital B's CA does not accept hospital A's server.
  const auto wrong_ca = exchange(server, client_context(&a_.client_files, b_.ca_file), *identities_);
  EXPECT_FALSE(wrong_ca.client_handshake_ok);
  EXPECT_FALSE(wrong_ca.server_handshake_ok);
}

}  // namespace
}  // namespace fhirgw::tls
