#include "tls/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <filesystem>

#include "auth/keys.h"

namespace fhirgw::tls {
namespace {

// AES-128-GCM first, in both versions: mandatory-to-implement in TLS 1.3 (RFC 8446 §9.1), and 10 AES rounds
// per block instead of AES-256's 14 on every record. The server picks in this order, not the client's.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384";
constexpr unsigned char kSessionContext[] = "fhirgw";
constexpr long kSessionCacheSize = 10000;  // resumable sessions kept (the oldest go first)

auth::Error ssl_fail(std::string what) {
  const auto detail = auth::openssl_error_text();
  return auth::fail(detail.empty() ? what : what + " (" + detail + ")");
}

int no_passphrase(char*, int, int, void*) { return 0; }  // never prompt on a terminal

// The server context keeps its IdentityMap here so the verify callback can reach it.
int identity_index() {
  static const int index =
      SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
        delete static_cast<std::shared_ptr<const IdentityMap>*>(ptr);
      });
  return index;
}

int verify_known_client(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok != 1 || X509_STORE_CTX_get_error_depth(store) != 0) return preverify_ok;
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const auto* map = ssl == nullptr ? nullptr
                                   : static_cast<std::shared_ptr<const IdentityMap>*>(
                                         SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), identity_index()));
  if (map == nullptr || !*map) return 1;
  if ((*map)->client_for(certificate_names(X509_STORE_CTX_get_current_cert(store)))) return 1;
  X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
  return 0;
}

auth::Result<bool> common_setup(SSL_CTX* ctx) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 || SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1 || SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    return ssl_fail("cannot configure TLS versions and ciphers");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
  return true;
}

auth::Result<bool> load_identity(SSL_CTX* ctx, const std::string& chain, const std::string& key) {
  if (!std::filesystem::is_regular_file(chain)) return auth::fail("certificate file '" + chain + "' not found");
  if (!std::filesystem::is_regular_file(key)) return auth::fail("private key file '" + key + "' not found");
  if (SSL_CTX_use_certificate_chain_file(ctx, chain.c_str()) != 1) {
    return ssl_fail("cannot load certificate chain '" + chain + "'");
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    ERR_clear_error();  // may describe the key content; keep it out of messages
    if (mismatch) return auth::fail("private key '" + key + "' does not match certificate '" + chain + "'");
    return auth::fail("cannot load private key '" + key + "' (PEM, unencrypted expected)");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return auth::fail("private key '" + key + "' does not match certificate '" + chain + "'");
  }
  return true;
}

auth::Result<bool> load_ca(SSL_CTX* ctx, const std::string& ca) {
  if (!std::filesystem::is_regular_file(ca)) return auth::fail("CA file '" + ca + "' not found");
  if (SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr) != 1) {
    return ssl_fail("cannot load CA bundle '" + ca + "'");
  }
  return true;
}

}  // namespace

void SslCtxFree::operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }

auth::Result<SslCtxPtr> make_server_context(const ServerTlsConfig& config) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return ssl_fail("cannot create a TLS server context");
  if (auto r = common_setup(ctx.get()); !r) return std::move(r).error();
  if (auto r = load_identity(ctx.get(), config.certificate_chain_file, config.private_key_file); !r) {
    return std::move(r).error();
  }
  // Needed for session resumption when client certificates are verified.
  SSL_CTX_set_session_id_context(ctx.get(), kSessionContext, sizeof kSessionContext - 1);
  // TLS 1.3: one session ticket per handshake instead of OpenSSL's two (a client reconnecting one
  // connection at a time needs one; each ticket costs an encryption and a record on every handshake).
  SSL_CTX_set_num_tickets(ctx.get(), 1);
  // Stateful resumption: the ticket names a session kept in this server's cache. OpenSSL 3.0's stateless
  // ticket serializes the session and parses it back when it issues the ticket, and parses it again when
  // the client resumes; each parse decodes the client certificate's public key (OSSL_DECODER: about a
  // tenth of a full handshake's CPU and most of a resumed one's).
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(ctx.get(), kSessionCacheSize);
  if (!config.client_ca_file.empty()) {
    if (auto r = load_ca(ctx.get(), config.client_ca_file); !r) return std::move(r).error();
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.client_ca_file.c_str());
    if (names == nullptr) return ssl_fail("no CA names in '" + config.client_ca_file + "'");
    SSL_CTX_set_client_CA_list(ctx.get(), names);  // tells clients which certificate to send
    SSL_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
    SSL_CTX_set_verify_depth(ctx.get(), config.verify_depth);
    int mode = SSL_VERIFY_PEER;
    if (config.require_client_certificate) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    if (config.known_clients) {
      auto* holder = new std::shared_ptr<const IdentityMap>(config.known_clients);
      if (SSL_CTX_set_ex_data(ctx.get(), identity_index(), holder) != 1) {
        delete holder;
        return ssl_fail("cannot attach the client identity map");
      }
    }
    SSL_CTX_set_verify(ctx.get(), mode, verify_known_client);
  }
  return ctx;
}

auth::Result<SslCtxPtr> make_client_context(const ClientTlsConfig& config) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return ssl_fail("cannot create a TLS client context");
  if (auto r = common_setup(ctx.get()); !r) return std::move(r).error();
  if (config.ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) return ssl_fail("cannot load the system CA store");
  } else if (auto r = load_ca(ctx.get(), config.ca_file); !r) {
    return std::move(r).error();
  }
  if (!config.certificate_chain_file.empty() || !config.private_key_file.empty()) {
    if (auto r = load_identity(ctx.get(), config.certificate_chain_file, config.private_key_file); !r) {
      return std::move(r).error();
    }
  }
  SSL_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  SSL_CTX_set_verify_depth(ctx.get(), config.verify_depth);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  return ctx;
}

bool prepare_client_connection(SSL* ssl, std::string_view host) {
  std::string name(host);
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  // An IP literal is checked against the certificate's IP SANs and is never sent as SNI (RFC 6066 §3).
  if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) == 1) return true;
  ERR_clear_error();
  return SSL_set_tlsext_host_name(ssl, name.c_str()) == 1 && SSL_set1_host(ssl, name.c_str()) == 1;
}

std::string verify_result_text(const SSL* ssl) { return X509_verify_cert_error_string(SSL_get_verify_result(ssl)); }

}  // namespace fhirgw::tls
