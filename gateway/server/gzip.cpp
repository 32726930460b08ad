#include "server/gzip.h"

#include <zlib.h>

#include "http/message.h"

namespace fhirgw::server {

bool accepts_gzip(std::string_view value) {
  const std::string v = http::to_lower(value);
  std::size_t pos = 0;
  while (pos < v.size()) {
    auto comma = v.find(',', pos);
    if (comma == std::string::npos) comma = v.size();
    std::string_view item(v.data() + pos, comma - pos);
    pos = comma + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (!item.starts_with("gzip") && !item.starts_with("*")) continue;
    const auto q = item.find("q=");
    if (q != std::string_view::npos && item.substr(q + 2).starts_with("0") &&
        item.substr(q + 2).find_first_of("123456789") == std::string_view::npos) {
      continue;
    }
    return true;
  }
  return false;
}

std::optional<std::string> gzip_compress(std::string_view data) {
  z_stream zs{};
  // 15 + 16: gzip wrapper. Level 1: responses are generated per request, speed matters more than ratio.
  if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return std::nullopt;
  out.resize(zs.total_out);
  return out;
}

}  // namespace fhirgw::server
