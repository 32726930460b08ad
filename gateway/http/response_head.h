// The status line and header block of a response, formatted once into one buffer that the server sends
// ahead of the body (the body goes out from its own buffer, not copied; server/http_server.cpp).
#pragma once

#include <string>

#include "http/message.h"

namespace fhirgw::http {

// "HTTP/1.1 200 OK\r\n" + the response's headers (names as stored: lower-case) + "Server: fhirgw" +
// "Content-Length" (not for 204 and 304) + "Connection: close" when an HTTP/1.1 connection is not kept
// alive, or "Connection: keep-alive" when an HTTP/1.0 one is + "\r\n". `version` is 10 or 11. A header
// whose name is not a token or whose value holds CR, LF or NUL is left out (response splitting).
std::string response_head(const Response& r, unsigned version, bool keep_alive);

}  // namespace fhirgw::http
