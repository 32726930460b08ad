// Access tokens and per-request authentication: the bearer half of the auth matrix (no token, expired
// token, token signed by an unknown key, alg none, another audience, read-only scope writing, malformed
// tokens, certificate binding), key rotation, auth switched off, and the SMART configuration document.
#include <gtest/gtest.h>

#include "../support/pki/test_jose.h"
#include "auth/authenticate.h"
#include "auth/jws.h"
#include "auth/smart_configuration.h"
#include "fhir/json/parser.h"
#include "fhir/json/writer.h"

namespace fhirgw::auth {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const AccessTokenPolicy kPolicy{"https://gw.test/auth", "https://gw.test/fhir", 300, 60};

AccessTokens make_tokens(const testpki::SigningKeyPair& k, AccessTokenPolicy policy = kPolicy, KeySet older = {}) {
  auto t = AccessTokens::create({k.alg, k.key, k.kid}, std::move(policy), std::move(older));
  EXPECT_TRUE(t) << (t ? "" : t.error().reason);
  return std::move(t).value();
}

class AuthenticateTest : public ::testing::TestWithParam<JwsAlg> {
 protected:
  testpki::SigningKeyPair key_ = testpki::key_for(GetParam(), "gw-1");
  AccessTokens tokens_ = make_tokens(key_);
  AuthSettings settings_;

  std::string issue(std::string_view scopes, std::string_view thumb = {}, std::int64_t now = kNow) {
    auto t = tokens_.issue("hospital-a", *parse_scopes(scopes), thumb, now);
    EXPECT_TRUE(t);
    return t->token;
  }
  Result<Principal, AuthError> auth(std::optional<std::string> header, PeerCertificate peer = {},
                                    std::int64_t now = kNow) {
    std::optional<std::string_view> h;
    if (header) h = *header;
    return authenticate(settings_, &tokens_, h, peer, now);
  }
  void expect_401(const Result<Principal, AuthError>& r, std::string_view reason, bool invalid_token = true) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().status, 401);
    EXPECT_EQ(r.error().www_authenticate.rfind("Bearer realm=\"fhirgw\"", 0), 0u) << r.error().www_authenticate;
    EXPECT_EQ(r.error().www_authenticate.find("error=\"invalid_token\"") != std::string::npos, invalid_token)
        << r.error().www_authenticate;
    EXPECT_NE(r.error().reason.find(reason), std::string::npos) << r.error().reason;
  }
};

TEST_P(AuthenticateTest, GoodTokenGivesAPrincipal) {
  const auto token = issue("system/Observation.rs system/Patient.read");
  auto p = auth("Bearer " + token);
  ASSERT_TRUE(p) << p.error().reason;
  EXPECT_EQ(p->client_id, "hospital-a");
  EXPECT_TRUE(p->authenticated);
  EXPECT_EQ(p->expires_at, kNow + 300);
  EXPECT_FALSE(authorize(settings_, *p, "Observation", Interaction::search));
  EXPECT_FALSE(authorize(settings_, *p, "Patient", Interaction::read));
  EXPECT_TRUE(auth("bearer  " + token + " "));  // scheme is case-insensitive
}

TEST_P(AuthenticateTest, ReadOnlyScopeCannotWrite) {
  auto p = auth("Bearer " + issue("system/Observation.read"));
  ASSERT_TRUE(p);
  auto denied = authorize(settings_, *p, "Observation", Interaction::create);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_EQ(denied->www_authenticate,
            "Bearer realm=\"fhirgw\", error=\"insufficient_scope\", scope=\"system/Observation.c\"");
  EXPECT_TRUE(authorize(settings_, *p, "Observation", Interaction::delete_));
  EXPECT_TRUE(authorize(settings_, *p, "Patient", Interaction::read));
  EXPECT_TRUE(authorize(settings_, *p, "", Interaction::search));
}

TEST_P(AuthenticateTest, NoTokenOrAnotherScheme) {
  expect_401(auth(std::nullopt), "no access token", false);
  expect_401(auth(""), "no access token", false);
  expect_401(auth("Basic dXNlcjpwYXNz"), "not a Bearer", false);
  expect_401(auth("Bearer"), "not a Bearer", false);
}

TEST_P(AuthenticateTest, ExpiredToken) {
  const auto token = issue("system/*.rs");
  EXPECT_TRUE(auth("Bearer " + token, {}, kNow + 300 + 59));  // within the skew
  expect_401(auth("Bearer " + token, {}, kNow + 300 + 60), "expired");
}

