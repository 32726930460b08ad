// build_security(): config files (JWKS, PEM key) in a temp dir -> the wired objects, and the whole
// backend-services flow through them: client assertion -> token endpoint -> bearer authentication ->
// scope check. Also the config refusals (auth off on a public listener, bad files).
#include <gtest/gtest.h>

#include "../support/pki/test_jose.h"
#include "auth/security.h"
#include "fhir/json/parser.h"

namespace fhirgw::auth {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

class SecurityTest : public ::testing::Test {
 protected:
  SecurityTest() {
    config_.public_base_url = "https://127.0.0.1:8443/";
    config_.token_signing_key_file = dir_.write("token.key", testpki::key_pem(gateway_key_.key.get()));
    config_.clients.push_back({"hospital-a",
                               dir_.write("a.jwks", testpki::jwks_of({&client_key_})),
                               "system/Observation.rs",
                               {"uri:urn:fhirgw:client:hospital-a"}});
  }

  testpki::TempDir dir_;
  testpki::SigningKeyPair gateway_key_ = testpki::rs384_key("unused");
  testpki::SigningKeyPair client_key_ = testpki::es384_key("a-1");
  ManualClock clock_{kNow};
  SecurityConfig config_;
};

TEST_F(SecurityTest, WholeBackendServicesFlow) {
  auto sec = build_security(config_, "0.0.0.0", clock_);
  ASSERT_TRUE(sec) << sec.error().reason;
  const Security& s = **sec;

  auto smart = fhir::json::parse(s.smart_configuration);
  ASSERT_TRUE(smart);
  const std::string token_url(smart.document->root().find("token_endpoint")->text());
  EXPECT_EQ(token_url, "https://127.0.0.1:8443/auth/token");
  EXPECT_TRUE(parse_jwks(s.token_jwks));

  auto assertion =
      make_client_assertion("hospital-a", token_url, client_key_.alg, client_key_.key.get(), "a-1", clock_.now());
  const auto reply = s.token_endpoint->handle(
      {"application/x-www-form-urlencoded", token_request_body(*assertion, "system/Observation.rs"), {}, {}});
  ASSERT_TRUE(reply.granted) << reply.body;
  auto body = fhir::json::parse(reply.body);
  const std::string token(body.document->root().find("access_token")->text());

  auto principal = s.authenticate("Bearer " + token, {});
  ASSERT_TRUE(principal) << principal.error().reason;
  EXPECT_EQ(principal->client_id, "hospital-a");
  EXPECT_FALSE(s.authorize(*principal, "Observation", Interaction::search));
  auto denied = s.authorize(*principal, "Observation", Interaction::update);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);

  clock_.advance(300 + 60);
  auto expired = s.authenticate("Bearer " + token, {});
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().status, 401);

  tls::CertificateNames names;
  names.uris = {"urn:fhirgw:client:hospital-a"};
  EXPECT_EQ(s.identities->client_for(names), "hospital-a");
}

TEST_F(SecurityTest, ConnectionMemoGivesTheSamePrincipalUntilTheTokenExpires) {
  auto sec = build_security(config_, "0.0.0.0", clock_);
  ASSERT_TRUE(sec) << sec.error().reason;
  const Security& s = **sec;
  auto assertion = make_client_assertion("hospital-a", "https://127.0.0.1:8443/auth/token", client_key_.alg,
                                         client_key_.key.get(), "a-1", clock_.now());
  const auto reply = s.token_endpoint->handle(
      {"application/x-www-form-urlencoded", token_request_body(*assertion, "system/Observation.rs"), {}, {}});
  ASSERT_TRUE(reply.granted) << reply.body;
  const std::string header =
      "Bearer " + std::string(fhir::json::parse(reply.body).document->root().find("access_token")->text());

  PrincipalMemo memo;
  auto first = s.authenticate(header, {}, memo);
  ASSERT_TRUE(first) << first.error().reason;
  EXPECT_EQ((*first)->client_id, "hospital-a");
  auto again = s.authenticate(header, {}, memo);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *first);  // the remembered principal, not a new one

  // Another header is checked on its own and does not replace what a refusal never earned.
  auto forged = s.authenticate(header + "x", {}, memo);
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().status, 401);
  EXPECT_FALSE(s.authenticate(std::nullopt, {}, memo));
  EXPECT_TRUE(s.authenticate(header, {}, memo));

  // Expiry is checked on every request, memo or not (lifetime 300 s + 60 s clock skew).
  clock_.advance(300 + 59);
  EXPECT_TRUE(s.authenticate(header, {}, memo));
  clock_.advance(1);
  auto expired = s.authenticate(header, {}, memo);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().status, 401);
}

