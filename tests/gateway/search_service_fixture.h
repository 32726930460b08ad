// A FhirService on a real SQLite file in a temp directory, driven without sockets (server::Application):
// what the search tests share.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "fhir/json/parser.h"
#include "fhir/model/metadata.h"
#include "rest/fhir_service.h"
#include "search/param_catalog.h"
#include "server/application.h"
#include "server/metrics.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_store.h"

namespace fhirgw::test {

using http::Request;
using http::Response;

// The first column of the first row of `sql` on the database file at `path` (-1 without a row).
inline std::int64_t query_int(const std::string& path, const std::string& sql) {
  storage::Connection db(path, true);
  storage::StatementScope s(db.cached(sql));
  return s->step() ? s->column_int(0) : -1;
}

class SearchServiceTest : public ::testing::Test {
 protected:
  SearchServiceTest()
      : dir_(std::filesystem::temp_directory_path() / ("fhirgw-search-" + std::to_string(std::random_device{}()))),
        catalog_(fhir::model::Registry::r4()),
        store_({(dir_ / "db.sqlite").string(), false, 2, {}, catalog_.shared_params(), catalog_.patient_rows()}),
        service_(store_, fhir::model::Registry::r4(), catalog_, nullptr, config()),
        app_(service_, store_, metrics_) {}
  ~SearchServiceTest() override { std::filesystem::remove_all(dir_); }

  static rest::RestConfig config() {
    rest::RestConfig c;
    c.base_url = "http://test/fhir";
    c.default_count = 50;
    return c;
  }

  Response call(const std::string& method, const std::string& target, const std::string& body = {}) {
    Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (!body.empty()) r.headers.set("content-type", "application/fhir+json");
    return app_.handle(r);
  }

  // The ids of a search's matches and includes, sorted ("Type/id").
  std::vector<std::string> ids(const std::string& query) {
    Response r = call("GET", "/fhir/" + query);
    EXPECT_EQ(r.status, 200) << query << " " << r.body;
    auto doc = fhir::json::parse(r.body);
    std::vector<std::string> out;
    if (!doc) return out;
    if (const auto* entries = doc.document->root().find("entry")) {
      for (const auto& e : entries->items()) {
        const auto* res = e.find("resource");
        if (!res || !res->find("id")) continue;
        out.push_back(std::string(res->find("resourceType")->text()) + "/" + std::string(res->find("id")->text()));
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void put(const std::string& type, const std::string& id, const std::string& body) {
    const Response r = call("PUT", "/fhir/" + type + "/" + id, body);
    ASSERT_TRUE(r.status == 200 || r.status == 201) << r.body;
  }

  std::filesystem::path dir_;
  search::ParamCatalog catalog_;
  storage::SqliteStore store_;
  rest::FhirService service_;
  server::Metrics metrics_;
  server::Application app_;
};

}  // namespace fhirgw::test
