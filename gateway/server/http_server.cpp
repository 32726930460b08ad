#include "server/http_server.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "auth/principal_memo.h"
#include "http/error_response.h"
#include "http/response_head.h"
#include "platform/thread_name.h"
#include "server/logging.h"
#include "tls/peer_identity.h"
#include "tls/socket_stream.h"
#include "tls/tls_context.h"

namespace fhirgw::server {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// What shutdown needs from a session of either kind (plain or TLS).
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void shutdown() = 0;
};

struct HttpServer::Impl {
  Impl(Application& a, const ServerConfig& c, Metrics& m)
      : app(a),
        config(c),
        metrics(m),
        ioc(c.threads),
        acceptor(net::make_strand(ioc)),
        signals(ioc, SIGINT, SIGTERM),
        shutdown_timer(ioc) {
    if (c.write_threads > 0) write_pool.emplace(static_cast<std::size_t>(c.write_threads));
  }

  void accept();
  void begin_shutdown();
  void watch_shutdown(std::chrono::steady_clock::time_point deadline);
  void track(const std::shared_ptr<SessionBase>& s);
  void load_tls(std::shared_ptr<const tls::IdentityMap> known);

  Application& app;
  const ServerConfig& config;
  Metrics& metrics;
  // Declared before ioc, so destroyed after it: destroying ioc destroys the handlers still queued in it (a
  // connection cut at the shutdown deadline), and with them Sessions whose destructors count themselves out.
  std::atomic<std::int64_t> sessions{0};
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::signal_set signals;
  net::steady_timer shutdown_timer;
  std::atomic<bool> stopping{false};
  std::mutex sessions_mutex;
  std::vector<std::weak_ptr<SessionBase>> session_list;
  std::size_t prune_at = 64;                   // track() drops closed sessions when the list reaches this size
  tls::SslCtxPtr tls;                          // set when serving HTTPS
  std::optional<net::thread_pool> write_pool;  // config.write_threads > 0
  std::shared_ptr<const tls::IdentityMap> identities = std::make_shared<tls::IdentityMap>();
};

namespace {

http::Request to_plain(bhttp::request<bhttp::string_body>&& in, const std::string& remote,
                       const auth::PeerCertificate& peer, auth::PrincipalMemo& memo) {
  http::Request r;
  r.peer = &peer;  // the Session's, which outlives the request
  r.principal_memo = &memo;
  r.method = std::string(in.method_string());
  r.target = std::string(in.target());
  for (const auto& field : in) r.headers.add(field.name_string(), std::string(field.value()));
  r.body = std::move(in.body());
  r.remote_address = remote;
  return r;
}

}  // namespace

