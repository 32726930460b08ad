#include "auth/jwk.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "auth/base64url.h"
#include "fhir/json/parser.h"
#include "fhir/json/writer.h"

namespace fhirgw::auth {
namespace {

constexpr std::size_t kMaxJwksBytes = 1 << 20;

using Bn = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)>;
using Params = std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

Result<std::string> b64_member(const fhir::json::Node& jwk, std::string_view name) {
  const auto* v = jwk.find(name);
  if (v == nullptr || !v->is_string()) return fail("JWK has no string '" + std::string(name) + "'");
  auto bytes = base64url_decode(v->text());
  if (!bytes || bytes->empty()) return fail("JWK '" + std::string(name) + "' is not valid base64url");
  return std::move(*bytes);
}

Bn to_bn(const std::string& bytes) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr),
            BN_free);
}

Result<Pkey> from_params(const char* type, OSSL_PARAM_BLD* bld) {
  Params params(OSSL_PARAM_BLD_to_param(bld), OSSL_PARAM_free);
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return fail(std::string("JWK does not form a valid ") + type + " key: " + openssl_error_text());
  }
  Pkey out = adopt(key);
  // fromdata does not prove an EC point lies on the curve; check it.
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr), EVP_PKEY_CTX_free);
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return fail(std::string("JWK is not a valid public ") + type + " key: " + openssl_error_text());
  }
  return out;
}

Result<Pkey> rsa_key(const fhir::json::Node& jwk) {
  auto n = b64_member(jwk, "n");
  if (!n) return std::move(n).error();
  auto e = b64_member(jwk, "e");
  if (!e) return std::move(e).error();
  Bn bn_n = to_bn(*n), bn_e = to_bn(*e);
  ParamBld bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bn_n || !bn_e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return fail("cannot build RSA key parameters");
  }
  auto key = from_params("RSA", bld.get());
  if (key && EVP_PKEY_get_bits(key->get()) < 2048) return fail("RSA JWK is shorter than 2048 bits");
  return key;
}

Result<Pkey> ec_key(const fhir::json::Node& jwk) {
  const auto* crv = jwk.find("crv");
  const auto alg = crv != nullptr && crv->is_string() ? ec_alg_for_curve(crv->text()) : std::nullopt;
  if (!alg) return fail("EC JWK 'crv' is not P-384 or P-256");
  const std::string curve(ec_curve(*alg));
  const std::size_t width = ec_width(*alg);
  auto x = b64_member(jwk, "x");
  if (!x) return std::move(x).error();
  auto y = b64_member(jwk, "y");
  if (!y) return std::move(y).error();
  if (x->size() != width || y->size() != width) {
    return fail("EC JWK coordinates are not " + std::to_string(width) + " bytes (" + curve + ")");
  }
  std::string point = "\x04" + *x + *y;  // uncompressed SEC1 point
  ParamBld bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.c_str(), 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return fail("cannot build EC key parameters");
  }
  return from_params("EC", bld.get());
}

bool has_private_members(const fhir::json::Node& jwk) {
  for (const char* m : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    if (jwk.find(m) != nullptr) return true;
  }
  return false;
}

Result<std::string> bn_param_b64(const EVP_PKEY* key, const char* name, std::size_t width) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return fail(std::string("key has no ") + name);
  Bn bn(raw, BN_free);
  const std::size_t n = width != 0 ? width : static_cast<std::size_t>(BN_num_bytes(bn.get()));
  std::string bytes(n, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) < 0) {
    return fail(std::string("key parameter ") + name + " does not fit");
  }
  return base64url_encode(bytes);
}

}  // namespace

const Jwk* KeySet::find(std::string_view kid, JwsAlg alg) const {
  for (const auto& k : keys_) {
    if (k.kid == kid && (!k.alg || *k.alg == alg) && key_fits(k.key.get(), alg)) return &k;
  }
  return nullptr;
}

