// gzip for response bodies (zlib), when the client sends Accept-Encoding: gzip.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::server {

// True if an Accept-Encoding header value allows gzip (q=0 excludes it).
bool accepts_gzip(std::string_view accept_encoding);

// gzip-compressed `data`, nullopt if zlib fails.
std::optional<std::string> gzip_compress(std::string_view data);

}  // namespace fhirgw::server
