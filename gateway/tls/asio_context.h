// Hands an OpenSSL context built by tls_context.h to Boost.Asio. Header-only and kept apart so that only
// the few translation units that already use Asio SSL include it (each costs seconds to compile).
//
//   auto ctx = tls::make_server_context(cfg);                  // auth::Result<SslCtxPtr>
//   boost::asio::ssl::context asio_ctx = tls::to_asio(std::move(ctx).value());
//   ... ssl::stream<tcp::socket> s(socket, asio_ctx); after the handshake:
//   auth::PeerCertificate peer = tls::peer_certificate(s.native_handle(), identities);
#pragma once

#include <boost/asio/ssl/context.hpp>

#include "tls/tls_context.h"

namespace fhirgw::tls {

// Asio takes ownership and frees the context with SSL_CTX_free.
inline boost::asio::ssl::context to_asio(SslCtxPtr ctx) { return boost::asio::ssl::context(ctx.release()); }

}  // namespace fhirgw::tls
