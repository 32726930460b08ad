// The server's TLS stream: tls::DirectTls (OpenSSL on the socket's descriptor) driven by Asio. A read is
// one SSL_read into the caller's buffer; when OpenSSL has no input, the ciphertext comes first from an
// ordinary Asio socket read (the same system calls as a plain HTTP read: the recv is attempted only when the
// socket may have data, and waiting for data costs no epoll change, unlike an async_wait). A write copies
// the caller's buffers into one block and makes one SSL_write of it (one TLS record and one send for a
// response up to 16 KB). It meets Asio's AsyncReadStream/AsyncWriteStream, so Beast's HTTP reader and
// writer run over it, and it has the timeout part of beast::tcp_stream the server uses (expires_after,
// then operations fail with beast::error::timeout and the socket is closed).
//
// Header-only templates over Asio and Beast: include it only in the translation unit that serves HTTP.
#pragma once

#include <algorithm>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "tls/direct_tls.h"

namespace fhirgw::tls {

class SocketStream {
 public:
  using executor_type = boost::asio::any_io_executor;
  using error_code = boost::system::error_code;
  using clock = std::chrono::steady_clock;

  // A server-side TLS connection over an accepted socket.
  SocketStream(boost::asio::ip::tcp::socket&& socket, SSL_CTX* ctx)
      : core_(std::make_shared<Core>(std::move(socket), ctx)) {}

  executor_type get_executor() { return core_->socket.get_executor(); }
  boost::asio::ip::tcp::socket& socket() { return core_->socket; }
  SSL* native_handle() { return core_->tls.ssl(); }

  // Operations still running or started after `d` from now fail with beast::error::timeout and the socket
  // is closed. One timer per connection, re-armed only when a deadline comes earlier than the armed one
  // (keep-alive requests move it later, so they cost no timer operation).
  void expires_after(clock::duration d) {
    Core& c = *core_;
    c.deadline = clock::now() + d;
    if (c.deadline < c.armed_until) arm(core_, c.deadline);
  }

  void close() {
    error_code ec;
    core_->timer.cancel();
    core_->socket.close(ec);
  }

  template <typename Token>
  auto async_handshake(Token&& token) {
    return run<false>([&tls = core_->tls] { return tls.handshake(); }, std::forward<Token>(token));
  }

