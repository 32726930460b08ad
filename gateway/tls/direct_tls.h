// OpenSSL straight on a non-blocking socket descriptor: SSL_read/SSL_write/SSL_do_handshake/SSL_shutdown
// read and write the socket themselves (a small BIO that uses recv/send with MSG_NOSIGNAL), so there is no
// BIO pair to copy through and no engine state machine around each call. Each call either finishes or says
// which readiness it waits for; tls/socket_stream.h drives that with Asio. No Asio here.
#pragma once

#include <openssl/types.h>

#include <cstddef>

namespace fhirgw::tls {

enum class IoStep {
  done,        // finished; `bytes` were read or written
  want_read,   // call again when the socket is readable
  want_write,  // call again when the socket is writable
  eof,         // the peer closed the TLS session with close_notify
  truncated,   // the peer closed the connection without close_notify
  failed,      // TLS protocol or verification error; `error` is the OpenSSL error code (ERR_get_error)
};

struct IoResult {
  IoStep step = IoStep::done;
  std::size_t bytes = 0;
  unsigned long error = 0;
};

class DirectTls {
 public:
  // `fd` must be non-blocking and stays owned by the caller. The SSL takes its own reference on `ctx`.
  // Throws std::runtime_error when OpenSSL cannot allocate the connection.
  DirectTls(SSL_CTX* ctx, int fd, bool server);
  ~DirectTls();
  DirectTls(const DirectTls&) = delete;
  DirectTls& operator=(const DirectTls&) = delete;

  SSL* ssl() const { return ssl_; }

  IoResult handshake();
  // One call returns the plaintext of at most one TLS record (read-ahead is on, so a whole request usually
  // arrives with one recv).
  IoResult read(void* data, std::size_t size);
  // All of `size` or a want_*: then call again with the same bytes.
  IoResult write(const void* data, std::size_t size);
  // Sends close_notify, then waits for the peer's; done also when the peer has gone.
  IoResult shutdown();

 private:
  IoResult outcome(int ret, std::size_t bytes);
  SSL* ssl_ = nullptr;
};

}  // namespace fhirgw::tls
