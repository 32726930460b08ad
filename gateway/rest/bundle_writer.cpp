#include "rest/bundle_writer.h"

#include "fhir/json/writer.h"
#include "rest/resource_body.h"
#include "search/fhir_date.h"

namespace fhirgw::rest {

using fhir::json::write_string;

BundleWriter::BundleWriter(std::string_view type, std::int64_t now_ms) {
  out_ = R"({"resourceType":"Bundle","id":")" + new_id() + R"(","meta":{"lastUpdated":")" +
         search::format_instant(now_ms) + R"("},"type":)";
  write_string(type, out_);
}

void BundleWriter::total(std::size_t n) { out_ += ",\"total\":" + std::to_string(n); }

void BundleWriter::link(std::string_view relation, std::string_view url) {
  out_ += has_links_ ? "," : ",\"link\":[";
  has_links_ = true;
  out_ += "{\"relation\":";
  write_string(relation, out_);
  out_ += ",\"url\":";
  write_string(url, out_);
  out_ += '}';
}

void BundleWriter::close_links() {
  if (has_links_ && !links_closed_) out_ += ']';
  links_closed_ = true;
}

void BundleWriter::entry(std::string_view full_url, std::string_view resource_json, std::string_view search_json,
                         std::string_view request_json, std::string_view response_json) {
  close_links();
  out_ += has_entries_ ? ",{" : ",\"entry\":[{";
  has_entries_ = true;
  bool first = true;
  auto member = [&](std::string_view key) {
    if (!first) out_ += ',';
    first = false;
    out_ += '"';
    out_ += key;
    out_ += "\":";
  };
  if (!full_url.empty()) {
    member("fullUrl");
    write_string(full_url, out_);
  }
  if (!resource_json.empty()) {
    member("resource");
    out_ += resource_json;
  }
  if (!search_json.empty()) {
    member("search");
    out_ += search_json;
  }
  if (!request_json.empty()) {
    member("request");
    out_ += request_json;
  }
  if (!response_json.empty()) {
    member("response");
    out_ += response_json;
  }
  out_ += '}';
}

std::string BundleWriter::finish() {
  close_links();
  if (has_entries_) out_ += ']';
  out_ += '}';
  return std::move(out_);
}

std::string json_object(std::initializer_list<std::pair<std::string_view, std::string_view>> members) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : members) {
    if (v.empty()) continue;
    if (!first) out += ',';
    first = false;
    write_string(k, out);
    out += ':';
    write_string(v, out);
  }
  out += '}';
  return out;
}

}  // namespace fhirgw::rest
