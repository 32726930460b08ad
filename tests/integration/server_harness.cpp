#include "server_harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>

#include "fhir/json/parser.h"

namespace fhirgw::testing {

TempDir::TempDir() {
  std::random_device rd;
  path_ =
      (std::filesystem::temp_directory_path() / ("fhirgw-it-" + std::to_string(rd()) + std::to_string(rd()))).string();
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string write_config(const TempDir& dir, const std::string& json, const std::string& name) {
  const std::string path = dir.path() + "/" + name;
  std::ofstream out(path, std::ios::binary);
  out << json;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
  return path;
}

ServerProcess::ServerProcess(const std::string& data_dir, std::vector<std::string> extra_args) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  // FHIRGW_SERVER_BINARY runs another build of the server (A/B benchmarks against a saved binary of main).
  const char* other = std::getenv("FHIRGW_SERVER_BINARY");
  std::vector<std::string> args{
      other && *other ? other : FHIRGW_BINARY, "serve", "--listen", "127.0.0.1:0", "--data", data_dir};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = fork();
  if (pid_ == 0) {
    signal(SIGPIPE, SIG_DFL);  // the server must cope with SIGPIPE itself, whatever the test process does
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  // Read until the "listening on http://127.0.0.1:PORT" line.
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1) {
    if (c == '\n') {
      const auto colon = line.rfind(':');
      if (line.starts_with("listening on ") && colon != std::string::npos) {
        port_ = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
        break;
      }
      line.clear();
    } else {
      line += c;
    }
  }
  close(out[0]);
  if (port_ == 0) {
    kill_hard();
    throw std::runtime_error("fhirgw serve did not report a port");
  }
}

ServerProcess::~ServerProcess() { kill_hard(); }

void ServerProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ServerProcess::terminate_and_wait() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool ServerProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string HttpResponse::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

Client::Client(std::uint16_t port) { connect_tcp(port); }

namespace {

// One client SSL_CTX per (CA, certificate, key), shared by every Client (contexts are costly to load).
std::shared_ptr<void> client_context(const TlsOptions& tls, bool& ok) {
  static std::mutex mutex;
  static std::map<std::string, std::pair<std::shared_ptr<void>, bool>> contexts;
  const std::string key = tls.ca_file + "|" + tls.cert_file + "|" + tls.key_file;
  std::lock_guard lock(mutex);
  if (auto it = contexts.find(key); it != contexts.end()) {
    ok = it->second.second;
    return it->second.first;
  }
  // SSL_shutdown and SSL_write write(2) to the socket: a server that has already closed it must not kill the
  // test with SIGPIPE (the error is reported instead).
  signal(SIGPIPE, SIG_IGN);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  std::shared_ptr<void> owned(ctx, [](void* p) { SSL_CTX_free(static_cast<SSL_CTX*>(p)); });
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  // One recv per record (not a header read, then a body read), so an HTTPS request costs the client the
  // same system calls as a plain one (benchmarks compare the two).
  SSL_CTX_set_read_ahead(ctx, 1);
  ok = SSL_CTX_load_verify_locations(ctx, tls.ca_file.c_str(), nullptr) == 1;
  if (ok && !tls.cert_file.empty()) {
    ok = SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) == 1 &&
         SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) == 1;
  }
  contexts.emplace(key, std::make_pair(owned, ok));
  return owned;
}

}  // namespace

Client::Client(std::uint16_t port, const TlsOptions& tls) {
  connect_tcp(port);
  if (fd_ < 0) return;
  bool ok = false;
  ssl_ctx_ = client_context(tls, ok);
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ssl_ctx_.get()));
  ssl_.reset(ssl, [](void* p) { SSL_free(static_cast<SSL*>(p)); });
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1");
  SSL_set_fd(ssl, fd_);
  if (tls.session) SSL_set_session(ssl, static_cast<SSL_SESSION*>(tls.session.get()));
  // With TLS 1.3 the server checks the client certificate after the client's handshake finished: a refusal
  // arrives as an alert on the first read. Reading once (with a short timeout) surfaces it here.
  const bool handshake_done = ok && SSL_connect(ssl) == 1;
  if (handshake_done && !tls.probe_refusal) return;
  if (handshake_done) {
    timeval brief{0, 300'000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &brief, sizeof brief);
    char probe;
    const int n = SSL_peek(ssl, &probe, 1);
    const int err = n > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, n);
    timeval tv{60, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (err == SSL_ERROR_NONE || (err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK)) ||
        err == SSL_ERROR_WANT_READ) {
      ERR_clear_error();
      return;
    }
  }
  const unsigned long e = ERR_get_error();
  char text[256] = "handshake failed";
  if (e != 0) ERR_error_string_n(e, text, sizeof text);
  tls_error_ = text;
  close(fd_);
  fd_ = -1;
}

