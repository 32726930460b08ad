// Base64url, compact JWS parsing/signing/verification, ECDSA signature forms and JWK/JWKS keys.
// Keys are generated in the test; nothing is read from disk.
#include <gtest/gtest.h>

#include <random>

#include "../support/pki/test_jose.h"
#include "auth/base64url.h"
#include "auth/jwk.h"
#include "auth/jws.h"
#include "fhir/json/parser.h"
#include "fhir/json/writer.h"

namespace fhirgw::auth {
namespace {

using testpki::forge_jwt;

fhir::json::Node claims_of(const std::string& json) {
  auto doc = fhir::json::parse(json);
  EXPECT_TRUE(doc) << json;
  return fhir::json::Node(doc.document->root());
}

TEST(Base64url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    const auto enc = base64url_encode(bytes);
    EXPECT_EQ(enc.find_first_of("+/="), std::string::npos);
    auto dec = base64url_decode(enc);
    ASSERT_TRUE(dec) << i;
    EXPECT_EQ(*dec, bytes);
    bytes += static_cast<char>(i * 37 + 250);
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Base64url, DecodingIsStrict) {
  EXPECT_FALSE(base64url_decode("YQ=="));   // padding
  EXPECT_FALSE(base64url_decode("a+b/"));   // standard alphabet
  EXPECT_FALSE(base64url_decode("YW Jj"));  // whitespace
  EXPECT_FALSE(base64url_decode("YWJjZ"));  // 4n+1 characters
  EXPECT_FALSE(base64url_decode("YR"));     // non-zero trailing bits ("YQ" is the canonical form)
  EXPECT_EQ(base64url_decode("YQ").value(), "a");
  EXPECT_EQ(base64url_decode("").value(), "");
}

TEST(EcdsaSignatureForm, JoseAndDerRoundTrip) {
  std::string jose(96, '\0');
  jose[0] = 0x00;  // leading zero byte of r: DER drops it, JOSE keeps fixed width
  jose[1] = 0x7f;
  jose[47] = 0x01;
  jose[48] = static_cast<char>(0x80);  // high bit of s: DER needs a padding zero
  jose[95] = 0x02;
  auto der = ecdsa_jose_to_der(jose, 48);
  ASSERT_TRUE(der);
  EXPECT_EQ(static_cast<unsigned char>((*der)[0]), 0x30);
  auto back = ecdsa_der_to_jose(*der, 48);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, jose);
  EXPECT_FALSE(ecdsa_jose_to_der(jose.substr(1), 48));
  EXPECT_FALSE(ecdsa_der_to_jose("not der", 48));
}

class JwsSigning : public ::testing::TestWithParam<JwsAlg> {
 protected:
  testpki::SigningKeyPair key() const { return testpki::key_for(GetParam(), "k1"); }
  static JwsLimits limits() {
    JwsLimits l;
    l.algs = jws_algs({JwsAlg::RS384, JwsAlg::ES384, JwsAlg::ES256});
    return l;
  }
};

TEST_P(JwsSigning, SignsAndVerifies) {
  const auto k = key();
  auto token = sign_jws(k.alg, k.key.get(), k.kid, "JWT", claims_of(R"({"iss":"a","n":1})"));
  ASSERT_TRUE(token) << token.error().reason;
  auto parsed = parse_jws(*token, limits());
  ASSERT_TRUE(parsed) << parsed.error().reason;
  EXPECT_EQ(parsed->header.alg, GetParam());
  EXPECT_EQ(parsed->header.kid, "k1");
  EXPECT_EQ(parsed->header.typ, "JWT");
  EXPECT_EQ(string_claim(parsed->claims.root(), "iss"), "a");
  EXPECT_TRUE(verify_jws(*parsed, k.key.get()));
  if (GetParam() != JwsAlg::RS384) {
    EXPECT_EQ(parsed->signature.size(), 2 * ec_width(GetParam()));  // JOSE r||s, not DER: 96 or 64 bytes
  }

  const auto other = key();
  EXPECT_FALSE(verify_jws(*parsed, other.key.get()));
}

TEST_P(JwsSigning, TamperedPayloadFailsVerification) {
  const auto k = key();
  auto token = sign_jws(k.alg, k.key.get(), k.kid, "", claims_of(R"({"scope":"system/Observation.rs"})"));
  ASSERT_TRUE(token);
  const auto dot1 = token->find('.');
  const auto dot2 = token->find('.', dot1 + 1);
  const std::string forged =
      token->substr(0, dot1 + 1) + base64url_encode(R"({"scope":"system/*.cruds"})") + token->substr(dot2);
  auto parsed = parse_jws(forged, limits());
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(verify_jws(*parsed, k.key.get()));
}

INSTANTIATE_TEST_SUITE_P(Algs, JwsSigning, ::testing::Values(JwsAlg::RS384, JwsAlg::ES384, JwsAlg::ES256),
                         [](const ::testing::TestParamInfo<JwsAlg>& p) { return std::string(jws_alg_name(p.param)); });

TEST(JwsSigning, RefusesKeysThatDoNotFitTheAlg) {
  const auto ec = testpki::es384_key("k");
  const auto p256 = testpki::generate_ec("P-256");
  const auto claims = claims_of("{}");
  EXPECT_FALSE(sign_jws(JwsAlg::RS384, ec.key.get(), "k", "", claims));
  EXPECT_FALSE(sign_jws(JwsAlg::ES384, p256.get(), "k", "", claims));
  EXPECT_FALSE(sign_jws(JwsAlg::ES256, ec.key.get(), "k", "", claims));
  EXPECT_FALSE(key_fits(testpki::generate_rsa(1024).get(), JwsAlg::RS384));
}

TEST(JwsParsing, RefusesAlgNoneAndHmac) {
  for (const char* alg : {"none", "None", "HS256", "HS384", "RS256", "ES256", "PS384", ""}) {
    const auto jwt = forge_jwt(std::string(R"({"alg":")") + alg + R"(","kid":"k"})", R"({"iss":"x"})");
    auto parsed = parse_jws(jwt);
    ASSERT_FALSE(parsed) << alg;
    EXPECT_NE(parsed.error().reason.find("not allowed"), std::string::npos) << parsed.error().reason;
  }
  // alg:none with an empty signature part, the classic downgrade.
  const auto none = base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(R"({"iss":"x"})") + ".";
  EXPECT_FALSE(parse_jws(none));
}

// ES256 is for the gateway's own access tokens only: a validly signed ES256 JWT is refused unless the caller
// allows it (the default is SMART's client assertion set, RS384 and ES384).
TEST(JwsParsing, Es256OnlyWhereAllowed) {
  const auto k = testpki::es256_key("k");
  auto token = sign_jws(k.alg, k.key.get(), k.kid, "", claims_of(R"({"iss":"x"})"));
  ASSERT_TRUE(token) << token.error().reason;
  auto refused = parse_jws(*token);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().reason.find("'ES256' is not allowed"), std::string::npos) << refused.error().reason;
  JwsLimits limits;
  limits.algs = jws_algs({JwsAlg::ES256});
  auto parsed = parse_jws(*token, limits);
  ASSERT_TRUE(parsed) << parsed.error().reason;
  EXPECT_TRUE(verify_jws(*parsed, k.key.get()));
  // An ES384 token is refused where only ES256 is allowed.
  const auto k384 = testpki::es384_key("k");
  EXPECT_FALSE(parse_jws(*sign_jws(k384.alg, k384.key.get(), k384.kid, "", claims_of("{}")), limits));
}

TEST(JwsParsing, RefusesMalformedTokens) {
  const std::string header = base64url_encode(R"({"alg":"ES384","kid":"k"})");
  const std::string payload = base64url_encode(R"({"iss":"x"})");
  const std::string sig = base64url_encode("sig");
  EXPECT_TRUE(parse_jws(header + "." + payload + "." + sig));
  const std::vector<std::string> bad = {
      "",
      header + "." + payload,                                              // two parts
      header + "." + payload + "." + sig + "." + sig,                      // five parts (JWE-like)
      header + "=." + payload + "." + sig,                                 // padding
      header + "." + payload + "+." + sig,                                 // bad character
      header + "." + payload + ".",                                        // empty signature
      base64url_encode("{\"alg\":\"ES384\"") + "." + payload + "." + sig,  // truncated JSON
      base64url_encode("[\"ES384\"]") + "." + payload + "." + sig,         // header not an object
      header + "." + base64url_encode("\"just a string\"") + "." + sig,    // payload not an object
      header + "." + base64url_encode("{\"a\":1,\"a\":2}") + "." + sig,    // duplicate claim
      base64url_encode(R"({"alg":"ES384","crit":["b64"]})") + "." + payload + "." + sig,
      base64url_encode(R"({"alg":"ES384","kid":7})") + "." + payload + "." + sig,
      header + "." + base64url_encode("{\"a\":[[[[[[[[[[1]]]]]]]]]]}") + "." + sig,  // too deep
  };
  for (const auto& jwt : bad) EXPECT_FALSE(parse_jws(jwt)) << jwt;
  EXPECT_FALSE(parse_jws(std::string(20000, 'a')));
}

TEST(JwsParsing, MutatedTokensNeverVerify) {
  const auto k = testpki::es384_key("k1");
  const auto token = *sign_jws(k.alg, k.key.get(), k.kid, "JWT", claims_of(R"({"iss":"a","exp":1800000000})"));
  std::mt19937 rng(12345);  // fixed seed: the same mutations on every run
  const std::string alphabet = "ABCxyz019-_.=+/ \"{}";
  int parsed_count = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string m = token;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const auto pos = rng() % m.size();
      switch (rng() % 3) {
        case 0: m[pos] = alphabet[rng() % alphabet.size()]; break;
        case 1: m.erase(pos, 1); break;
        default: m.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
      }
    }
    if (m == token) continue;
    auto parsed = parse_jws(m);
    if (!parsed) continue;
    ++parsed_count;
    // A parsed variant may verify only if it carries the same signing input and signature bytes.
    if (verify_jws(*parsed, k.key.get())) {
      auto original = parse_jws(token);
      EXPECT_EQ(parsed->signing_input, original->signing_input) << m;
      EXPECT_EQ(parsed->signature, original->signature) << m;
    }
  }
  EXPECT_GT(parsed_count, 0);  // the loop did reach the verifier
}

TEST(NumericDate, AcceptsIntegersAndFractionsOnly) {
  const auto c = claims_of(R"({"a":1700000000,"b":1700000000.75,"c":"1700000000","d":-5,"e":1e300})");
  EXPECT_EQ(numeric_date_claim(c, "a").value(), 1700000000);
  EXPECT_EQ(numeric_date_claim(c, "b").value(), 1700000000);
  EXPECT_FALSE(numeric_date_claim(c, "c"));
  EXPECT_FALSE(numeric_date_claim(c, "d"));
  EXPECT_FALSE(numeric_date_claim(c, "e"));
  EXPECT_FALSE(numeric_date_claim(c, "missing").value().has_value());
}

TEST(Jwk, PublicKeysRoundTripAndVerify) {
  for (const auto& k : {testpki::es384_key("ec-1"), testpki::rs384_key("rsa-1")}) {
    auto set = parse_jwks(testpki::jwks_of({&k}));
    ASSERT_TRUE(set) << set.error().reason;
    const Jwk* found = set->find(k.kid, k.alg);
    ASSERT_NE(found, nullptr);
    EXPECT_FALSE(set->find("other-kid", k.alg));
    EXPECT_FALSE(set->find(k.kid, k.alg == JwsAlg::ES384 ? JwsAlg::RS384 : JwsAlg::ES384));
    auto token = sign_jws(k.alg, k.key.get(), k.kid, "", claims_of(R"({"x":1})"));
    auto parsed = parse_jws(*token);
    EXPECT_TRUE(verify_jws(*parsed, found->key.get()));
  }
}

TEST(Jwk, RefusesPrivateMaterialAndBadKeys) {
  const auto k = testpki::es384_key("ec");
  auto good = public_jwk(k.key.get(), "ec");
  ASSERT_TRUE(good);
  auto with = [&](std::string_view member, std::string_view value) {
    fhir::json::Node n(*good);
    n.set(member, fhir::json::Node::string(value));
    return n;
  };
  EXPECT_TRUE(parse_jwk(*good));
  EXPECT_FALSE(parse_jwk(with("d", "AAAA")));                // private key
  EXPECT_FALSE(parse_jwk(with("crv", "P-256")));             // wrong curve
  EXPECT_FALSE(parse_jwk(with("x", "AAAA")));                // short coordinate
  EXPECT_FALSE(parse_jwk(with("y", std::string(64, 'A'))));  // not on the curve
  EXPECT_FALSE(parse_jwk(with("alg", "RS384")));             // alg does not fit the key
  EXPECT_FALSE(parse_jwk(with("alg", "HS256")));
  EXPECT_FALSE(parse_jwk(with("use", "enc")));

  auto small_rsa = testpki::generate_rsa(1024);
  // public_jwk refuses short RSA keys itself; build the JWK by hand from a good one's shape.
  EXPECT_FALSE(public_jwk(small_rsa.get(), "r"));
}

TEST(Jwks, SkipsUnknownKeyTypesAndReportsIndex) {
  const auto k = testpki::es384_key("ec");
  auto jwk = fhir::json::to_string(*public_jwk(k.key.get(), "ec"));
  auto set = parse_jwks(R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"AA"},)" + jwk + "]}");
  ASSERT_TRUE(set) << set.error().reason;
  EXPECT_EQ(set->keys().size(), 1u);

  auto bad = parse_jwks(R"({"keys":[)" + jwk + R"(,{"kty":"EC","crv":"P-384"}]})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().reason.find("keys[1]"), std::string::npos) << bad.error().reason;
  EXPECT_FALSE(parse_jwks(R"({"keys":[]})"));
  EXPECT_FALSE(parse_jwks(R"({"keys":{}})"));
  EXPECT_FALSE(parse_jwks("{\"keys\":[\n,]}"));
  EXPECT_FALSE(load_jwks_file("/nonexistent/jwks.json"));
}

}  // namespace
}  // namespace fhirgw::auth
