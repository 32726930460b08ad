// Writes Bundle JSON as text, splicing stored resource bodies in without re-parsing them (they are
// stored as valid JSON), which keeps search and history pages cheap.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fhirgw::rest {

class BundleWriter {
 public:
  BundleWriter(std::string_view type, std::int64_t now_ms);

  void total(std::size_t n);
  void link(std::string_view relation, std::string_view url);

  // One entry; `resource_json` is raw JSON (may be empty). Sub-objects are raw JSON too (may be empty).
  void entry(std::string_view full_url, std::string_view resource_json, std::string_view search_json = {},
             std::string_view request_json = {}, std::string_view response_json = {});

  std::string finish();

 private:
  void close_links();
  std::string out_;
  bool has_links_ = false;
  bool links_closed_ = false;
  bool has_entries_ = false;
};

// {"key":"value",...} from pairs of (key, string value); empty values are left out.
std::string json_object(std::initializer_list<std::pair<std::string_view, std::string_view>> members);

}  // namespace fhirgw::rest