// One connection. Stream is beast::tcp_stream (plain HTTP) or tls::SocketStream (HTTPS).
template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <typename... Extra>
  Session(tcp::socket&& socket, HttpServer::Impl& server, bool reject, Extra&&... extra)
      : stream_(std::move(socket), std::forward<Extra>(extra)...), server_(server), reject_(reject) {
    beast::error_code ec;
    const auto ep = lowest().socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    server_.sessions.fetch_add(1);
    if (!reject_) server_.metrics.connections.fetch_add(1);
  }
  ~Session() {
    server_.sessions.fetch_sub(1);
    if (!reject_) server_.metrics.connections.fetch_sub(1);
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      self->expire_in(std::chrono::milliseconds(self->server_.config.read_timeout_ms));  // the TLS handshake's
      self->watch();
      if constexpr (kTls) {
        self->stream_.async_handshake([self](beast::error_code ec) {
          if (ec) {
            // Not TLS, old protocol, no shared cipher, or a client certificate that is missing, expired,
            // self-signed, from another CA or of no known client. The reason names no secret.
            self->server_.metrics.tls_handshake_failures.fetch_add(1);
            log_info("tls_handshake_failed", tls::verify_result_text(self->stream_.native_handle()) + "; " +
                                                 ec.message() + "; from " + self->remote_);
            return self->close_socket();
          }
          if (SSL_session_reused(self->stream_.native_handle())) self->server_.metrics.tls_resumed.fetch_add(1);
          self->peer_ = tls::peer_certificate(self->stream_.native_handle(), *self->server_.identities);
          self->begin();
        });
      } else {
        self->begin();
      }
    });
  }

  // Called on shutdown: an idle connection is closed now, a busy one after its response.
  void shutdown() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (!self->busy_) self->close();
    });
  }

 private:
  auto& lowest() { return beast::get_lowest_layer(stream_); }

  // Timeouts: each step sets the connection's deadline (a plain store); one watchdog timer per connection
  // wakes at the deadline, and only if it has not moved since closes the socket, which fails the pending
  // operation. Beast's own stream timeouts would arm and cancel a timer for every read and write (a
  // cancelled wait is one more handler through the strand per operation).
  void expire_in(std::chrono::steady_clock::duration d) {
    deadline_ = std::chrono::steady_clock::now() + d;
    // Earlier than the watchdog wakes (a read timeout after an idle one): wake it then instead.
    if (watching_ && !closed_ && deadline_ < watchdog_.expiry()) {
      watchdog_.cancel();
      watch();
    }
  }

  void watch() {
    watching_ = true;
    watchdog_.expires_at(deadline_);
    watchdog_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;  // cancelled: the connection is closed, or re-armed earlier
      if (std::chrono::steady_clock::now() < self->deadline_) return self->watch();  // moved on since
      beast::error_code ignored;
      self->lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      self->lowest().socket().close(ignored);
    });
  }

  void begin() {
    if (reject_) {
      server_.metrics.rejected_connections.fetch_add(1);
      http::Response r = http::error_response(503, "too many connections; retry later");
      r.headers.set("retry-after", "1");
      send(std::move(r), 11, false);
    } else {
      read_header();
    }
  }

  void read_header() {
    if (server_.stopping) return close();
    busy_ = false;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.config.max_header_bytes));
    parser_->body_limit(server_.config.max_body_bytes);
    // Waiting for a new request: the idle timeout; a request already started: the read timeout.
    expire_in(std::chrono::milliseconds(buffer_.size() == 0 ? server_.config.idle_timeout_ms
                                                            : server_.config.read_timeout_ms));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, this->shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_error(ec);
    busy_ = true;
    // A request without a body (GET, HEAD, DELETE) is complete with its header: handle it now, not
    // through another read operation (a timer armed and cancelled, a completion posted to the strand).
    if (parser_->is_done()) return on_body({}, 0);
    expire_in(std::chrono::milliseconds(server_.config.read_timeout_ms));
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_body, this->shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec) return on_error(ec);
    auto req = parser_->release();
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    http::Request plain = to_plain(std::move(req), remote_, peer_, principal_memo_);
    const bool head_only = plain.method == "HEAD";
    if (server_.write_pool && plain.method != "GET" && !head_only && plain.method != "OPTIONS") {
      return handle_in_write_pool(std::move(plain), version, keep_alive);
    }
    http::Response res = server_.app.handle(plain);
    send(std::move(res), version, keep_alive && !server_.stopping, head_only);
  }

  // A write waits for its group commit's WAL sync (gateway/storage); in the write pool, not on an I/O
  // thread, so more writes meet in one commit while the I/O threads serve other requests. The
  // connection has no operation pending meanwhile (its next read starts after the answer is sent from
  // its strand); no read timeout runs while the handler does, and the I/O context is kept running.
  void handle_in_write_pool(http::Request&& plain, unsigned version, bool keep_alive) {
    deadline_ = std::chrono::steady_clock::time_point::max();
    net::post(*server_.write_pool, [self = this->shared_from_this(), plain = std::move(plain), version, keep_alive,
                                    work = net::make_work_guard(server_.ioc)]() mutable {
      thread_local const bool named = (platform::name_this_thread("fhirgw-write"), true);
      (void)named;
      http::Response res = self->server_.app.handle(plain);
      net::post(self->stream_.get_executor(), [self, res = std::move(res), version, keep_alive]() mutable {
        self->send(std::move(res), version, keep_alive && !self->server_.stopping);
      });
    });
  }

  void on_error(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
      return close();
    }
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      const bool header = ec != bhttp::error::body_limit;
      http::Response r = http::error_response(
          413, header
                   ? "the request header is larger than " + std::to_string(server_.config.max_header_bytes) + " bytes"
                   : "the request body is larger than " + std::to_string(server_.config.max_body_bytes) + " bytes");
      return send(std::move(r), 11, false);
    }
    // Anything else is a malformed request.
    return send(http::error_response(400, "malformed HTTP request"), 11, false);
  }

  // The head is formatted once (http/response_head.h) and sent with the body in one gather write; the
  // body goes out from the response's own string. `head_only` (a HEAD request): the head alone, its
  // Content-Length that of the body a GET would get (RFC 9110 §9.3.2, §8.6).
  void send(http::Response&& r, unsigned version, bool keep_alive, bool head_only = false) {
    busy_ = true;
    head_ = http::response_head(r, version, keep_alive);
    body_ = head_only ? std::string() : std::move(r.body);
    expire_in(std::chrono::milliseconds(server_.config.read_timeout_ms));
    const std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
    net::async_write(stream_, buffers,
                     [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                       self->body_ = {};
                       if (ec) return self->close();
                       if (!keep_alive) return self->lingering_close();
                       self->read_header();
                     });
  }

  // Half-close, then read and drop what the client still sends (e.g. the rest of a body over the
  // limit) so the kernel does not reset the connection before the client has read our answer.
  void lingering_close() {
    if constexpr (kTls) {
      return close();  // the TLS close_notify exchange takes this role
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      expire_in(std::chrono::seconds(2));
      drain_ = std::make_shared<std::array<char, 4096>>();
      drain();
    }
  }

  void drain() {
    lowest().async_read_some(net::buffer(*drain_),
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               if (ec) return self->close_socket();
                               self->drain();
                             });
  }

  void close() {
    busy_ = false;
    if constexpr (kTls) {
      if (!closing_) {
        closing_ = true;
        expire_in(std::chrono::seconds(2));
        stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_socket(); });
        return;
      }
    }
    close_socket();
  }

  void close_socket() {
    busy_ = false;
    closed_ = true;
    watchdog_.cancel();
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    lowest().close();
  }

  Stream stream_;
  beast::flat_buffer buffer_{64 * 1024};  // also bounds how much a pipelining client can queue
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string head_;  // of the response being written (its buffer is reused by the next one)
  std::string body_;
  std::shared_ptr<std::array<char, 4096>> drain_;
  HttpServer::Impl& server_;
  std::string remote_;
  auth::PeerCertificate peer_;          // the verified client certificate of this connection (TLS only)
  auth::PrincipalMemo principal_memo_;  // its last Authorization header and the principal it gave
  net::steady_timer watchdog_{stream_.get_executor()};
  std::chrono::steady_clock::time_point deadline_{};
  bool watching_ = false;
  bool closed_ = false;
  bool reject_ = false;
  bool busy_ = false;
  bool closing_ = false;
};