TEST_P(AuthenticateTest, TokenSignedByAnUnknownKey) {
  const auto stranger = testpki::key_for(GetParam(), "gw-1");
  auto forged = make_tokens(stranger).issue("hospital-a", *parse_scopes("system/*.cruds"), {}, kNow);
  expect_401(auth("Bearer " + forged->token), "signature is invalid");
  const auto other_kid = testpki::es384_key("gw-9");
  auto forged2 = make_tokens(other_kid).issue("hospital-a", *parse_scopes("system/*.cruds"), {}, kNow);
  expect_401(auth("Bearer " + forged2->token), "unknown key");
}

TEST_P(AuthenticateTest, TokenForAnotherAudienceOrIssuer) {
  AccessTokenPolicy other = kPolicy;
  other.audience = "https://other-gw.test/fhir";
  auto t = make_tokens(key_, other).issue("hospital-a", *parse_scopes("system/*.rs"), {}, kNow);
  expect_401(auth("Bearer " + t->token), "audience");
  other = kPolicy;
  other.issuer = "https://evil.test/auth";
  t = make_tokens(key_, other).issue("hospital-a", *parse_scopes("system/*.rs"), {}, kNow);
  expect_401(auth("Bearer " + t->token), "issuer");
}

TEST_P(AuthenticateTest, AlgNoneAndMalformedTokens) {
  const std::string claims = R"({"iss":"https://gw.test/auth","sub":"x","aud":"https://gw.test/fhir",)"
                             R"("scope":"system/*.cruds","iat":1800000000,"exp":1800000300,"jti":"j"})";
  const auto none = testpki::forge_jwt(R"({"alg":"none","kid":"gw-1","typ":"at+jwt"})", claims, "");
  expect_401(auth("Bearer " + none), "");
  expect_401(auth("Bearer " + testpki::forge_jwt(R"({"alg":"none","kid":"gw-1","typ":"at+jwt"})", claims, "x")),
             "not allowed");
  expect_401(auth("Bearer " + testpki::forge_jwt(R"({"alg":"HS384","kid":"gw-1","typ":"at+jwt"})", claims, "x")),
             "not allowed");
  expect_401(auth("Bearer abc def"), "malformed");
  expect_401(auth("Bearer a\"b"), "malformed");
  expect_401(auth("Bearer a.b.c"), "");
  expect_401(auth("Bearer " + testpki::forge_jwt(R"({"alg":"ES384","kid":"gw-1","typ":"at+jwt"})", "{\"a\":", "x")),
             "JSON");
  // A client assertion (typ JWT) signed by the gateway key is still not an access token.
  auto doc = fhir::json::parse(claims);
  ASSERT_TRUE(doc);
  auto assertion = sign_jws(key_.alg, key_.key.get(), key_.kid, "JWT", doc.document->root());
  expect_401(auth("Bearer " + *assertion), "typ");
}

TEST_P(AuthenticateTest, CertificateBoundTokens) {
  const auto token = issue("system/*.rs", "thumb-a");
  expect_401(auth("Bearer " + token), "bound to another");
  expect_401(auth("Bearer " + token, {"hospital-a", "thumb-b"}), "bound to another");
  EXPECT_TRUE(auth("Bearer " + token, {"hospital-a", "thumb-a"}));
  // An unbound token on a connection of another client.
  expect_401(auth("Bearer " + issue("system/*.rs"), {"registry", "thumb-r"}), "another client");
}

INSTANTIATE_TEST_SUITE_P(Algs, AuthenticateTest, ::testing::Values(JwsAlg::RS384, JwsAlg::ES384, JwsAlg::ES256),
                         [](const ::testing::TestParamInfo<JwsAlg>& p) { return std::string(jws_alg_name(p.param)); });

TEST(AccessTokens, OlderKeysStillVerifyAfterRotation) {
  for (const JwsAlg old_alg : {JwsAlg::ES384, JwsAlg::ES256}) {
    SCOPED_TRACE(jws_alg_name(old_alg));
    const auto old_key = testpki::key_for(old_alg, "gw-old");
    const auto new_key = testpki::rs384_key("gw-new");
    const auto old_token = make_tokens(old_key).issue("c", *parse_scopes("system/*.rs"), {}, kNow)->token;
    auto older = parse_jwks(testpki::jwks_of({&old_key}));
    ASSERT_TRUE(older);
    auto rotated = make_tokens(new_key, kPolicy, *older);
    EXPECT_TRUE(rotated.verify(old_token, kNow));
    EXPECT_TRUE(rotated.verify(rotated.issue("c", *parse_scopes("system/*.rs"), {}, kNow)->token, kNow));
    EXPECT_FALSE(make_tokens(new_key).verify(old_token, kNow));
    auto jwks = rotated.public_jwks();
    ASSERT_TRUE(jwks);
    EXPECT_EQ(parse_jwks(*jwks)->keys().size(), 2u);
    EXPECT_EQ(jwks->find("\"d\""), std::string::npos);  // public halves only
  }
}

TEST(VerifiedTokenCache, ExpiresAndStaysBounded) {
  VerifiedTokenCache cache(2);
  AccessTokenClaims c;
  c.client_id = "a";
  c.expires_at = kNow + 100;
  cache.insert("t1", c, kNow, 10);
  EXPECT_EQ(cache.find("t1", kNow + 109, 10)->client_id, "a");
  EXPECT_FALSE(cache.find("t1", kNow + 110, 10));  // expired entries are not served
  EXPECT_EQ(cache.size(), 0u);
  for (const char* t : {"t1", "t2", "t3", "t4"}) cache.insert(t, c, kNow, 10);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.find("t4", kNow, 10));
  EXPECT_FALSE(cache.find("t5", kNow, 10));
}

TEST(AccessTokens, ReusedTokenIsStillCheckedForExpiry) {
  const auto k = testpki::es384_key("gw");
  auto tokens = make_tokens(k);
  const auto t = tokens.issue("c", *parse_scopes("system/*.rs"), {}, kNow)->token;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(tokens.verify(t, kNow + i));
  EXPECT_FALSE(tokens.verify(t, kNow + 360));
  EXPECT_FALSE(tokens.verify(t + "x", kNow));  // a different string is verified on its own
}

TEST(AccessTokens, CreateRefusesBadConfig) {
  const auto k = testpki::es384_key("gw");
  EXPECT_FALSE(AccessTokens::create({JwsAlg::RS384, k.key, "gw"}, kPolicy));
  EXPECT_FALSE(AccessTokens::create({JwsAlg::ES384, k.key, ""}, kPolicy));
  EXPECT_FALSE(AccessTokens::create({JwsAlg::ES384, k.key, "gw"}, {"", "aud", 300, 60}));
  EXPECT_FALSE(AccessTokens::create({JwsAlg::ES384, k.key, "gw"}, {"iss", "aud", 0, 60}));
}

TEST(Authenticate, AuthOffGivesTheDevelopmentPrincipal) {
  AuthSettings off;
  off.enabled = false;
  auto p = authenticate(off, nullptr, std::nullopt, {}, kNow);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->authenticated);
  EXPECT_EQ(p->client_id, "anonymous-dev");
  EXPECT_FALSE(authorize(off, *p, "Observation", Interaction::delete_));
  EXPECT_TRUE(loopback_only("127.0.0.1"));
  EXPECT_TRUE(loopback_only("127.1.2.3"));
  EXPECT_TRUE(loopback_only("::1"));
  EXPECT_TRUE(loopback_only("localhost"));
  EXPECT_FALSE(loopback_only("0.0.0.0"));
  EXPECT_FALSE(loopback_only("127.0.0.1.evil.test"));
  EXPECT_FALSE(loopback_only("10.0.0.1"));
  EXPECT_FALSE(loopback_only("::"));
}

TEST(SmartConfiguration, DescribesBackendServices) {
  const auto text = smart_configuration_json(
      {"https://gw.test/auth", "https://gw.test/auth/token", "", {"system/*.rs", "system/Observation.read"}});
  auto doc = fhir::json::parse(text);
  ASSERT_TRUE(doc) << text;
  const auto& root = doc.document->root();
  EXPECT_EQ(root.find("token_endpoint")->text(), "https://gw.test/auth/token");
  EXPECT_EQ(root.find("issuer")->text(), "https://gw.test/auth");
  EXPECT_EQ(root.find("jwks_uri"), nullptr);
  EXPECT_EQ(root.find("token_endpoint_auth_methods_supported")->items()[0].text(), "private_key_jwt");
  EXPECT_EQ(root.find("token_endpoint_auth_signing_alg_values_supported")->size(), 2u);
  EXPECT_EQ(root.find("grant_types_supported")->items()[0].text(), "client_credentials");
  EXPECT_EQ(root.find("scopes_supported")->size(), 2u);
  EXPECT_EQ(root.find("capabilities")->items()[0].text(), "client-confidential-asymmetric");
}

}  // namespace
}  // namespace fhirgw::auth
