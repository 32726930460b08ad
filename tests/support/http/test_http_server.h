// A small real HTTP/1.1 server for tests that need a peer with programmed behaviour (fault injection, a
// token endpoint): a loopback socket on a free port, one thread per connection, keep-alive, bodies by
// Content-Length. The handler gets each request and returns the response. Header-only, POSIX sockets.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fhirgw::testhttp {

struct Request {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// A listening TCP socket on 127.0.0.1 and a free port (the kernel picks it).
inline int listen_loopback(std::uint16_t& port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  listen(fd, 16);
  return fd;
}

class Server {
 public:
  using Handler = std::function<Response(const Request&)>;

  explicit Server(Handler handler) : handler_(std::move(handler)) {
    listener_ = listen_loopback(port_);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~Server() {
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    acceptor_.join();
    {
      std::lock_guard lock(mutex_);
      for (int fd : connections_) shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
    for (int fd : connections_) close(fd);
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const { return port_; }
  std::size_t requests() const { return requests_.load(); }

 private:
  void accept_loop() {
    while (true) {
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      std::lock_guard lock(mutex_);
      connections_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  // Reads until `buffer` holds `want` bytes; false when the peer closed.
  static bool fill(int fd, std::string& buffer, std::size_t want) {
    char chunk[65536];
    while (buffer.size() < want) {
      const ssize_t n = read(fd, chunk, sizeof chunk);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    return true;
  }

  void serve(int fd) {
    std::string buffer;
    while (true) {
      std::size_t header_end;
      while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!fill(fd, buffer, buffer.size() + 1)) return;
      }
      Request req;
      std::istringstream lines(buffer.substr(0, header_end));
      std::string line;
      std::getline(lines, line);
      std::istringstream request_line(line);
      request_line >> req.method >> req.target;
      while (std::getline(lines, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        if (!value.empty() && value.back() == '\r') value.pop_back();
        req.headers[name] = value;
      }
      const std::size_t length = req.headers.count("content-length") ? std::stoul(req.headers["content-length"]) : 0;
      if (!fill(fd, buffer, header_end + 4 + length)) return;
      req.body = buffer.substr(header_end + 4, length);
      buffer.erase(0, header_end + 4 + length);
      ++requests_;
      const Response res = handler_(req);
      std::string out = "HTTP/1.1 " + std::to_string(res.status) + " X\r\n";
      for (const auto& [name, value] : res.headers) out += name + ": " + value + "\r\n";
      out += "Content-Length: " + std::to_string(res.body.size()) + "\r\n\r\n" + res.body;
      if (write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) return;
    }
  }

  Handler handler_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> requests_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> connections_;
  std::vector<std::thread> workers_;
};

}  // namespace fhirgw::testhttp
