// SMART Backend Services client assertions: every refusal in the auth matrix that concerns the assertion
// (alg none, unknown key, wrong audience, expiry, replayed jti, malformed input) and the good RS384/ES384
// paths. Keys are generated in the test; the clock is a ManualClock.
#include <gtest/gtest.h>

#include "../support/pki/test_jose.h"
#include "auth/client_assertion.h"
#include "auth/jws.h"
#include "fhir/json/writer.h"

namespace fhirgw::auth {
namespace {

using fhir::json::Node;
constexpr std::int64_t kNow = 1'800'000'000;
constexpr const char* kTokenUrl = "https://gw-b.test:8443/auth/token";

class ClientAssertionTest : public ::testing::Test {
 protected:
  ClientAssertionTest() {
    add_client("hospital-a", {&a_es_, &a_rs_, &a_p256_});
    add_client("registry", {&other_});
    policy_.token_endpoint = kTokenUrl;
  }

  void add_client(const std::string& id, const std::vector<const testpki::SigningKeyPair*>& keys) {
    auto set = parse_jwks(testpki::jwks_of(keys));
    ASSERT_TRUE(set) << set.error().reason;
    ASSERT_TRUE(clients_.add({id, std::move(set).value(), *parse_scopes("system/*.rs")}));
  }

  Node claims(std::string_view jti = "jti-1") const {
    Node c = Node::object();
    c.set("iss", Node::string("hospital-a"));
    c.set("sub", Node::string("hospital-a"));
    c.set("aud", Node::string(kTokenUrl));
    c.set("exp", Node::number(std::to_string(kNow + 240)));
    c.set("iat", Node::number(std::to_string(kNow)));
    c.set("jti", Node::string(jti));
    return c;
  }

  std::string sign(const Node& c, const testpki::SigningKeyPair& key) const {
    auto jwt = sign_jws(key.alg, key.key.get(), key.kid, "JWT", c);
    EXPECT_TRUE(jwt);
    return *jwt;
  }

  Result<VerifiedAssertion, OAuthError> validate(const std::string& jwt, std::int64_t now = kNow) {
    return validate_client_assertion(jwt, clients_, replay_, now, policy_);
  }

  // Expects a refusal whose description contains `why`.
  void expect_refused(const std::string& jwt, std::string_view why, int status = 401) {
    auto r = validate(jwt);
    ASSERT_FALSE(r) << "accepted, expected: " << why;
    EXPECT_EQ(r.error().status, status);
    EXPECT_EQ(r.error().error, status == 401 ? "invalid_client" : "temporarily_unavailable");
    EXPECT_NE(r.error().description.find(why), std::string::npos) << r.error().description;
  }