void HttpServer::Impl::track(const std::shared_ptr<SessionBase>& s) {
  std::lock_guard lock(sessions_mutex);
  // Dropping closed sessions scans the whole list: only when it has doubled since the last scan, so an
  // accept costs O(1) amortized, not O(open connections).
  if (session_list.size() >= prune_at) {
    std::erase_if(session_list, [](const auto& w) { return w.expired(); });
    prune_at = std::max<std::size_t>(64, 2 * session_list.size());
  }
  session_list.push_back(s);
}

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (stopping || ec == net::error::operation_aborted) return;
      log_warn("accept_failed", ec.message());
    } else {
      // Each response (and each TLS handshake flight) is written whole: Nagle's algorithm would only hold
      // a small write back until the client's delayed ACK (up to 40 ms; it stalled TLS handshakes).
      beast::error_code nodelay_ec;
      socket.set_option(tcp::no_delay(true), nodelay_ec);
      const bool over_cap = static_cast<std::size_t>(metrics.connections.load()) >= config.max_connections;
      if (tls) {
        try {
          auto s = std::make_shared<Session<tls::SocketStream>>(std::move(socket), *this, over_cap, tls.get());
          if (!over_cap) track(s);
          s->start();
        } catch (const std::exception& e) {
          log_warn("accept_failed", e.what());
        }
      } else {
        auto s = std::make_shared<Session<beast::tcp_stream>>(std::move(socket), *this, over_cap);
        if (!over_cap) track(s);
        s->start();
      }
    }
    if (!stopping) accept();
  });
}

