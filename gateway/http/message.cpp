#include "http/message.h"

#include <algorithm>
#include <boost/url/params_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>

namespace fhirgw::http {

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

void Headers::set(std::string_view name, std::string value) {
  remove(name);
  items_.emplace_back(to_lower(name), std::move(value));
}

void Headers::add(std::string_view name, std::string value) { items_.emplace_back(to_lower(name), std::move(value)); }

namespace {

// `lower` (a stored name) equals `name` ignoring ASCII case; no copy of either.
bool equals_lowered(std::string_view lower, std::string_view name) {
  if (lower.size() != name.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (lower[i] != static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c)) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [k, v] : items_) {
    if (equals_lowered(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

void Headers::remove(std::string_view name) {
  std::erase_if(items_, [&](const auto& item) { return equals_lowered(item.first, name); });
}

namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Clients send characters RFC 3986 does not allow in a query, above all '|' in FHIR tokens
// (code=http://loinc.org|1234-5). Percent-encode those (and stray '%') so Boost.URL can parse; the
// decoding itself stays with Boost.URL.
std::string escape_lenient(std::string_view target) {
  static constexpr std::string_view kAllowed = "-._~!$&'()*+,;=:@/?";
  std::string out;
  out.reserve(target.size());
  for (std::size_t i = 0; i < target.size(); ++i) {
    const auto c = static_cast<unsigned char>(target[i]);
    const bool ok = std::isalnum(c) || kAllowed.find(static_cast<char>(c)) != std::string_view::npos ||
                    (c == '%' && i + 2 < target.size() && is_hex(target[i + 1]) && is_hex(target[i + 2]));
    if (ok) {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

bool parse_target(std::string_view raw_target, std::string& path, QueryParams& query) {
  const std::string target = escape_lenient(raw_target);
  const auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return false;
  const boost::urls::url_view& url = *parsed;
  path = url.path();  // decoded
  query.clear();
  for (const auto& param : url.params(boost::urls::encoding_opts(true))) {  // '+' is a space in queries
    query.emplace_back(param.key, param.has_value ? param.value : std::string());
  }
  return true;
}

bool parse_form(std::string_view raw_body, QueryParams& out) {
  const std::string body = escape_lenient(raw_body);
  const auto parsed = boost::urls::parse_query(body);
  if (!parsed) return false;
  for (const auto& param : boost::urls::params_view(body, boost::urls::encoding_opts(true))) {
    out.emplace_back(param.key, param.has_value ? param.value : std::string());
  }
  return true;
}

}  // namespace fhirgw::http