  testpki::SigningKeyPair a_es_ = testpki::es384_key("a-es");
  testpki::SigningKeyPair a_rs_ = testpki::rs384_key("a-rs");
  testpki::SigningKeyPair a_p256_ = testpki::es256_key("a-p256");  // registered, but ES256 is not SMART's
  testpki::SigningKeyPair other_ = testpki::es384_key("reg-1");
  ClientRegistry clients_;
  ReplayCache replay_{1000};
  AssertionPolicy policy_;
};

TEST_F(ClientAssertionTest, AcceptsEs384AndRs384) {
  auto es = validate(sign(claims("one"), a_es_));
  ASSERT_TRUE(es) << es.error().description;
  EXPECT_EQ(es->client->id, "hospital-a");
  EXPECT_EQ(es->jti, "one");
  EXPECT_EQ(es->expires_at, kNow + 240);
  auto rs = validate(sign(claims("two"), a_rs_));
  ASSERT_TRUE(rs) << rs.error().description;
  EXPECT_EQ(rs->client->id, "hospital-a");
}

TEST_F(ClientAssertionTest, AcceptsAudienceArrayAndMakeClientAssertion) {
  Node c = claims();
  Node aud = Node::array();
  aud.push_back(Node::string("https://elsewhere"));
  aud.push_back(Node::string(kTokenUrl));
  c.set("aud", std::move(aud));
  EXPECT_TRUE(validate(sign(c, a_es_)));
  auto made = make_client_assertion("hospital-a", kTokenUrl, JwsAlg::RS384, a_rs_.key.get(), "a-rs", kNow);
  ASSERT_TRUE(made);
  EXPECT_TRUE(validate(*made));
  EXPECT_FALSE(make_client_assertion("hospital-a", kTokenUrl, JwsAlg::RS384, a_rs_.key.get(), "a-rs", kNow, 301));
}

TEST_F(ClientAssertionTest, RefusesReplayedJti) {
  const auto jwt = sign(claims("once"), a_es_);
  ASSERT_TRUE(validate(jwt));
  expect_refused(jwt, "already used");
  // A new assertion that reuses the jti is a replay too, even with another key of the same client.
  expect_refused(sign(claims("once"), a_rs_), "already used");
  // Another client may use the same jti value.
  Node c = claims("once");
  c.set("iss", Node::string("registry"));
  c.set("sub", Node::string("registry"));
  EXPECT_TRUE(validate(sign(c, other_)));
}

TEST_F(ClientAssertionTest, RefusedAssertionsDoNotUseUpTheirJti) {
  Node wrong_aud = claims("kept");
  wrong_aud.set("aud", Node::string("https://other/token"));
  expect_refused(sign(wrong_aud, a_es_), "aud");
  EXPECT_TRUE(validate(sign(claims("kept"), a_es_)));
}

TEST_F(ClientAssertionTest, RefusesAlgNone) {
  const auto payload = fhir::json::to_string(claims());
  expect_refused(testpki::forge_jwt(R"({"alg":"none","kid":"a-es"})", payload, ""), "not allowed");
  expect_refused(testpki::forge_jwt(R"({"alg":"none","kid":"a-es"})", payload, "x"), "not allowed");
  expect_refused(testpki::forge_jwt(R"({"alg":"HS384","kid":"a-es"})", payload, "x"), "not allowed");
  // ES256 (which the gateway's own access tokens may use) is not a client assertion algorithm in SMART
  // Backend Services, even when the client registered a P-256 key and the signature is valid.
  expect_refused(sign(claims(), a_p256_), "'ES256' is not allowed");
}

TEST_F(ClientAssertionTest, RefusesUnknownKeys) {
  const auto stranger = testpki::es384_key("a-es");  // the right kid, the wrong key
  expect_refused(sign(claims(), stranger), "signature is invalid");
  const auto unknown_kid = testpki::es384_key("nope");
  expect_refused(sign(claims(), unknown_kid), "kid 'nope'");
  // The kid of the client's RSA key with an ES384 signature.
  auto mismatched = a_es_;
  mismatched.kid = "a-rs";
  expect_refused(sign(claims(), mismatched), "no registered ES384 key");
  // A key registered for another client.
  expect_refused(sign(claims(), other_), "kid 'reg-1'");
}

TEST_F(ClientAssertionTest, RefusesBadIdentityClaims) {
  Node c = claims();
  c.set("sub", Node::string("someone-else"));
  expect_refused(sign(c, a_es_), "'sub' differs");
  c = claims();
  c.erase("iss");
  expect_refused(sign(c, a_es_), "no 'iss'");
  c = claims();
  c.set("iss", Node::string("intruder"));
  c.set("sub", Node::string("intruder"));
  expect_refused(sign(c, a_es_), "unknown client");
  c = claims();
  c.erase("aud");
  expect_refused(sign(c, a_es_), "'aud'");
}

TEST_F(ClientAssertionTest, RefusesBadTimes) {
  Node c = claims();
  c.set("exp", Node::number(std::to_string(kNow - 61)));  // beyond the 60 s skew
  expect_refused(sign(c, a_es_), "expired");
  c = claims();
  c.set("exp", Node::number(std::to_string(kNow + 600)));
  expect_refused(sign(c, a_es_), "s ahead");
  c = claims();
  c.erase("exp");
  expect_refused(sign(c, a_es_), "no 'exp'");
  c = claims();
  c.set("exp", Node::string("soon"));
  expect_refused(sign(c, a_es_), "not a number");
  c = claims();
  c.set("nbf", Node::number(std::to_string(kNow + 120)));
  expect_refused(sign(c, a_es_), "not valid yet");
  c = claims();
  c.set("iat", Node::number(std::to_string(kNow + 120)));
  expect_refused(sign(c, a_es_), "in the future");
  c = claims();
  c.set("iat", Node::number(std::to_string(kNow - 3600)));
  expect_refused(sign(c, a_es_), "too old");
  // Within the skew is fine.
  c = claims("skewed");
  c.set("exp", Node::number(std::to_string(kNow - 30)));
  EXPECT_TRUE(validate(sign(c, a_es_)));
}

TEST_F(ClientAssertionTest, RefusesMissingOrLongJti) {
  Node c = claims();
  c.erase("jti");
  expect_refused(sign(c, a_es_), "no 'jti'");
  expect_refused(sign(claims(std::string(300, 'j')), a_es_), "too long");
}

TEST_F(ClientAssertionTest, RefusesMalformedInput) {
  const auto good = sign(claims(), a_es_);
  expect_refused("", "empty");
  expect_refused("not-a-jwt", "three");
  expect_refused(good.substr(0, good.rfind('.')) + ".AA==", "signature");
  const auto payload = fhir::json::to_string(claims());
  expect_refused(testpki::forge_jwt(R"({"alg":"ES384","kid":"a-es"})", "{\"iss\":", "x"), "not valid JSON");
  const auto forged = testpki::forge_jwt(R"({"alg":"ES384","kid":"a-es"})", payload);
  expect_refused("!" + forged, "base64url");
  expect_refused(forged.substr(0, forged.find('.') + 1) + "=" + forged.substr(forged.find('.') + 1), "base64url");
}

TEST_F(ClientAssertionTest, ExpiredEntriesLeaveTheReplayCache) {
  ASSERT_TRUE(validate(sign(claims("a"), a_es_)));
  EXPECT_EQ(replay_.size(), 1u);
  // After exp + skew the entry is dropped (and the assertion itself would be expired anyway).
  Node c = claims("b");
  c.set("exp", Node::number(std::to_string(kNow + 1000 + 240)));
  c.set("iat", Node::number(std::to_string(kNow + 1000)));
  ASSERT_TRUE(validate(sign(c, a_es_), kNow + 1000));
  EXPECT_EQ(replay_.size(), 1u);
}

TEST(ReplayCache, FailsClosedWhenFull) {
  ReplayCache cache(2);
  EXPECT_EQ(cache.remember("c", "1", 100, 0), ReplayCache::Outcome::fresh);
  EXPECT_EQ(cache.remember("c", "2", 200, 0), ReplayCache::Outcome::fresh);
  EXPECT_EQ(cache.remember("c", "3", 200, 0), ReplayCache::Outcome::full);
  EXPECT_EQ(cache.remember("c", "1", 100, 50), ReplayCache::Outcome::replayed);
  EXPECT_EQ(cache.remember("c", "3", 200, 101), ReplayCache::Outcome::fresh);  // "1" expired
  ReplayCache other(10);
  EXPECT_EQ(other.remember("c", " 3", 200, 0), ReplayCache::Outcome::fresh);
  EXPECT_EQ(other.remember("c ", "3", 200, 0), ReplayCache::Outcome::fresh);  // keys do not collide
}

TEST_F(ClientAssertionTest, FullReplayCacheAnswers503) {
  ReplayCache tiny(1);
  ASSERT_TRUE(validate_client_assertion(sign(claims("x"), a_es_), clients_, tiny, kNow, policy_));
  auto r = validate_client_assertion(sign(claims("y"), a_es_), clients_, tiny, kNow, policy_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 503);
}

}  // namespace
}  // namespace fhirgw::auth
