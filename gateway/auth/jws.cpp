#include "auth/jws.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <charconv>
#include <cmath>
#include <memory>

#include "auth/base64url.h"
#include "fhir/json/writer.h"

namespace fhirgw::auth {
namespace {

using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

Result<fhir::json::Document> parse_object(std::string_view b64, const char* part, const JwsLimits& limits) {
  auto bytes = base64url_decode(b64);
  if (!bytes) return fail(std::string("JWS ") + part + " is not valid base64url");
  fhir::json::ParseOptions options;
  options.max_depth = limits.max_json_depth;
  auto parsed = fhir::json::parse(*bytes, options);
  if (!parsed) return fail(std::string("JWS ") + part + " is not valid JSON: " + parsed.error->message);
  if (!parsed.document->root().is_object()) return fail(std::string("JWS ") + part + " is not a JSON object");
  return std::move(*parsed.document);
}

Result<JoseHeader> read_header(const fhir::json::Node& h, JwsAlgSet allowed) {
  const auto* alg = h.find("alg");
  if (alg == nullptr || !alg->is_string()) return fail("JWS header has no 'alg'");
  auto parsed = parse_jws_alg(alg->text());
  if (!parsed || !contains(allowed, *parsed))
    return fail("JWS alg '" + printable(alg->text(), 32) + "' is not allowed");
  if (h.find("crit") != nullptr) return fail("JWS header has 'crit' extensions, none are supported");
  JoseHeader out;
  out.alg = *parsed;
  if (const auto* kid = h.find("kid")) {
    if (!kid->is_string()) return fail("JWS header 'kid' is not a string");
    out.kid = kid->text();
  }
  if (const auto* typ = h.find("typ")) {
    if (!typ->is_string()) return fail("JWS header 'typ' is not a string");
    out.typ = typ->text();
  }
  return out;
}

}  // namespace

Result<ParsedJws> parse_jws(std::string_view compact, const JwsLimits& limits) {
  if (compact.empty()) return fail("empty JWT");
  if (compact.size() > limits.max_length) return fail("JWT longer than " + std::to_string(limits.max_length));
  const auto dot1 = compact.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : compact.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || compact.find('.', dot2 + 1) != std::string_view::npos) {
    return fail("JWT is not three dot-separated parts");
  }
  auto header_doc = parse_object(compact.substr(0, dot1), "header", limits);
  if (!header_doc) return std::move(header_doc).error();
  auto header = read_header(header_doc->root(), limits.algs);
  if (!header) return std::move(header).error();
  auto claims = parse_object(compact.substr(dot1 + 1, dot2 - dot1 - 1), "payload", limits);
  if (!claims) return std::move(claims).error();
  auto signature = base64url_decode(compact.substr(dot2 + 1));
  if (!signature || signature->empty()) return fail("JWS signature is missing or not valid base64url");

  ParsedJws out{std::move(header).value(), std::move(claims).value(), std::string(compact.substr(0, dot2)),
                std::move(*signature)};
  return out;
}

bool verify_jws(const ParsedJws& jws, const EVP_PKEY* key) {
  if (!key_fits(key, jws.header.alg)) return false;
  std::string sig = jws.signature;
  if (const std::size_t width = ec_width(jws.header.alg); width != 0) {
    auto der = ecdsa_jose_to_der(sig, width);
    if (!der) return false;
    sig = std::move(*der);
  }
  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const bool ok =
      ctx &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, jws_digest(jws.header.alg), nullptr, const_cast<EVP_PKEY*>(key)) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(jws.signing_input.data()), jws.signing_input.size()) == 1;
  ERR_clear_error();
  return ok;
}

Result<std::string> sign_jws(JwsAlg alg, const EVP_PKEY* private_key, std::string_view kid, std::string_view typ,
                             const fhir::json::Node& claims) {
  if (!key_fits(private_key, alg)) return fail("signing key does not fit " + std::string(jws_alg_name(alg)));
  if (!claims.is_object()) return fail("JWT claims must be a JSON object");
  auto header = fhir::json::Node::object();
  header.set("alg", fhir::json::Node::string(jws_alg_name(alg)));
  if (!kid.empty()) header.set("kid", fhir::json::Node::string(kid));
  if (!typ.empty()) header.set("typ", fhir::json::Node::string(typ));
  std::string input = base64url_encode(fhir::json::to_string(header));
  input += '.';
  input += base64url_encode(fhir::json::to_string(claims));

  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t len = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, jws_digest(alg), nullptr, const_cast<EVP_PKEY*>(private_key)) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) !=
          1) {
    return fail("signing failed: " + openssl_error_text());
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return fail("signing failed: " + openssl_error_text());
  }
  sig.resize(len);
  if (const std::size_t width = ec_width(alg); width != 0) {
    auto jose = ecdsa_der_to_jose(sig, width);
    if (!jose) return fail("signing produced a malformed ECDSA signature");
    sig = std::move(*jose);
  }
  input += '.';
  input += base64url_encode(sig);
  return input;
}

std::optional<std::string> ecdsa_jose_to_der(std::string_view jose, std::size_t width) {
  if (jose.size() != 2 * width) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(jose.data());
  BIGNUM* r = BN_bin2bn(p, static_cast<int>(width), nullptr);
  BIGNUM* s = BN_bin2bn(p + width, static_cast<int>(width), nullptr);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (r == nullptr || s == nullptr || sig == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> ecdsa_der_to_jose(std::string_view der, std::size_t width) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::string out(2 * width, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  const bool ok = BN_bn2binpad(ECDSA_SIG_get0_r(sig), o, static_cast<int>(width)) == static_cast<int>(width) &&
                  BN_bn2binpad(ECDSA_SIG_get0_s(sig), o + width, static_cast<int>(width)) == static_cast<int>(width);
  ECDSA_SIG_free(sig);
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string_view> string_claim(const fhir::json::Node& claims, std::string_view name) {
  const auto* v = claims.find(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->text();
}

Result<std::optional<std::int64_t>> numeric_date_claim(const fhir::json::Node& claims, std::string_view name) {
  const auto* v = claims.find(name);
  if (v == nullptr) return std::optional<std::int64_t>{};
  if (!v->is_number()) return fail("claim '" + std::string(name) + "' is not a number");
  const auto text = v->text();
  double d = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  // Beyond year 5000 or before 1970 is not a date any issuer means.
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(d) || d < 0 || d > 95617584000.0) {
    return fail("claim '" + std::string(name) + "' is not a valid NumericDate");
  }
  return std::optional<std::int64_t>(static_cast<std::int64_t>(std::floor(d)));
}

}  // namespace fhirgw::auth
