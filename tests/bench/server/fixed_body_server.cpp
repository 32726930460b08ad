// The ceiling for this stack: a minimal Boost.Beast HTTP/1.1 server (same threads/strand model as
// fhirgw) that answers every request with a fixed FHIR-sized JSON body. Built and run by run.sh.
//   fixed_body_server PORT THREADS
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

static const std::string kBody =
    R"({"resourceType":"Patient","id":"p1","meta":{"versionId":"1","lastUpdated":"2026-01-01T00:00:00.000Z"},)"
    R"("identifier":[{"system":"urn:mrn","value":"42"}],"name":[{"family":"Doe","given":["Jane"]}],"birthDate":"1970-05-01"})";

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket s) : stream_(std::move(s)) {}
  void read() {
    req_ = {};
    http::async_read(stream_, buffer_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->res_ = {http::status::ok, self->req_.version()};
      self->res_.set(http::field::content_type, "application/fhir+json");
      self->res_.body() = kBody;
      self->res_.keep_alive(self->req_.keep_alive());
      self->res_.prepare_payload();
      http::async_write(self->stream_, self->res_, [self](beast::error_code ec2, std::size_t) {
        if (!ec2 && self->res_.keep_alive()) self->read();
      });
    });
  }

 private:
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

int main(int argc, char** argv) {
  const unsigned short port = static_cast<unsigned short>(argc > 1 ? std::stoi(argv[1]) : 8099);
  const int threads = argc > 2 ? std::stoi(argv[2]) : 2;
  net::io_context ioc(threads);
  tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), port});
  std::function<void()> accept = [&] {
    acceptor.async_accept(net::make_strand(ioc), [&](beast::error_code ec, tcp::socket s) {
      if (!ec) std::make_shared<Session>(std::move(s))->read();
      accept();
    });
  };
  accept();
  std::cout << "listening on http://127.0.0.1:" << acceptor.local_endpoint().port() << std::endl;
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
}
