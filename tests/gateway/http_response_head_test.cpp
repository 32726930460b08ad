// http::response_head: the status line and headers the server sends ahead of a body. No sockets (the
// integration tests drive the same through the real server).
#include <gtest/gtest.h>

#include "http/response_head.h"

namespace fhirgw::http {
namespace {

Response with_body(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(ResponseHead, StatusLineHeadersServerAndContentLength) {
  Response r = with_body(200, R"({"resourceType":"Patient"})");
  r.headers.set("ETag", R"(W/"1")");
  r.headers.set("content-type", "application/fhir+json; charset=utf-8");
  EXPECT_EQ(response_head(r, 11, true),
            "HTTP/1.1 200 OK\r\n"
            "etag: W/\"1\"\r\n"
            "content-type: application/fhir+json; charset=utf-8\r\n"
            "Server: fhirgw\r\n"
            "Content-Length: 26\r\n"
            "\r\n");
}

TEST(ResponseHead, ConnectionHeaderFollowsVersionAndKeepAlive) {
  const Response r = with_body(404, "{}");
  EXPECT_EQ(response_head(r, 11, false),
            "HTTP/1.1 404 Not Found\r\nServer: fhirgw\r\nConnection: close\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(response_head(r, 10, true),
            "HTTP/1.0 404 Not Found\r\nServer: fhirgw\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(response_head(r, 10, false), "HTTP/1.0 404 Not Found\r\nServer: fhirgw\r\nContent-Length: 2\r\n\r\n");
}

TEST(ResponseHead, NoContentLengthFor204And304ButZeroForAnEmptyBody) {
  EXPECT_EQ(response_head(with_body(304, ""), 11, true), "HTTP/1.1 304 Not Modified\r\nServer: fhirgw\r\n\r\n");
  EXPECT_EQ(response_head(with_body(204, ""), 11, true), "HTTP/1.1 204 No Content\r\nServer: fhirgw\r\n\r\n");
  EXPECT_EQ(response_head(with_body(201, ""), 11, true),
            "HTTP/1.1 201 Created\r\nServer: fhirgw\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(response_head(with_body(599, ""), 11, true),
            "HTTP/1.1 599 \r\nServer: fhirgw\r\nContent-Length: 0\r\n\r\n");
}

TEST(ResponseHead, FramingHeadersAreTheServersAndUnsafeHeadersAreLeftOut) {
  Response r = with_body(200, "abc");
  r.headers.set("content-length", "999");
  r.headers.set("transfer-encoding", "chunked");
  r.headers.set("connection", "upgrade");
  r.headers.set("server", "other");
  r.headers.set("x-injected", "a\r\nSet-Cookie: b");
  r.headers.set("x-nul", std::string("a\0b", 3));
  r.headers.set("bad name", "v");
  r.headers.set("x-ok", "v");
  EXPECT_EQ(response_head(r, 11, true), "HTTP/1.1 200 OK\r\nx-ok: v\r\nServer: fhirgw\r\nContent-Length: 3\r\n\r\n");
}

}  // namespace
}  // namespace fhirgw::http