  template <typename Token>
  auto async_shutdown(Token&& token) {
    return run<false>([&tls = core_->tls] { return tls.shutdown(); }, std::forward<Token>(token));
  }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    boost::asio::mutable_buffer into;
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::mutable_buffer b = *it;
      if (b.size() != 0) {
        into = b;
        break;
      }
    }
    return run<true>(
        [&tls = core_->tls, into]() -> IoResult {
          if (into.size() == 0) return {};
          if (tls.needs_input()) return {IoStep::want_read, 0, 0};  // an SSL_read would only say so
          return tls.read(into.data(), into.size());
        },
        std::forward<Token>(token));
  }

  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    // Gathered into one block, so header and body leave in one record (and one send).
    std::vector<char>& out = core_->pending_write;
    out.clear();
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::const_buffer b = *it;
      const std::size_t take = std::min(b.size(), kMaxWrite - out.size());
      const char* p = static_cast<const char*>(b.data());
      out.insert(out.end(), p, p + take);
      if (out.size() == kMaxWrite) break;
    }
    return run<true>(
        [&tls = core_->tls, &out]() -> IoResult {
          if (out.empty()) return {};
          return tls.write(out.data(), out.size());
        },
        std::forward<Token>(token));
  }

 private:
  static constexpr std::size_t kMaxWrite = 256 * 1024;  // bytes gathered per async_write_some

  struct Core {
    Core(boost::asio::ip::tcp::socket&& s, SSL_CTX* ctx)
        : socket(std::move(s)), tls(ctx, prepare(socket), true), timer(socket.get_executor()) {}
    static int prepare(boost::asio::ip::tcp::socket& s) {
      s.non_blocking(true);  // OpenSSL reads and writes the descriptor itself
      return s.native_handle();
    }
    boost::asio::ip::tcp::socket socket;
    DirectTls tls;
    boost::asio::steady_timer timer;
    clock::time_point deadline = clock::time_point::max();
    clock::time_point armed_until = clock::time_point::max();
    bool timed_out = false;
    std::vector<char> pending_write;
    // A socket read into the TLS input is pending. A second operation that needs input meanwhile (the
    // shutdown the server starts while a read waits for the next request) waits for readability instead:
    // two reads into the one input buffer could overwrite each other's bytes.
    bool reading = false;
  };

  static void arm(const std::shared_ptr<Core>& core, clock::time_point at) {
    core->armed_until = at;
    core->timer.expires_at(at);
    core->timer.async_wait([weak = std::weak_ptr<Core>(core), at](error_code ec) {
      const auto c = weak.lock();
      if (!c || ec || c->armed_until != at) return;  // cancelled or re-armed since
      c->armed_until = clock::time_point::max();
      if (clock::now() < c->deadline) return arm(c, c->deadline);
      c->timed_out = true;
      error_code ignored;
      c->socket.close(ignored);  // ends a pending readiness wait (operation_aborted -> timeout)
    });
  }

  static error_code to_error(const IoResult& r) {
    switch (r.step) {
      case IoStep::done: return {};
      case IoStep::eof: return boost::asio::error::eof;
      case IoStep::truncated: return boost::asio::ssl::error::stream_truncated;
      default: return {static_cast<int>(r.error), boost::asio::error::get_ssl_category()};
    }
  }

  // Runs `attempt` until it is done or fails. want_read: reads the socket into the TLS input (an Asio
  // read, completing with the byte count), or waits for readability while another operation's read is
  // pending; want_write: waits until the socket is writable. A result known
  // at once is posted, as Asio requires of an initiating function.
  template <bool WithBytes, typename Attempt>
  class Op {
   public:
    Op(Core& core, Attempt attempt) : core_(core), attempt_(std::move(attempt)) {}

    // Called to initiate (no arguments), after a socket read (error, bytes), after a wait (error), and
    // after the post of a result known at once.
    template <typename Self>
    void operator()(Self& self, error_code ec = {}, std::size_t received = 0) {
      const Phase phase = phase_;
      if (phase == Phase::posted) return finish(self, result_, bytes_);
      if (phase == Phase::reading) core_.reading = false;
      if (core_.timed_out) {
        ec = boost::beast::error::timeout;
      } else if (phase == Phase::reading && (!ec || ec == boost::asio::error::eof)) {
        if (ec) {
          core_.tls.received_eof();  // OpenSSL tells a close_notify before it from a truncation
        } else {
          core_.tls.received(received);
        }
        ec = {};
      } else if (!ec && !core_.socket.is_open()) {
        ec = boost::asio::error::bad_descriptor;
      }
      std::size_t bytes = 0;
      if (!ec) {
        const IoResult r = attempt_();
        if (r.step == IoStep::want_read && !core_.reading) {
          phase_ = Phase::reading;
          core_.reading = true;
          core_.socket.async_read_some(boost::asio::buffer(core_.tls.input_space(), DirectTls::input_capacity()),
                                       std::move(self));
          return;
        }
        if (r.step == IoStep::want_read || r.step == IoStep::want_write) {
          using wait = boost::asio::socket_base::wait_type;
          phase_ = Phase::waiting;
          core_.socket.async_wait(r.step == IoStep::want_read ? wait::wait_read : wait::wait_write, std::move(self));
          return;
        }
        ec = to_error(r);
        bytes = r.bytes;
      }
      if (phase != Phase::initiating) return finish(self, ec, bytes);
      phase_ = Phase::posted;
      result_ = ec;
      bytes_ = bytes;
      boost::asio::post(std::move(self));
    }

   private:
    enum class Phase { initiating, reading, waiting, posted };
    template <typename Self>
    static void finish(Self& self, error_code ec, std::size_t bytes) {
      if constexpr (WithBytes) {
        self.complete(ec, bytes);
      } else {
        self.complete(ec);
      }
    }
    Core& core_;
    Attempt attempt_;
    Phase phase_ = Phase::initiating;
    error_code result_;
    std::size_t bytes_ = 0;
  };

  template <bool WithBytes, typename Attempt, typename Token>
  auto run(Attempt attempt, Token&& token) {
    using Signature = std::conditional_t<WithBytes, void(error_code, std::size_t), void(error_code)>;
    return boost::asio::async_compose<Token, Signature>(Op<WithBytes, Attempt>(*core_, std::move(attempt)), token,
                                                        core_->socket);
  }

  std::shared_ptr<Core> core_;
};

}  // namespace fhirgw::tls
