// POST /auth/token as a pure function: form parsing, grant type, assertion, scope grant, mTLS binding,
// and the JSON it answers. The issued token is checked with the same AccessTokens the server would use.
#include <gtest/gtest.h>

#include "../support/pki/test_jose.h"
#include "auth/token_endpoint.h"
#include "fhir/json/parser.h"

namespace fhirgw::auth {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
constexpr const char* kTokenUrl = "https://gw-b.test:8443/auth/token";

fhir::json::Document json(const std::string& text) {
  auto doc = fhir::json::parse(text);
  EXPECT_TRUE(doc) << text;
  return std::move(*doc.document);
}

class TokenEndpointTest : public ::testing::Test {
 protected:
  TokenEndpointTest() {
    auto keys = parse_jwks(testpki::jwks_of({&client_key_}));
    EXPECT_TRUE(keys);
    EXPECT_TRUE(
        clients_.add({"hospital-a", std::move(keys).value(), *parse_scopes("system/Observation.cruds system/*.rs")}));
    auto tokens = AccessTokens::create({JwsAlg::ES384, gateway_key_.key, "gw-1"},
                                       {"https://gw-b.test:8443/auth", "https://gw-b.test:8443/fhir"});
    EXPECT_TRUE(tokens);
    tokens_.emplace(std::move(tokens).value());
    AssertionPolicy policy;
    policy.token_endpoint = kTokenUrl;
    endpoint_.emplace(clients_, replay_, *tokens_, policy, clock_);
  }

  std::string assertion() const {
    return *make_client_assertion("hospital-a", kTokenUrl, client_key_.alg, client_key_.key.get(), client_key_.kid,
                                  clock_.now());
  }

  TokenReply post(const std::string& body, std::string_view peer_id = {}, std::string_view thumb = {}) {
    return endpoint_->handle({"application/x-www-form-urlencoded; charset=UTF-8", body, peer_id, thumb});
  }

  void expect_error(const TokenReply& r, int status, const std::string& error) {
    EXPECT_FALSE(r.granted);
    EXPECT_EQ(r.status, status) << r.body;
    auto doc = json(r.body);
    const auto* e = doc.root().find("error");
    ASSERT_NE(e, nullptr) << r.body;
    EXPECT_EQ(e->text(), error) << r.body;
    EXPECT_NE(doc.root().find("error_description"), nullptr);
    EXPECT_FALSE(r.reason.empty());
  }

  testpki::SigningKeyPair client_key_ = testpki::rs384_key("a-1");
  testpki::SigningKeyPair gateway_key_ = testpki::es384_key("gw");
  ManualClock clock_{kNow};
  ClientRegistry clients_;
  ReplayCache replay_;
  std::optional<AccessTokens> tokens_;
  std::optional<TokenEndpoint> endpoint_;
};

TEST_F(TokenEndpointTest, IssuesAVerifiableToken) {
  const auto reply = post(token_request_body(assertion(), "system/Observation.rs system/Patient.read"));
  ASSERT_TRUE(reply.granted) << reply.body;
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.client_id, "hospital-a");
  bool no_store = false;
  for (const auto& [k, v] : reply.headers) no_store = no_store || (k == "Cache-Control" && v == "no-store");
  EXPECT_TRUE(no_store);

  auto doc = json(reply.body);
  EXPECT_EQ(doc.root().find("token_type")->text(), "bearer");
  EXPECT_EQ(doc.root().find("expires_in")->text(), "300");
  EXPECT_EQ(doc.root().find("scope")->text(), "system/Observation.rs system/Patient.read");
  auto claims = tokens_->verify(doc.root().find("access_token")->text(), kNow + 10);
  ASSERT_TRUE(claims) << claims.error().reason;
  EXPECT_EQ(claims->client_id, "hospital-a");
  EXPECT_TRUE(allows(claims->permissions, "Patient", Interaction::search));
  EXPECT_FALSE(allows(claims->permissions, "Patient", Interaction::create));
  EXPECT_TRUE(claims->cert_thumbprint.empty());
}

TEST_F(TokenEndpointTest, GrantsOnlyWhatTheClientIsAllowed) {
  // patient/ and openid scopes are ignored; system/*.write is not allowed and is dropped.
  auto reply = post(token_request_body(assertion(), "openid patient/*.read system/*.write system/Observation.c"));
  ASSERT_TRUE(reply.granted) << reply.body;
  EXPECT_EQ(reply.scope, "system/Observation.c");
  expect_error(post(token_request_body(assertion(), "system/*.write")), 400, "invalid_scope");
  expect_error(post(token_request_body(assertion(), "system/Observation.xyz")), 400, "invalid_scope");
  expect_error(post(token_request_body(assertion(), "patient/*.read")), 400, "invalid_scope");
}