void HttpServer::Impl::begin_shutdown() {
  if (stopping.exchange(true)) return;
  log_info("shutdown_started");
  net::post(acceptor.get_executor(), [this] {
    beast::error_code ec;
    acceptor.close(ec);
  });
  signals.cancel();
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(sessions_mutex);
    for (auto& w : session_list) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->shutdown();
  watch_shutdown(std::chrono::steady_clock::now() + std::chrono::milliseconds(config.shutdown_grace_ms));
}

void HttpServer::Impl::watch_shutdown(std::chrono::steady_clock::time_point deadline) {
  if (sessions.load() == 0 || std::chrono::steady_clock::now() >= deadline) {
    if (sessions.load() != 0) log_warn("shutdown_deadline", std::to_string(sessions.load()) + " connections cut");
    ioc.stop();
    return;
  }
  shutdown_timer.expires_after(std::chrono::milliseconds(20));
  shutdown_timer.async_wait([this, deadline](beast::error_code) { watch_shutdown(deadline); });
}

// Certificate chain, key and (for mTLS) client CA from PEM files; protocol and cipher policy in
// tls/tls_context.cpp. Session tickets stay on (OpenSSL's default), so clients can resume.
void HttpServer::Impl::load_tls(std::shared_ptr<const tls::IdentityMap> known) {
  if (config.tls_cert_file.empty() || tls) return;
  if (known) identities = known;
  tls::ServerTlsConfig c;
  c.certificate_chain_file = config.tls_cert_file;
  c.private_key_file = config.tls_key_file;
  c.client_ca_file = config.tls_client_ca_file;
  c.require_client_certificate = config.tls_require_client_cert;
  c.verify_depth = config.tls_verify_depth;
  if (config.tls_known_clients_only && !config.tls_client_ca_file.empty()) c.known_clients = identities;
  auto ctx = tls::make_server_context(c);
  if (!ctx) throw std::runtime_error(ctx.error().reason);
  tls = std::move(ctx).value();
}

HttpServer::HttpServer(Application& app, const ServerConfig& config, Metrics& metrics)
    : impl_(std::make_unique<Impl>(app, config, metrics)) {}

HttpServer::~HttpServer() = default;

void HttpServer::prepare_tls(std::shared_ptr<const tls::IdentityMap> identities) {
  impl_->load_tls(std::move(identities));
}

std::uint16_t HttpServer::bind() {
  beast::error_code ec;
  net::ip::address address;
  if (impl_->config.listen_host == "localhost") {
    address = net::ip::make_address("127.0.0.1");
  } else {
    address = net::ip::make_address(impl_->config.listen_host, ec);
    if (ec) throw std::runtime_error("listen address '" + impl_->config.listen_host + "' is not an IP address");
  }
  const tcp::endpoint endpoint{address, impl_->config.listen_port};
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + impl_->config.listen_host + ":" +
                             std::to_string(impl_->config.listen_port) + ": " + ec.message());
  }
  return a.local_endpoint().port();
}

void HttpServer::run() {
  impl_->load_tls(nullptr);
  impl_->signals.async_wait([this](beast::error_code ec, int) {
    if (!ec) impl_->begin_shutdown();
  });
  impl_->accept();
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->config.threads; ++i) {
    threads.emplace_back([this] {
      platform::name_this_thread("fhirgw-io");
      impl_->ioc.run();
    });
  }
  impl_->ioc.run();
  for (auto& t : threads) t.join();
  if (impl_->write_pool) impl_->write_pool->join();
}

void HttpServer::stop() {
  net::post(impl_->ioc, [this] { impl_->begin_shutdown(); });
}

}  // namespace fhirgw::server