Result<Jwk> parse_jwk(const fhir::json::Node& jwk) {
  if (!jwk.is_object()) return fail("JWK is not an object");
  if (has_private_members(jwk)) return fail("JWK holds private key material; configure public keys only");
  const auto* kty = jwk.find("kty");
  if (kty == nullptr || !kty->is_string()) return fail("JWK has no 'kty'");
  if (const auto* use = jwk.find("use"); use != nullptr && (!use->is_string() || use->text() != "sig")) {
    return fail("JWK 'use' is not \"sig\"");
  }
  if (const auto* ops = jwk.find("key_ops")) {
    bool verify = false;
    if (ops->is_array()) {
      for (const auto& op : ops->items()) verify = verify || (op.is_string() && op.text() == "verify");
    }
    if (!verify) return fail("JWK 'key_ops' does not allow \"verify\"");
  }
  Jwk out;
  if (const auto* kid = jwk.find("kid")) {
    if (!kid->is_string()) return fail("JWK 'kid' is not a string");
    out.kid = kid->text();
  }
  if (const auto* alg = jwk.find("alg")) {
    if (!alg->is_string()) return fail("JWK 'alg' is not a string");
    out.alg = parse_jws_alg(alg->text());
    if (!out.alg) return fail("JWK alg '" + printable(alg->text(), 32) + "' is not allowed");
  }
  Result<Pkey> key = kty->text() == "RSA"  ? rsa_key(jwk)
                     : kty->text() == "EC" ? ec_key(jwk)
                                           : Result<Pkey>(fail("unsupported kty"));
  if (!key) return std::move(key).error();
  out.key = std::move(key).value();
  if (out.alg && !key_fits(out.key.get(), *out.alg)) return fail("JWK 'alg' does not match its key type");
  return out;
}

Result<KeySet> parse_jwks(std::string_view json) {
  if (json.size() > kMaxJwksBytes) return fail("JWKS larger than 1 MiB");
  fhir::json::ParseOptions options;
  options.max_depth = 8;
  auto doc = fhir::json::parse(json, options);
  if (!doc) {
    return fail("JWKS is not valid JSON (line " + std::to_string(doc.error->location.line) + ", column " +
                std::to_string(doc.error->location.column) + "): " + doc.error->message);
  }
  const auto& root = doc.document->root();
  const auto* keys = root.is_object() ? root.find("keys") : nullptr;
  if (keys == nullptr || !keys->is_array()) return fail("JWKS has no \"keys\" array");
  KeySet set;
  std::size_t index = 0;
  for (const auto& item : keys->items()) {
    const auto* kty = item.is_object() ? item.find("kty") : nullptr;
    const bool known = kty != nullptr && kty->is_string() && (kty->text() == "RSA" || kty->text() == "EC");
    if (kty != nullptr && !known) {
      ++index;
      continue;  // unknown key types are ignored (RFC 7517 §5)
    }
    auto jwk = parse_jwk(item);
    if (!jwk) return fail("JWKS keys[" + std::to_string(index) + "]: " + jwk.error().reason);
    set.add(std::move(jwk).value());
    ++index;
  }
  if (set.empty()) return fail("JWKS holds no usable RSA, EC P-384 or EC P-256 key");
  return set;
}

Result<KeySet> load_jwks_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot open JWKS file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  auto set = parse_jwks(text.str());
  if (!set) return fail("JWKS file '" + path + "': " + set.error().reason);
  return set;
}

Result<fhir::json::Node> public_jwk(const EVP_PKEY* key, std::string_view kid) {
  using fhir::json::Node;
  const auto alg = alg_for_key(key);
  if (!alg) return fail("only RSA (>= 2048 bits), EC P-384 and EC P-256 keys can be published as JWK");
  Node jwk = Node::object();
  if (*alg == JwsAlg::RS384) {
    auto n = bn_param_b64(key, OSSL_PKEY_PARAM_RSA_N, 0);
    auto e = bn_param_b64(key, OSSL_PKEY_PARAM_RSA_E, 0);
    if (!n || !e) return fail("cannot read the RSA public key");
    jwk.set("kty", Node::string("RSA"));
    jwk.set("n", Node::string(*n));
    jwk.set("e", Node::string(*e));
  } else {
    auto x = bn_param_b64(key, OSSL_PKEY_PARAM_EC_PUB_X, ec_width(*alg));
    auto y = bn_param_b64(key, OSSL_PKEY_PARAM_EC_PUB_Y, ec_width(*alg));
    if (!x || !y) return fail("cannot read the EC public key");
    jwk.set("kty", Node::string("EC"));
    jwk.set("crv", Node::string(ec_curve(*alg)));
    jwk.set("x", Node::string(*x));
    jwk.set("y", Node::string(*y));
  }
  if (!kid.empty()) jwk.set("kid", Node::string(kid));
  jwk.set("use", Node::string("sig"));
  jwk.set("alg", Node::string(jws_alg_name(*alg)));
  return jwk;
}

Result<std::string> jwks_json(const std::vector<std::pair<const EVP_PKEY*, std::string>>& keys_with_kid) {
  using fhir::json::Node;
  Node keys = Node::array();
  for (const auto& [key, kid] : keys_with_kid) {
    auto jwk = public_jwk(key, kid);
    if (!jwk) return std::move(jwk).error();
    keys.push_back(std::move(jwk).value());
  }
  Node root = Node::object();
  root.set("keys", std::move(keys));
  return fhir::json::to_string(root);
}

}  // namespace fhirgw::auth