TEST_F(TokenEndpointTest, RefusesBadRequests) {
  const auto a = assertion();
  const std::string type = "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer";
  expect_error(endpoint_->handle({"application/json", token_request_body(a, "system/*.rs"), {}, {}}), 400,
               "invalid_request");
  expect_error(post("client_assertion=" + a + type + "&scope=system%2F*.rs"), 400, "invalid_request");
  expect_error(post("grant_type=password" + type + "&client_assertion=" + a + "&scope=x"), 400,
               "unsupported_grant_type");
  expect_error(post("grant_type=client_credentials&client_assertion=" + a + "&scope=system%2F*.rs"), 400,
               "invalid_request");
  expect_error(post("grant_type=client_credentials" + type + "&scope=system%2F*.rs"), 400, "invalid_request");
  expect_error(post("grant_type=client_credentials" + type + "&client_assertion=" + a), 400, "invalid_request");
  expect_error(post("grant_type=client_credentials&grant_type=client_credentials" + type + "&client_assertion=" + a +
                    "&scope=system%2F*.rs"),
               400, "invalid_request");
  expect_error(post("grant_type=client_credentials%ZZ"), 400, "invalid_request");
  expect_error(post(""), 400, "invalid_request");
}

TEST_F(TokenEndpointTest, AssertionFailuresAreInvalidClient) {
  const auto a = assertion();
  EXPECT_TRUE(post(token_request_body(a, "system/*.rs")).granted);
  const auto replay = post(token_request_body(a, "system/*.rs"));
  expect_error(replay, 401, "invalid_client");
  EXPECT_EQ(replay.client_id, "hospital-a");  // for the audit record
  expect_error(post(token_request_body("eyJ.eyJ.x", "system/*.rs")), 401, "invalid_client");
  clock_.advance(400);  // the assertion made at kNow has expired
  expect_error(post(token_request_body(
                   *make_client_assertion("hospital-a", kTokenUrl, client_key_.alg, client_key_.key.get(), "a-1", kNow),
                   "system/*.rs")),
               401, "invalid_client");
}

TEST_F(TokenEndpointTest, ClientIdParameterAndCertificateMustMatch) {
  expect_error(post(token_request_body(assertion(), "system/*.rs") + "&client_id=registry"), 401, "invalid_client");
  EXPECT_TRUE(post(token_request_body(assertion(), "system/*.rs") + "&client_id=hospital-a").granted);
  expect_error(post(token_request_body(assertion(), "system/*.rs"), "registry", "thumb"), 401, "invalid_client");

  const auto bound = post(token_request_body(assertion(), "system/*.rs"), "hospital-a", "the-thumbprint");
  ASSERT_TRUE(bound.granted) << bound.body;
  auto doc = json(bound.body);
  auto claims = tokens_->verify(doc.root().find("access_token")->text(), kNow);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->cert_thumbprint, "the-thumbprint");
}

TEST_F(TokenEndpointTest, ClientSideReadsTheResponse) {
  const auto granted = post(token_request_body(assertion(), "system/*.rs"));
  auto token = parse_token_response(granted.body);
  ASSERT_TRUE(token) << token.error().reason;
  EXPECT_EQ(token->expires_in, 300);
  EXPECT_EQ(token->scope, "system/*.rs");
  EXPECT_TRUE(tokens_->verify(token->access_token, kNow));

  auto refused = parse_token_response(post(token_request_body(assertion(), "system/*.write")).body);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason.rfind("invalid_scope: ", 0), 0u) << refused.error().reason;
  EXPECT_FALSE(parse_token_response(R"({"access_token":"x","token_type":"mac"})"));
  EXPECT_FALSE(parse_token_response(R"({"access_token":"x","token_type":"bearer","expires_in":"300"})"));
  EXPECT_FALSE(parse_token_response(R"({"access_token":"x","token_type":"bearer","expires_in":1.5})"));
  EXPECT_FALSE(parse_token_response("not json"));
  EXPECT_TRUE(parse_token_response(R"({"access_token":"x","token_type":"Bearer"})"));
}

TEST(FormBody, DecodesPlusAndPercent) {
  auto form = parse_form_body("a=x+y%2Bz&b=&c");
  ASSERT_TRUE(form);
  ASSERT_EQ(form->size(), 3u);
  EXPECT_EQ((*form)[0].second, "x y+z");
  EXPECT_EQ((*form)[1].second, "");
  EXPECT_EQ((*form)[2].first, "c");
  EXPECT_FALSE(parse_form_body("a=1&a=2"));
  EXPECT_FALSE(parse_form_body("=1"));
  EXPECT_FALSE(parse_form_body("a=%G1"));
}

TEST(FormBody, TokenRequestBodyRoundTrips) {
  auto form = parse_form_body(token_request_body("h.p.s", "system/Observation.rs system/*.write"));
  ASSERT_TRUE(form);
  ASSERT_EQ(form->size(), 4u);
  EXPECT_EQ((*form)[0], (std::pair<std::string, std::string>{"grant_type", "client_credentials"}));
  EXPECT_EQ((*form)[1].second, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  EXPECT_EQ((*form)[2].second, "h.p.s");
  EXPECT_EQ((*form)[3].second, "system/Observation.rs system/*.write");
}

}  // namespace
}  // namespace fhirgw::auth