std::shared_ptr<void> Client::session() const {
  if (!ssl_) return {};
  SSL_SESSION* s = SSL_get1_session(static_cast<SSL*>(ssl_.get()));
  if (!s) return {};
  return std::shared_ptr<void>(s, [](void* p) { SSL_SESSION_free(static_cast<SSL_SESSION*>(p)); });
}

std::string Client::tls_cipher() const {
  if (!ssl_) return {};
  const SSL* ssl = static_cast<const SSL*>(ssl_.get());
  return std::string(SSL_get_version(ssl)) + " " + SSL_get_cipher_name(ssl);
}

bool Client::resumed() const { return ssl_ && SSL_session_reused(static_cast<SSL*>(ssl_.get())) == 1; }

void Client::connect_tcp(std::uint16_t port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{60, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

Client::~Client() {
  if (fd_ >= 0) {
    if (ssl_) SSL_shutdown(static_cast<SSL*>(ssl_.get()));  // close_notify: the session stays resumable
    close(fd_);
  }
}

void Client::drop() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool Client::send_all(const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const long n =
        ssl_ ? SSL_write(static_cast<SSL*>(ssl_.get()), data.data() + sent, static_cast<int>(data.size() - sent))
             : send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

long Client::recv_some(char* buf, std::size_t size) {
  if (ssl_) return SSL_read(static_cast<SSL*>(ssl_.get()), buf, static_cast<int>(size));
  return recv(fd_, buf, size, 0);
}

std::optional<HttpResponse> Client::read_response(bool head_request) {
  auto fill = [&]() {
    char buf[65536];
    const long n = recv_some(buf, sizeof buf);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return std::nullopt;
  }
  HttpResponse r;
  const std::string head = buffer_.substr(0, header_end);
  std::size_t pos = head.find("\r\n");
  const std::string status_line = head.substr(0, pos);
  r.status = std::stoi(status_line.substr(status_line.find(' ') + 1, 3));
  while (pos != std::string::npos && pos < head.size()) {
    const std::size_t next = head.find("\r\n", pos + 2);
    const std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers[name] = value;
    }
    pos = next;
  }
  buffer_.erase(0, header_end + 4);
  const std::size_t length =
      !head_request && r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
  while (buffer_.size() < length) {
    if (!fill()) return std::nullopt;
  }
  r.body = buffer_.substr(0, length);
  buffer_.erase(0, length);
  return r;
}

HttpResponse Client::request(const std::string& method, const std::string& target, const std::string& body,
                             const std::map<std::string, std::string>& headers) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  bool has_ct = false;
  for (const auto& [k, v] : headers) {
    req += k + ": " + v + "\r\n";
    has_ct |= strcasecmp(k.c_str(), "content-type") == 0;
  }
  if (!body.empty() && !has_ct) req += "Content-Type: application/fhir+json\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  if (fd_ < 0 || !send_all(req)) return {};
  auto r = read_response(method == "HEAD");
  return r ? *r : HttpResponse{};
}

std::vector<HttpResponse> Client::raw(const std::string& bytes, std::size_t count) {
  std::vector<HttpResponse> out;
  if (fd_ < 0 || !send_all(bytes)) return out;
  for (std::size_t i = 0; i < count; ++i) {
    auto r = read_response();
    if (!r) break;
    out.push_back(std::move(*r));
  }
  return out;
}

std::string json_member(const std::string& json, const std::string& key) {
  auto parsed = fhir::json::parse(json);
  if (!parsed || !parsed.document->root().is_object()) return {};
  const auto* v = parsed.document->root().find(key);
  return v && v->is_primitive() ? std::string(v->text()) : std::string();
}

}  // namespace fhirgw::testing
