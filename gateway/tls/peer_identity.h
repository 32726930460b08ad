// Who is on the other end of a verified TLS connection: names from the peer certificate (subject CN,
// SAN DNS names and URIs), its SHA-256 thumbprint, and the configured client id those names map to.
#pragma once

#include <openssl/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticate.h"
#include "auth/result.h"

namespace fhirgw::tls {

struct CertificateNames {
  std::string subject_cn;  // empty when absent or when the subject holds more than one CN
  std::vector<std::string> dns_names;
  std::vector<std::string> uris;
  std::string thumbprint;  // base64url SHA-256 of the DER certificate (RFC 8705 x5t#S256)
};

CertificateNames certificate_names(const X509* cert);

// The names of the peer certificate if one was presented and verified, nullopt otherwise.
std::optional<CertificateNames> verified_peer_names(const SSL* ssl);

// Config rules "cn:<name>", "dns:<name>" or "uri:<uri>" -> client id; first matching rule wins.
class IdentityMap {
 public:
  auth::Result<bool> add(std::string_view rule, std::string client_id);
  std::optional<std::string> client_for(const CertificateNames& names) const;
  bool empty() const { return rules_.empty(); }

 private:
  enum class Kind { cn, dns, uri };
  struct Rule {
    Kind kind;
    std::string value;
    std::string client_id;
  };
  std::vector<Rule> rules_;
};

// The peer as the auth layer sees it: client id (empty if unmapped or no verified certificate) and
// certificate thumbprint.
auth::PeerCertificate peer_certificate(const SSL* ssl, const IdentityMap& identities);

}  // namespace fhirgw::tls
