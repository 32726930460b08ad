#include "outbox/peer_client.h"

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <utility>

#include "tls/asio_context.h"

namespace fhirgw::outbox {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

bool parse_peer_url(const std::string& url, PeerUrl& out) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return false;
  const auto scheme = parsed->scheme();
  if (scheme != "http" && scheme != "https") return false;
  out.https = scheme == "https";
  out.host = parsed->host_address();
  if (out.host.empty()) return false;
  out.port = parsed->has_port() ? std::string(parsed->port()) : (out.https ? "443" : "80");
  out.path = std::string(parsed->encoded_path());
  while (out.path.ends_with('/')) out.path.pop_back();
  return true;
}

struct PeerClient::Impl {
  net::io_context ioc;
  std::atomic<bool> aborted{false};
  std::optional<net::ssl::context> tls;
  std::chrono::milliseconds timeout;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  // Runs the io_context until the started operation completed; returns its error.
  template <typename Start>
  beast::error_code run(Start&& start) {
    beast::error_code result = net::error::operation_aborted;  // unless the operation completes
    if (aborted) return result;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  bool connected() const { return plain.has_value() || secure.has_value(); }

  void drop() {
    beast::error_code ignored;
    if (plain) plain->socket().close(ignored);
    if (secure) beast::get_lowest_layer(*secure).socket().close(ignored);
    plain.reset();
    secure.reset();
    buffer.clear();
  }

  std::string connect(const PeerUrl& url) {
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(url.host, url.port, ec);
    if (ec) return "cannot resolve " + url.host + ": " + ec.message();
    if (tls) {
      secure.emplace(ioc, *tls);
    } else {
      plain.emplace(ioc);
    }
    lowest().expires_after(timeout);
    ec = run([&](auto handler) { lowest().async_connect(endpoints, handler); });
    if (ec) {
      drop();
      return "cannot connect to " + url.host + ":" + url.port + ": " + ec.message();
    }
    lowest().socket().set_option(tcp::no_delay(true), ec);
    if (secure) {
      if (!tls::prepare_client_connection(secure->native_handle(), url.host)) {
        drop();
        return "cannot set up TLS for " + url.host;
      }
      ec = run([&](auto handler) { secure->async_handshake(net::ssl::stream_base::client, handler); });
      if (ec) {
        drop();
        return "TLS handshake with " + url.host + ":" + url.port + " failed: " + ec.message();
      }
    }
    return {};
  }

  template <typename Stream>
  beast::error_code exchange(Stream& s, bhttp::request<bhttp::string_body>& req,
                             bhttp::response<bhttp::string_body>& res) {
    lowest().expires_after(timeout);
    auto ec = run([&](auto handler) { bhttp::async_write(s, req, handler); });
    if (ec) return ec;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    ec = run([&](auto handler) { bhttp::async_read(s, buffer, parser, handler); });
    if (!ec) res = parser.release();
    return ec;
  }
};

PeerClient::PeerClient(PeerUrl url, const ClientTls& tls, std::int64_t timeout_ms)
    : url_(std::move(url)), impl_(std::make_unique<Impl>()) {
  impl_->timeout = std::chrono::milliseconds(timeout_ms);
  if (url_.https) {
    auto ctx = tls::make_client_context({tls.ca_file, tls.cert_file, tls.key_file});
    if (!ctx) throw std::runtime_error(ctx.error().reason);
    impl_->tls.emplace(tls::to_asio(std::move(ctx).value()));
  }
}

PeerClient::~PeerClient() { close(); }

std::string PeerClient::connect() { return impl_->connected() ? std::string() : impl_->connect(url_); }

void PeerClient::close() { impl_->drop(); }

void PeerClient::abort() {
  impl_->aborted = true;
  impl_->ioc.stop();
}

HttpExchange PeerClient::post(const std::string& target, const std::string& content_type, std::string body,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpExchange out;
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, target, 11};
  req.set(bhttp::field::host, url_.host + ":" + url_.port);
  req.set(bhttp::field::content_type, content_type);
  req.set(bhttp::field::accept, "application/fhir+json, application/json");
  req.set(bhttp::field::user_agent, "fhirgw-outbox");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.keep_alive(true);
  req.body() = std::move(body);
  req.prepare_payload();

  // A kept-alive connection the peer closed meanwhile fails on first use: one fresh attempt then.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = impl_->connected();
    if (!reused) {
      if (auto err = impl_->connect(url_); !err.empty()) {
        out.error = err;
        return out;
      }
    }
    bhttp::response<bhttp::string_body> res;
    const auto ec =
        impl_->secure ? impl_->exchange(*impl_->secure, req, res) : impl_->exchange(*impl_->plain, req, res);
    if (ec) {
      impl_->drop();
      out.error = "request to " + url_.host + ":" + url_.port + " failed: " + ec.message();
      if (reused && ec != beast::error::timeout) continue;
      return out;
    }
    out.sent = true;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    if (const auto it = res.find(bhttp::field::retry_after); it != res.end())
      out.retry_after = std::string(it->value());
    if (!res.keep_alive()) impl_->drop();
    return out;
  }
  return out;
}

}  // namespace fhirgw::outbox
