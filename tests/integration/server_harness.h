// Test harness: runs the real fhirgw binary as a child process and talks HTTP/1.1 to it over loopback
// with a small blocking client (one connection per Client, keep-alive).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fhirgw::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class ServerProcess {
 public:
  // Starts `fhirgw serve --listen 127.0.0.1:0 --data DIR [extra args]` and waits for the port line.
  ServerProcess(const std::string& data_dir, std::vector<std::string> extra_args = {});
  ~ServerProcess();  // SIGKILL if still running

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  void kill_hard();            // SIGKILL, wait
  int terminate_and_wait();    // SIGTERM; returns the exit status (or -1 on signal death)
  bool running();

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const;
};

class Client {
 public:
  explicit Client(std::uint16_t port);
  ~Client();
  HttpResponse request(const std::string& method, const std::string& target, const std::string& body = {},
                       const std::map<std::string, std::string>& headers = {});
  // Sends raw bytes and reads `count` responses (pipelining tests).
  std::vector<HttpResponse> raw(const std::string& bytes, std::size_t count);
  bool connected() const { return fd_ >= 0; }

 private:
  std::optional<HttpResponse> read_response();
  int fd_ = -1;
  std::string buffer_;
};

// Value of a top-level string member ("id") in a JSON text, via the project's JSON parser.
std::string json_member(const std::string& json, const std::string& key);

}  // namespace fhirgw::testing
