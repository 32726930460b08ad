// Compact JWS (RFC 7515) for JWTs: strict parsing, signature verification and signing with OpenSSL EVP.
// Parsing refuses anything a verifier should not guess about: not exactly three parts, non-canonical
// base64url, header or payload that is not a JSON object, an algorithm outside the allow-list
// (by default RS384 and ES384, SMART's client assertion algorithms; `none` and HS* are refused by name), and
// any `crit` header.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/keys.h"
#include "auth/result.h"
#include "fhir/json/node.h"
#include "fhir/json/parser.h"

namespace fhirgw::auth {

struct JwsLimits {
  std::size_t max_length = 16 * 1024;  // whole compact text
  std::size_t max_json_depth = 8;
  JwsAlgSet algs = kAssertionAlgs;  // the "alg" values accepted
};

struct JoseHeader {
  JwsAlg alg = JwsAlg::ES384;
  std::string kid;  // empty when absent
  std::string typ;  // empty when absent
};

struct ParsedJws {
  JoseHeader header;
  fhir::json::Document claims;  // the payload, a JSON object
  std::string signing_input;    // "<b64 header>.<b64 payload>"
  std::string signature;        // raw bytes in JOSE form (ES384: r||s, 96 bytes; ES256: 64)
};

Result<ParsedJws> parse_jws(std::string_view compact, const JwsLimits& limits = {});

// True when `jws.signature` is a valid signature of `jws.signing_input` by `key` with the header's alg
// (the key must fit the alg: see key_fits()).
bool verify_jws(const ParsedJws& jws, const EVP_PKEY* key);

// Signs `claims` (a JSON object) into a compact JWS with header {"alg","kid"?,"typ"?}.
Result<std::string> sign_jws(JwsAlg alg, const EVP_PKEY* private_key, std::string_view kid, std::string_view typ,
                             const fhir::json::Node& claims);

// ECDSA signature forms: JOSE uses fixed-width r||s, OpenSSL uses DER. `width` is the byte size of r and s
// (48 for P-384, 32 for P-256). nullopt on malformed input.
std::optional<std::string> ecdsa_jose_to_der(std::string_view jose, std::size_t width);
std::optional<std::string> ecdsa_der_to_jose(std::string_view der, std::size_t width);

// Claim accessors. `string_claim` is nullopt when absent or not a string. `numeric_date_claim` reads a
// NumericDate (integer or fractional seconds, truncated); error when present but not a sane number.
std::optional<std::string_view> string_claim(const fhir::json::Node& claims, std::string_view name);
Result<std::optional<std::int64_t>> numeric_date_claim(const fhir::json::Node& claims, std::string_view name);

}  // namespace fhirgw::auth
