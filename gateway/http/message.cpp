#include "http/message.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/url_view.hpp>

namespace fhirgw::http {

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  });
  return out;
}

void Headers::set(std::string_view name, std::string value) {
  remove(name);
  items_.emplace_back(to_lower(name), std::move(value));
}

void Headers::add(std::string_view name, std::string value) { items_.emplace_back(to_lower(name), std::move(value)); }

std::optional<std::string_view> Headers::get(std::string_view name) const {
  const std::string key = to_lower(name);
  for (const auto& [k, v] : items_) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

void Headers::remove(std::string_view name) {
  const std::string key = to_lower(name);
  std::erase_if(items_, [&](const auto& item) { return item.first == key; });
}

bool parse_target(std::string_view target, std::string& path, QueryParams& query) {
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

bool parse_form(std::string_view body, QueryParams& out) {
  const auto parsed = boost::urls::parse_query(body);
  if (!parsed) return false;
  for (const auto& param : boost::urls::params_view(body, boost::urls::encoding_opts(true))) {
    out.emplace_back(param.key, param.has_value ? param.value : std::string());
  }
  return true;
}

}  // namespace fhirgw::http
