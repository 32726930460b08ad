#include "tls/direct_tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace fhirgw::tls {
namespace {

Channel& channel_of(BIO* b) { return *static_cast<Channel*>(BIO_get_data(b)); }

// SSL_get_error needs an empty error queue before each call. ERR_clear_error resets all 16 slots of the
// thread's queue (hundreds of instructions in OpenSSL 3.0, twice per request); a peek says it is empty.
void clear_errors() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

bool would_block() { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR; }

// OpenSSL's own socket BIO writes with write(2), which raises SIGPIPE when the peer has gone; send() with
// MSG_NOSIGNAL does not.
int bio_write(BIO* b, const char* data, std::size_t size, std::size_t* written) {
  BIO_clear_retry_flags(b);
  const ssize_t n = ::send(channel_of(b).fd, data, size, MSG_NOSIGNAL);
  if (n >= 0) {
    *written = static_cast<std::size_t>(n);
    return 1;
  }
  if (would_block()) BIO_set_retry_write(b);
  return 0;
}

// From the input buffer only; when it is empty, "retry": the owner reads the socket (no system call here).
int bio_read(BIO* b, char* data, std::size_t size, std::size_t* read) {
  BIO_clear_retry_flags(b);
  Channel& in = channel_of(b);
  if (in.begin == in.end) {
    if (!in.eof) BIO_set_retry_read(b);
    return 0;  // at eof: the peer closed the connection (OpenSSL reports SSL_ERROR_SYSCALL)
  }
  const std::size_t n = std::min(size, in.end - in.begin);
  std::memcpy(data, in.input.get() + in.begin, n);
  in.begin += n;
  *read = n;
  return 1;
}

long bio_ctrl(BIO* b, int cmd, long, void*) {
  switch (cmd) {
    case BIO_CTRL_FLUSH: return 1;
    case BIO_CTRL_PENDING: {
      const Channel& in = channel_of(b);
      return static_cast<long>(in.end - in.begin);
    }
    case BIO_CTRL_EOF: {
      const Channel& in = channel_of(b);
      return in.eof && in.begin == in.end ? 1 : 0;
    }
    default: return 0;
  }
}

int bio_create(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

const BIO_METHOD* socket_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "fhirgw socket");
    if (m == nullptr) return m;
    BIO_meth_set_write_ex(m, bio_write);
    BIO_meth_set_read_ex(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    return m;
  }();
  return method;
}

}  // namespace

DirectTls::DirectTls(SSL_CTX* ctx, int fd, bool server) {
  const BIO_METHOD* method = socket_method();
  BIO* bio = method ? BIO_new(method) : nullptr;
  ssl_ = bio ? SSL_new(ctx) : nullptr;
  if (ssl_ == nullptr) {
    BIO_free(bio);
    throw std::runtime_error("TLS: out of memory for a connection");
  }
  channel_.fd = fd;
  BIO_set_data(bio, &channel_);
  SSL_set_bio(ssl_, bio, bio);  // the SSL owns the BIO; the BIO never closes the descriptor
  // Take all the input there is in one BIO read, instead of a record header and then its body.
  SSL_set_read_ahead(ssl_, 1);
  if (server) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
  }
}

DirectTls::~DirectTls() { SSL_free(ssl_); }

bool DirectTls::needs_input() const {
  return channel_.begin == channel_.end && !channel_.eof && SSL_has_pending(ssl_) == 0;
}

IoResult DirectTls::outcome(int ret, std::size_t bytes) {
  if (ret > 0) return {IoStep::done, bytes, 0};
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ: return {IoStep::want_read, 0, 0};
    case SSL_ERROR_WANT_WRITE: return {IoStep::want_write, 0, 0};
    case SSL_ERROR_ZERO_RETURN: return {IoStep::eof, 0, 0};
    case SSL_ERROR_SYSCALL: {
      const unsigned long e = ERR_get_error();
      return e == 0 ? IoResult{IoStep::truncated, 0, 0} : IoResult{IoStep::failed, 0, e};
    }
    default: {
      const unsigned long e = ERR_get_error();
      if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) return {IoStep::truncated, 0, 0};
      return {IoStep::failed, 0, e};
    }
  }
}

IoResult DirectTls::handshake() {
  clear_errors();
  return outcome(SSL_do_handshake(ssl_), 0);
}

IoResult DirectTls::read(void* data, std::size_t size) {
  clear_errors();
  std::size_t n = 0;
  const int r = SSL_read_ex(ssl_, data, size, &n);
  return outcome(r, n);
}

IoResult DirectTls::write(const void* data, std::size_t size) {
  clear_errors();
  std::size_t n = 0;
  const int r = SSL_write_ex(ssl_, data, size, &n);
  return outcome(r, n);
}

IoResult DirectTls::shutdown() {
  for (int attempt = 0; attempt < 2; ++attempt) {
    clear_errors();
    const int r = SSL_shutdown(ssl_);
    if (r == 1) return {IoStep::done, 0, 0};
    if (r == 0) continue;  // our close_notify is out; the next call reads the peer's
    const IoResult o = outcome(r, 0);
    if (o.step == IoStep::want_read || o.step == IoStep::want_write) return o;
    return {IoStep::done, 0, 0};  // the peer has gone or sent something else: nothing left to wait for
  }
  return {IoStep::want_read, 0, 0};
}

}  // namespace fhirgw::tls
