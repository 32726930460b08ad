// OpenSSL on a non-blocking socket descriptor without Asio's SSL engine: each SSL_read/SSL_write/
// SSL_do_handshake/SSL_shutdown call either finishes or says what it waits for; tls/socket_stream.h drives
// that with Asio. No Asio here.
//
// Writes go straight to the socket (a small BIO that uses send with MSG_NOSIGNAL). Reads come from an input
// buffer the owner fills: when a call says want_read, the owner reads the socket into input_space() (with
// Asio's ordinary socket read, which attempts the recv only when the socket may have data and needs no
// epoll change) and reports it with received() or received_eof(). So an HTTPS request costs the server the
// same system calls as a plain one: no recv that fails with EAGAIN, no epoll_ctl for a readiness wait.
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <memory>

namespace fhirgw::tls {

enum class IoStep {
  done,        // finished; `bytes` were read or written
  want_read,   // fill the input (input_space, received), then call again
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

// What the connection's BIO works on: the socket it writes to, and the ciphertext read from the socket that
// OpenSSL has not taken yet.
struct Channel {
  static constexpr std::size_t kCapacity = 17 * 1024;  // a whole TLS record (16 KiB + overhead) per read
  int fd = -1;
  std::unique_ptr<char[]> input = std::make_unique<char[]>(kCapacity);
  std::size_t begin = 0;
  std::size_t end = 0;
  bool eof = false;  // the peer closed the connection: after what is buffered, there is no more
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
  // One call returns the plaintext of at most one TLS record.
  IoResult read(void* data, std::size_t size);
  // All of `size` or a want_*: then call again with the same bytes.
  IoResult write(const void* data, std::size_t size);
  // Sends close_notify, then waits for the peer's; done also when the peer has gone.
  IoResult shutdown();

  // Where to read the socket to when a call said want_read (OpenSSL has taken all earlier input then).
  char* input_space() { return channel_.input.get(); }
  static constexpr std::size_t input_capacity() { return Channel::kCapacity; }
  void received(std::size_t bytes) {
    channel_.begin = 0;
    channel_.end = bytes;
  }
  void received_eof() { channel_.eof = true; }
  // True when a read would ask for input at once: no ciphertext is buffered here or in OpenSSL, and no
  // plaintext is waiting. Lets a read skip the call into OpenSSL that would only say want_read.
  bool needs_input() const;

 private:
  IoResult outcome(int ret, std::size_t bytes);
  Channel channel_;
  SSL* ssl_ = nullptr;
};

}  // namespace fhirgw::tls
