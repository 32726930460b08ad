// Test PKI generated at test time with the OpenSSL API: keys, CAs, server and client certificates (good,
// expired, self-signed, from another CA), written as PEM into a temp directory. No private key is ever
// committed. Header-only so every test program can include it without a build rule.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace fhirgw::testpki {

using Key = std::shared_ptr<EVP_PKEY>;
using Cert = std::shared_ptr<X509>;

inline void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

inline Key generate_ec(const char* curve = "P-256") {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve);
  check(k != nullptr, "EC keygen");
  return Key(k, EVP_PKEY_free);
}

inline Key generate_rsa(unsigned bits = 2048) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  check(k != nullptr, "RSA keygen");
  return Key(k, EVP_PKEY_free);
}

enum class Usage { ca, server, client };

struct CertSpec {
  std::string common_name;
  Usage usage = Usage::client;
  std::vector<std::string> subject_alt_names;  // OpenSSL syntax: "DNS:localhost", "IP:127.0.0.1", "URI:..."
  std::int64_t not_before = -3600;             // seconds relative to now
  std::int64_t not_after = 30 * 86400;
};

struct Issued {
  Cert cert;
  Key key;
};

inline void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// Signs a certificate for `key` described by `spec`, by `issuer` (nullptr: self-signed).
inline Issued make_cert(const CertSpec& spec, Key key, const Issued* issuer) {
  static std::mt19937_64 serials{std::random_device{}()};
  Cert cert(X509_new(), X509_free);
  X509* x = cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set_int64(X509_get_serialNumber(x), static_cast<std::int64_t>(serials() >> 2));
  X509_gmtime_adj(X509_getm_notBefore(x), static_cast<long>(spec.not_before));
  X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(spec.not_after));
  X509_set_pubkey(x, key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("fhirgw tests"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                             -1, -1, 0);
  X509* issuer_cert = issuer ? issuer->cert.get() : x;
  X509_set_issuer_name(x, X509_get_subject_name(issuer_cert));
  switch (spec.usage) {
    case Usage::ca:
      add_ext(x, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
      add_ext(x, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
      break;
    case Usage::server:
      add_ext(x, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
      add_ext(x, issuer_cert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
      add_ext(x, issuer_cert, NID_ext_key_usage, "serverAuth");
      break;
    case Usage::client:
      add_ext(x, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
      add_ext(x, issuer_cert, NID_key_usage, "critical,digitalSignature");
      add_ext(x, issuer_cert, NID_ext_key_usage, "clientAuth");
      break;
  }
  add_ext(x, issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer) add_ext(x, issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (!spec.subject_alt_names.empty()) {
    std::string san;
    for (const auto& s : spec.subject_alt_names) san += (san.empty() ? "" : ",") + s;
    add_ext(x, issuer_cert, NID_subject_alt_name, san);
  }
  check(X509_sign(x, issuer ? issuer->key.get() : key.get(), EVP_sha256()) > 0, "sign certificate");
  return {cert, key};
}

inline Issued make_ca(const std::string& cn) {
  return make_cert({cn, Usage::ca, {}, -86400, 365 * 86400}, generate_ec(), nullptr);
}

inline std::string cert_pem(const X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, const_cast<X509*>(cert));
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

inline std::string key_pem(const EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, const_cast<EVP_PKEY*>(key), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("fhirgw-pki-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    std::filesystem::permissions(p, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return p.string();
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Files of one certificate: "<name>.pem" (leaf + issuer chain) and "<name>.key".
struct CertFiles {
  std::string cert;
  std::string key;
};

// The leaves here are issued directly by their CA, so the chain file is the leaf alone.
inline CertFiles write_cert(const TempDir& dir, const std::string& name, const Issued& leaf) {
  return {dir.write(name + ".pem", cert_pem(leaf.cert.get())), dir.write(name + ".key", key_pem(leaf.key.get()))};
}

// One hospital's PKI: a CA, a server certificate for 127.0.0.1/localhost and a client certificate.
struct Hospital {
  Issued ca;
  Issued server;
  Issued client;
  std::string ca_file;
  CertFiles server_files;
  CertFiles client_files;
};

inline Hospital make_hospital(const TempDir& dir, const std::string& name) {
  Hospital h;
  h.ca = make_ca(name + " test CA");
  h.server = make_cert({name + " gateway", Usage::server, {"DNS:localhost", "IP:127.0.0.1"}}, generate_ec(), &h.ca);
  h.client = make_cert({name + "-client", Usage::client, {"URI:urn:fhirgw:client:" + name}}, generate_ec(), &h.ca);
  h.ca_file = dir.write(name + "-ca.pem", cert_pem(h.ca.cert.get()));
  h.server_files = write_cert(dir, name + "-server", h.server);
  h.client_files = write_cert(dir, name + "-client", h.client);
  return h;
}

}  // namespace fhirgw::testpki
