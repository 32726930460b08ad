// The outbox's client side of SMART backend services against the auth module's real token endpoint,
// served over HTTP on loopback: PeerToken signs an assertion, posts it, caches the token until shortly
// before it expires, and fetches a new one after invalidate() (a 401 from the peer).
#include <gtest/gtest.h>

#include <optional>

#include "../support/http/test_http_server.h"
#include "../support/pki/test_jose.h"
#include "auth/token_endpoint.h"
#include "fhir/json/parser.h"
#include "outbox/peer_token.h"

namespace fhirgw::outbox {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

class PeerTokenTest : public ::testing::Test {
 protected:
  PeerTokenTest() : server_([this](const testhttp::Request& r) { return token(r); }) {
    token_url_ = "http://127.0.0.1:" + std::to_string(server_.port()) + "/auth/token";
    auto keys = auth::parse_jwks(testpki::jwks_of({&client_key_}));
    EXPECT_TRUE(keys);
    EXPECT_TRUE(clients_.add({"hospital-a", std::move(keys).value(), *auth::parse_scopes("system/*.write")}));
    auto tokens = auth::AccessTokens::create({auth::JwsAlg::ES384, gateway_key_.key, "gw-1"},
                                             {"http://127.0.0.1/auth", "http://127.0.0.1/fhir"});
    EXPECT_TRUE(tokens);
    tokens_.emplace(std::move(tokens).value());
    auth::AssertionPolicy policy;
    policy.token_endpoint = token_url_;
    endpoint_.emplace(clients_, replay_, *tokens_, policy, clock_);

    peer_.name = "hospital-b";
    peer_.token_url = token_url_;
    peer_.client_id = "hospital-a";
    peer_.client_key_file = pki_.write("a-jwt.key", testpki::key_pem(client_key_.key.get()));
    peer_.client_key_id = "a-1";
    peer_.client_alg = "RS384";
    peer_.scope = "system/*.write";
    peer_.timeout_ms = 5000;
  }

  testhttp::Response token(const testhttp::Request& r) {
    const auto ct = r.headers.find("content-type");
    const auto reply = endpoint_->handle({ct == r.headers.end() ? "" : ct->second, r.body, {}, {}});
    return {reply.status, reply.headers, reply.body};
  }

  testpki::TempDir pki_;
  testpki::SigningKeyPair client_key_ = testpki::rs384_key("a-1");
  testpki::SigningKeyPair gateway_key_ = testpki::es384_key("gw");
  auth::ManualClock clock_{kNow};
  auth::ClientRegistry clients_;
  auth::ReplayCache replay_;
  std::optional<auth::AccessTokens> tokens_;
  std::optional<auth::TokenEndpoint> endpoint_;
  std::string token_url_;
  PeerConfig peer_;
  testhttp::Server server_;  // last: stopped before what its handler uses
};

TEST_F(PeerTokenTest, FetchesCachesAndRefreshes) {
  PeerToken t(peer_);
  auto first = t.get(kNow);
  ASSERT_TRUE(first) << first.error().reason;
  auto claims = tokens_->verify(*first, kNow + 1);
  ASSERT_TRUE(claims) << claims.error().reason;
  EXPECT_EQ(claims->client_id, "hospital-a");
  EXPECT_EQ(server_.requests(), 1u);

  // Cached while it is valid for more than the margin (the endpoint issues 300 s tokens).
  EXPECT_EQ(*t.get(kNow + 200), *first);
  EXPECT_EQ(server_.requests(), 1u);

  // Shortly before expiry: a new one (a fresh assertion, so the jti replay check passes).
  clock_.set(kNow + 280);
  auto second = t.get(kNow + 280);
  ASSERT_TRUE(second) << second.error().reason;
  EXPECT_NE(*second, *first);
  EXPECT_EQ(server_.requests(), 2u);

  // After a 401 from the peer the delivery thread invalidates it.
  t.invalidate();
  ASSERT_TRUE(t.get(kNow + 281));
  EXPECT_EQ(server_.requests(), 3u);
}

TEST_F(PeerTokenTest, RefusalIsAnErrorWithTheEndpointsReason) {
  peer_.client_id = "nobody-registered";
  PeerToken t(peer_);
  const auto r = t.get(kNow);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().reason.find("invalid_client"), std::string::npos) << r.error().reason;
}

TEST_F(PeerTokenTest, KeyThatDoesNotFitTheAlgorithmIsRefusedAtStartUp) {
  peer_.client_alg = "ES384";  // the key is RSA
  EXPECT_THROW(PeerToken t(peer_), std::runtime_error);
}

}  // namespace
}  // namespace fhirgw::outbox
