#include "tls/peer_identity.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "auth/base64url.h"

namespace fhirgw::tls {
namespace {

std::string asn1_text(const ASN1_STRING* s) {
  if (s == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
}

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

}  // namespace

CertificateNames certificate_names(const X509* cert) {
  CertificateNames out;
  if (cert == nullptr) return out;
  const X509_NAME* subject = X509_get_subject_name(cert);
  const int first = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (first >= 0 && X509_NAME_get_index_by_NID(subject, NID_commonName, first) < 0) {
    std::string cn = asn1_text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, first)));
    if (!has_nul(cn)) out.subject_cn = std::move(cn);  // an embedded NUL is an impersonation attempt
  }
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
      if (gn->type == GEN_DNS) {
        std::string v = asn1_text(gn->d.dNSName);
        if (!has_nul(v)) out.dns_names.push_back(std::move(v));
      } else if (gn->type == GEN_URI) {
        std::string v = asn1_text(gn->d.uniformResourceIdentifier);
        if (!has_nul(v)) out.uris.push_back(std::move(v));
      }
    }
    GENERAL_NAMES_free(sans);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) == 1) {
    out.thumbprint = auth::base64url_encode(std::string_view(reinterpret_cast<const char*>(md), len));
  }
  return out;
}

std::optional<CertificateNames> verified_peer_names(const SSL* ssl) {
  if (ssl == nullptr) return std::nullopt;
  const X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  return certificate_names(cert);
}

auth::Result<bool> IdentityMap::add(std::string_view rule, std::string client_id) {
  const auto colon = rule.find(':');
  if (colon == std::string_view::npos || colon + 1 == rule.size()) {
    return auth::fail("certificate rule '" + std::string(rule) + "' is not cn:, dns: or uri: <value>");
  }
  const auto kind = rule.substr(0, colon);
  Rule r{Kind::cn, std::string(rule.substr(colon + 1)), std::move(client_id)};
  if (kind == "cn") {
    r.kind = Kind::cn;
  } else if (kind == "dns") {
    r.kind = Kind::dns;
  } else if (kind == "uri") {
    r.kind = Kind::uri;
  } else {
    return auth::fail("certificate rule '" + std::string(rule) + "' is not cn:, dns: or uri: <value>");
  }
  if (r.client_id.empty()) return auth::fail("certificate rule '" + std::string(rule) + "' maps to no client");
  rules_.push_back(std::move(r));
  return true;
}

std::optional<std::string> IdentityMap::client_for(const CertificateNames& names) const {
  for (const auto& rule : rules_) {
    switch (rule.kind) {
      case Kind::cn:
        if (!names.subject_cn.empty() && names.subject_cn == rule.value) return rule.client_id;
        break;
      case Kind::dns:
        for (const auto& d : names.dns_names) {
          if (d == rule.value) return rule.client_id;
        }
        break;
      case Kind::uri:
        for (const auto& u : names.uris) {
          if (u == rule.value) return rule.client_id;
        }
        break;
    }
  }
  return std::nullopt;
}

auth::PeerCertificate peer_certificate(const SSL* ssl, const IdentityMap& identities) {
  auth::PeerCertificate out;
  auto names = verified_peer_names(ssl);
  if (!names) return out;
  out.thumbprint = names->thumbprint;
  if (auto id = identities.client_for(*names)) out.client_id = std::move(*id);
  return out;
}

}  // namespace fhirgw::tls