// A P-256 signing key gives ES256 access tokens (86 signature characters instead of ES384's 128), published
// in /auth/jwks.json as a P-256 JWK; the client's assertion stays ES384.
TEST_F(SecurityTest, P256SigningKeyGivesEs256Tokens) {
  config_.token_signing_key_file = dir_.write("p256.key", testpki::key_pem(testpki::generate_ec("P-256").get()));
  auto sec = build_security(config_, "0.0.0.0", clock_);
  ASSERT_TRUE(sec) << sec.error().reason;
  const Security& s = **sec;
  auto jwks = parse_jwks(s.token_jwks);
  ASSERT_TRUE(jwks) << jwks.error().reason;
  ASSERT_EQ(jwks->keys().size(), 1u);
  EXPECT_EQ(jwks->keys()[0].alg, JwsAlg::ES256);
  EXPECT_NE(s.token_jwks.find(R"("crv":"P-256")"), std::string::npos) << s.token_jwks;

  auto assertion = make_client_assertion("hospital-a", "https://127.0.0.1:8443/auth/token", client_key_.alg,
                                         client_key_.key.get(), "a-1", clock_.now());
  const auto reply = s.token_endpoint->handle(
      {"application/x-www-form-urlencoded", token_request_body(*assertion, "system/Observation.rs"), {}, {}});
  ASSERT_TRUE(reply.granted) << reply.body;
  const std::string token(fhir::json::parse(reply.body).document->root().find("access_token")->text());
  EXPECT_EQ(token.size() - token.rfind('.') - 1, 86u);  // base64url of r||s, 2 x 32 bytes
  auto principal = s.authenticate("Bearer " + token, {});
  ASSERT_TRUE(principal) << principal.error().reason;
  EXPECT_EQ(principal->client_id, "hospital-a");
}

TEST_F(SecurityTest, AuthOffOnlyOnLoopback) {
  config_.auth_enabled = false;
  EXPECT_FALSE(build_security(config_, "0.0.0.0", clock_));
  EXPECT_FALSE(build_security(config_, "192.168.1.10", clock_));
  auto sec = build_security(config_, "127.0.0.1", clock_);
  ASSERT_TRUE(sec);
  auto p = (*sec)->authenticate(std::nullopt, {});
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->authenticated);
}

TEST_F(SecurityTest, RefusesBadConfig) {
  auto broken = config_;
  broken.token_signing_key_file = dir_.path("missing.key");
  auto r = build_security(broken, "::1", clock_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().reason.find("missing.key"), std::string::npos);

  broken = config_;
  broken.token_signing_key_file = dir_.write("p521.key", testpki::key_pem(testpki::generate_ec("P-521").get()));
  EXPECT_FALSE(build_security(broken, "::1", clock_));

  broken = config_;
  broken.clients.push_back(broken.clients[0]);
  r = build_security(broken, "::1", clock_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().reason.find("twice"), std::string::npos);

  broken = config_;
  broken.clients[0].scopes = "patient/*.read";
  EXPECT_FALSE(build_security(broken, "::1", clock_));

  broken = config_;
  broken.clients[0].certificate_names = {"serial:123"};
  EXPECT_FALSE(build_security(broken, "::1", clock_));

  broken = config_;
  broken.clients[0].jwks_file = dir_.write("private.jwks", R"({"keys":[{"kty":"EC","crv":"P-384","d":"AA"}]})");
  r = build_security(broken, "::1", clock_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().reason.find("private key material"), std::string::npos) << r.error().reason;

  broken = config_;
  broken.public_base_url.clear();
  EXPECT_FALSE(build_security(broken, "::1", clock_));
}

}  // namespace
}  // namespace fhirgw::auth
