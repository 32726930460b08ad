// FhirService + Application without sockets: CRUD, versions, conditional operations, search,
// transactions, errors. Uses the embedded R4 metadata for search parameters.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "fhir/json/parser.h"
#include "fhir/model/metadata.h"
#include "http/http_date.h"
#include "rest/fhir_service.h"
#include "search/param_catalog.h"
#include "server/application.h"
#include "server/metrics.h"
#include "storage/sqlite_store.h"

namespace fhirgw {
namespace {

using http::Request;
using http::Response;

class RestTest : public ::testing::Test {
 protected:
  RestTest()
      : dir_(std::filesystem::temp_directory_path() / ("fhirgw-rest-" + std::to_string(std::random_device{}()))),
        store_({(dir_ / "db.sqlite").string(), false, 2}),
        catalog_(fhir::model::Registry::r4()),
        service_(store_, fhir::model::Registry::r4(), catalog_, nullptr, config()),
        app_(service_, store_, metrics_) {}
  ~RestTest() override { std::filesystem::remove_all(dir_); }

  static rest::RestConfig config() {
    rest::RestConfig c;
    c.base_url = "http://test/fhir";
    c.default_count = 2;
    return c;
  }

  Response call(const std::string& method, const std::string& target, const std::string& body = {},
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (!body.empty()) r.headers.set("content-type", "application/fhir+json");
    for (auto& [k, v] : headers) r.headers.set(k, v);
    return app_.handle(r);
  }

  static fhir::json::Document json(const Response& r) {
    auto parsed = fhir::json::parse(r.body);
    EXPECT_TRUE(parsed) << r.body;
    return std::move(*parsed.document);
  }

  static std::string text(const fhir::json::Node& n, std::string_view key) {
    const auto* v = n.find(key);
    return v ? std::string(v->text()) : std::string();
  }

  std::filesystem::path dir_;
  storage::SqliteStore store_;
  search::ParamCatalog catalog_;
  rest::FhirService service_;
  server::Metrics metrics_;
  server::Application app_;
};

const std::string kPatient =
    R"({"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"123"}],"name":[{"family":"Doe","given":["Jane"]}],"birthDate":"1970-05-01"})";

std::string observation(const std::string& patient_id, const std::string& code, const std::string& value,
                        const std::string& date) {
  return R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":")" +
         code + R"(","display":"Tumor marker"}]},"subject":{"reference":"Patient/)" + patient_id +
         R"("},"effectiveDateTime":")" + date + R"(","valueQuantity":{"value":)" + value +
         R"(,"unit":"ng/mL","system":"http://unitsofmeasure.org","code":"ng/mL"}})";
}

TEST_F(RestTest, CreateReadUpdateDeleteWithVersions) {
  Response created = call("POST", "/fhir/Patient", kPatient);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string location(*created.headers.get("location"));
  EXPECT_EQ(*created.headers.get("etag"), "W/\"1\"");
  const auto doc = json(created);
  const std::string id = text(doc.root(), "id");
  EXPECT_EQ(location, "http://test/fhir/Patient/" + id + "/_history/1");

  Response read = call("GET", "/fhir/Patient/" + id);
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(call("GET", "/fhir/Patient/" + id, {}, {{"If-None-Match", "W/\"1\""}}).status, 304);
  // Conditional read by date: Last-Modified itself is "not modified", a second earlier is modified;
  // an unparseable date is ignored (RFC 7232), and If-None-Match wins over If-Modified-Since.
  const std::string last_modified(*read.headers.get("last-modified"));
  EXPECT_EQ(call("GET", "/fhir/Patient/" + id, {}, {{"If-Modified-Since", last_modified}}).status, 304);
  const auto lm_ms = http::parse_http_date(last_modified);
  ASSERT_TRUE(lm_ms) << last_modified;
  EXPECT_EQ(
      call("GET", "/fhir/Patient/" + id, {}, {{"If-Modified-Since", http::format_http_date(*lm_ms - 1000)}}).status,
      200);
  EXPECT_EQ(call("GET", "/fhir/Patient/" + id, {}, {{"If-Modified-Since", "yesterday"}}).status, 200);
  EXPECT_EQ(call("GET", "/fhir/Patient/" + id, {}, {{"If-None-Match", "W/\"9\""}, {"If-Modified-Since", last_modified}})
                .status,
            200);

  std::string updated = kPatient;
  updated.insert(1, R"("id":")" + id + R"(",)");
  updated.replace(updated.find("Doe"), 3, "Roe");
  EXPECT_EQ(call("PUT", "/fhir/Patient/" + id, updated, {{"If-Match", "W/\"2\""}}).status, 412);
  Response put = call("PUT", "/fhir/Patient/" + id, updated, {{"If-Match", "W/\"1\""}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(*put.headers.get("etag"), "W/\"2\"");
  // The same content again makes no new version.
  EXPECT_EQ(*call("PUT", "/fhir/Patient/" + id, updated).headers.get("etag"), "W/\"2\"");

  EXPECT_EQ(call("GET", "/fhir/Patient/" + id + "/_history/1").status, 200);
  EXPECT_EQ(call("DELETE", "/fhir/Patient/" + id).status, 200);
  EXPECT_EQ(call("GET", "/fhir/Patient/" + id).status, 410);
  EXPECT_EQ(call("GET", "/fhir/Patient/nope").status, 404);

  Response hist = call("GET", "/fhir/Patient/" + id + "/_history");
  ASSERT_EQ(hist.status, 200);
  EXPECT_EQ(text(json(hist).root(), "total"), "3");
}

TEST_F(RestTest, UpdateAsCreateWithClientId) {
  std::string body = kPatient;
  body.insert(1, R"("id":"client-1",)");
  Response r = call("PUT", "/fhir/Patient/client-1", body);
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(call("PUT", "/fhir/Patient/other", body).status, 400);
}

TEST_F(RestTest, ConditionalCreateReturnsExisting) {
  const std::vector<std::pair<std::string, std::string>> h{{"If-None-Exist", "identifier=urn:mrn|123"}};
  Response first = call("POST", "/fhir/Patient", kPatient, h);
  ASSERT_EQ(first.status, 201) << first.body;
  Response second = call("POST", "/fhir/Patient", kPatient, h);
  EXPECT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(text(json(first).root(), "id"), text(json(second).root(), "id"));
}

TEST_F(RestTest, ConditionalUpdateAndDelete) {
  ASSERT_EQ(call("PUT", "/fhir/Patient?identifier=urn:mrn|123", kPatient).status, 201);
  EXPECT_EQ(call("PUT", "/fhir/Patient?identifier=urn:mrn|123", kPatient).status, 200);
  std::string twin = kPatient;
  twin.insert(1, R"("id":"twin",)");
  ASSERT_EQ(call("PUT", "/fhir/Patient/twin", twin).status, 201);
  EXPECT_EQ(call("PUT", "/fhir/Patient?identifier=urn:mrn|123", kPatient).status, 412);
  EXPECT_EQ(call("DELETE", "/fhir/Patient?identifier=urn:mrn|123").status, 412);
  EXPECT_EQ(call("DELETE", "/fhir/Patient?_id=twin").status, 200);
}

TEST_F(RestTest, SearchTokenReferenceDateQuantityAndPaging) {
  std::string p = kPatient;
  p.insert(1, R"("id":"p1",)");
  ASSERT_EQ(call("PUT", "/fhir/Patient/p1", p).status, 201);
  ASSERT_EQ(call("POST", "/fhir/Observation", observation("p1", "2857-1", "25", "2024-01-10T10:00:00Z")).status, 201);
  ASSERT_EQ(call("POST", "/fhir/Observation", observation("p1", "2857-1", "15", "2024-02-10T10:00:00Z")).status, 201);
  ASSERT_EQ(call("POST", "/fhir/Observation", observation("p1", "1234-5", "5", "2023-02-10")).status, 201);

  auto total = [&](const std::string& q) {
    Response r = call("GET", "/fhir/Observation?" + q + "&_total=accurate");
    EXPECT_EQ(r.status, 200) << q << " " << r.body;
    return text(json(r).root(), "total");
  };
  EXPECT_EQ(total("code=http://loinc.org|2857-1"), "2");
  EXPECT_EQ(total("code:not=2857-1"), "1");
  EXPECT_EQ(total("code:text=tumor"), "3");
  EXPECT_EQ(total("patient=p1&code=2857-1"), "2");
  EXPECT_EQ(total("subject=Patient/p1"), "3");
  EXPECT_EQ(total("subject:Patient.identifier=urn:mrn|123"), "3");
  EXPECT_EQ(total("date=2024"), "2");
  EXPECT_EQ(total("date=ge2024-02-01"), "1");
  EXPECT_EQ(total("date=lt2024"), "1");
  EXPECT_EQ(total("value-quantity=gt20|http://unitsofmeasure.org|ng/mL"), "1");
  EXPECT_EQ(total("value-quantity=le15"), "2");
  EXPECT_EQ(total("_summary=count"), "3");

  Response sorted = call("GET", "/fhir/Observation?_sort=-date&_count=2");
  const auto doc = json(sorted);
  const auto* links = doc.root().find("link");
  ASSERT_TRUE(links);
  std::string next;
  for (const auto& l : links->items()) {
    if (text(l, "relation") == "next") next = text(l, "url");
  }
  ASSERT_FALSE(next.empty()) << sorted.body;
  Response page2 = call("GET", next.substr(std::string("http://test").size()));
  ASSERT_EQ(page2.status, 200) << page2.body;
  EXPECT_EQ(json(page2).root().find("entry")->size(), 1u);

  Response strict = call("GET", "/fhir/Observation?bogus=1", {}, {{"Prefer", "handling=strict"}});
  EXPECT_EQ(strict.status, 400);
  Response lenient = call("GET", "/fhir/Observation?bogus=1");
  EXPECT_EQ(lenient.status, 200);
  EXPECT_NE(lenient.body.find("\"outcome\""), std::string::npos);

  Response inc = call("GET", "/fhir/Observation?code=1234-5&_include=Observation:subject");
  const auto inc_doc = json(inc);
  EXPECT_EQ(inc_doc.root().find("entry")->size(), 2u) << inc.body;
}

TEST_F(RestTest, TransactionIsAtomicAndRewritesReferences) {
  const std::string tx = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:11111111-1111-4111-8111-111111111111","resource":)" +
                         kPatient + R"(,
     "request":{"method":"POST","url":"Patient"}},
    {"resource":)" + observation("x", "2857-1", "3", "2024-01-01") +
                         R"(,"request":{"method":"POST","url":"Observation"}}]})";
  std::string with_ref = tx;
  with_ref.replace(with_ref.find("Patient/x"), 9, "urn:uuid:11111111-1111-4111-8111-111111111111");
  Response ok = call("POST", "/fhir", with_ref);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.body.find("urn:uuid:"), std::string::npos);
  EXPECT_EQ(text(json(call("GET", "/fhir/Observation?patient.identifier=urn:mrn|123&_summary=count")).root(), "total"),
            "1");
  // The stored text has the rewritten reference (the subject is not copied from the request text; the rest is).
  const auto patients = json(call("GET", "/fhir/Patient"));
  const auto observations = json(call("GET", "/fhir/Observation"));
  const auto& patient = *patients.root().find("entry")->items()[0].find("resource");
  const auto& obs = *observations.root().find("entry")->items()[0].find("resource");
  EXPECT_EQ(obs.find("subject")->find("reference")->text(), "Patient/" + text(patient, "id"));
  EXPECT_EQ(obs.find("valueQuantity")->find("value")->text(), "3");

  // A failing entry (update of a stale version) rolls everything back.
  const std::string bad = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":)" + kPatient +
                          R"(,"request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Patient","id":"zz"},"request":{"method":"PUT","url":"Patient/zz","ifMatch":"W/\"9\""}}]})";
  Response failed = call("POST", "/fhir", bad);
  EXPECT_EQ(failed.status, 412) << failed.body;
  EXPECT_EQ(text(json(call("GET", "/fhir/Patient?_summary=count")).root(), "total"), "1");
}

TEST_F(RestTest, StringModifiersMissingRevincludeElementsAndSort) {
  std::string p1 = kPatient;
  p1.insert(1, R"("id":"p1",)");
  std::string p2 =
      R"({"resourceType":"Patient","id":"p2","name":[{"family":"Doeberg","given":["Ann"]}],"birthDate":"1980"})";
  std::string p3 = R"({"resourceType":"Patient","id":"p3","name":[{"family":"Smith"}]})";
  ASSERT_EQ(call("PUT", "/fhir/Patient/p1", p1).status, 201);
  ASSERT_EQ(call("PUT", "/fhir/Patient/p2", p2).status, 201);
  ASSERT_EQ(call("PUT", "/fhir/Patient/p3", p3).status, 201);
  ASSERT_EQ(call("POST", "/fhir/Observation", observation("p2", "2857-1", "7", "2024-03-01")).status, 201);

  auto ids = [&](const std::string& q) {
    Response r = call("GET", "/fhir/Patient?" + q);
    EXPECT_EQ(r.status, 200) << q << " " << r.body;
    std::string out;
    const auto doc = json(r);
    if (const auto* entries = doc.root().find("entry")) {
      for (const auto& e : entries->items()) {
        const auto* res = e.find("resource");
        if (text(*e.find("search"), "mode") == "match")
          out += text(*res, "id") + ",";
        else
          out += "+" + text(*res, "resourceType") + ",";
      }
    }
    return out;
  };
  EXPECT_EQ(ids("family=doe&_sort=_id"), "p1,p2,");
  EXPECT_EQ(ids("family:exact=Doe"), "p1,");
  EXPECT_EQ(ids("family:exact=doe"), "");
  EXPECT_EQ(ids("name:contains=berg"), "p2,");
  EXPECT_EQ(ids("birthdate:missing=true&_sort=_id"), "p3,");
  EXPECT_EQ(ids("birthdate:missing=false&_sort=-birthdate"), "p2,p1,");
  EXPECT_EQ(ids("_id=p1,p3&_sort=-_id"), "p3,p1,");
  EXPECT_EQ(ids("family=doe&_sort=family,-_id"), "p1,p2,");
  EXPECT_EQ(ids("_id=p2&_revinclude=Observation:subject"), "p2,+Observation,");
  EXPECT_EQ(ids("_lastUpdated=gt2000-01-01&_sort=_id&_count=1"), "p1,");

  Response elements = call("GET", "/fhir/Patient?_id=p1&_elements=birthDate");
  EXPECT_EQ(elements.body.find("\"name\""), std::string::npos) << elements.body;
  EXPECT_NE(elements.body.find("SUBSETTED"), std::string::npos);
  Response summary = call("GET", "/fhir/Patient/p1?_summary=true");
  EXPECT_NE(summary.body.find("\"name\""), std::string::npos);
}

// Ids of the match entries of a searchset and its links by relation (paths after http://test).
struct Page {
  std::vector<std::string> ids;
  std::map<std::string, std::string> links;
  std::string total;
};

Page read_page(const Response& r) {
  Page p;
  auto parsed = fhir::json::parse(r.body);
  EXPECT_TRUE(parsed) << r.body;
  if (!parsed) return p;
  const auto& root = parsed.document->root();
  if (const auto* t = root.find("total")) p.total = std::string(t->text());
  if (const auto* links = root.find("link")) {
    for (const auto& l : links->items()) {
      p.links[std::string(l.find("relation")->text())] =
          std::string(l.find("url")->text()).substr(std::string("http://test").size());
    }
  }
  if (const auto* entries = root.find("entry")) {
    for (const auto& e : entries->items()) p.ids.emplace_back(e.find("resource")->find("id")->text());
  }
  return p;
}

TEST_F(RestTest, PagesStayStableWhileDataChanges) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    Response created = call("POST", "/fhir/Observation", observation("p", "1", std::to_string(i), "2024-01-01"));
    ASSERT_EQ(created.status, 201);
    ids.push_back(text(json(created).root(), "id"));
  }
  const Page first = read_page(call("GET", "/fhir/Observation?code=1&_count=2"));
  EXPECT_EQ(first.ids, (std::vector<std::string>{ids[0], ids[1]}));
  EXPECT_EQ(first.total, "") << "more than one page: no total unless _total=accurate";
  EXPECT_FALSE(first.links.contains("previous"));
  ASSERT_TRUE(first.links.contains("next"));

  // A new match and a deleted match on the first page do not shift the later pages.
  Response added = call("POST", "/fhir/Observation", observation("p", "1", "9", "2024-01-01"));
  ASSERT_EQ(added.status, 201);
  ASSERT_EQ(call("DELETE", "/fhir/Observation/" + ids[0]).status, 200);
  const Page second = read_page(call("GET", first.links.at("next")));
  EXPECT_EQ(second.ids, (std::vector<std::string>{ids[2], ids[3]}));
  const Page third = read_page(call("GET", second.links.at("next")));
  EXPECT_EQ(third.ids, (std::vector<std::string>{ids[4], text(json(added).root(), "id")}));
  EXPECT_FALSE(third.links.contains("next"));

  // previous walks back: the page before the second one now starts after the deleted match.
  const Page back = read_page(call("GET", second.links.at("previous")));
  EXPECT_EQ(back.ids, (std::vector<std::string>{ids[1]}));
  EXPECT_FALSE(back.links.contains("previous"));
  EXPECT_EQ(read_page(call("GET", back.links.at("next"))).ids, second.ids);

  EXPECT_EQ(read_page(call("GET", "/fhir/Observation?code=1&_count=2&_total=accurate")).total, "5");
  EXPECT_EQ(read_page(call("GET", "/fhir/Observation?code=1&_count=2&_total=none")).total, "");
  EXPECT_EQ(read_page(call("GET", "/fhir/Observation?code=1&_count=10")).total, "5") << "one page: total is known";
  EXPECT_EQ(call("GET", "/fhir/Observation?code=1&_page=after:x1").status, 400);
  EXPECT_EQ(call("GET", "/fhir/Observation?code=1&_page=sideways").status, 400);
  EXPECT_EQ(call("GET", "/fhir/Observation?code=1&_total=maybe").status, 400);

  // With _sort the matches are kept for the links (a frozen list); an unknown list answers 410.
  const Page sorted = read_page(call("GET", "/fhir/Observation?code=1&_count=2&_sort=-_lastUpdated"));
  ASSERT_TRUE(sorted.links.contains("next"));
  EXPECT_EQ(read_page(call("GET", sorted.links.at("next"))).ids.size(), 2u);
  EXPECT_EQ(call("GET", "/fhir?_getpages=unknown&_offset=2").status, 410);
}

TEST_F(RestTest, BatchEntriesAreIndependent) {
  const std::string batch = R"({"resourceType":"Bundle","type":"batch","entry":[
    {"resource":)" + kPatient +
                            R"(,"request":{"method":"POST","url":"Patient"}},
    {"request":{"method":"GET","url":"Patient/missing"}}]})";
  Response r = call("POST", "/fhir", batch);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("201 Created"), std::string::npos);
  EXPECT_NE(r.body.find("404 Not Found"), std::string::npos);
  EXPECT_EQ(text(json(call("GET", "/fhir/Patient?_summary=count")).root(), "total"), "1");
}

// handle_bundle (POST /internal/records' transaction) gives each entry's status and location, as the response
// Bundle of handle() names them, without building that Bundle. Two fresh stores, the same batch: created,
// unchanged, read, missing and refused entries.
TEST_F(RestTest, HandleBundleGivesTheEntriesOfTheResponseBundle) {
  const std::string patient = R"({"resourceType":"Patient","id":"p1","birthDate":"1970-05-01"})";
  const std::string batch = R"({"resourceType":"Bundle","type":"batch","entry":[
    {"resource":)" + patient +
                            R"(,"request":{"method":"PUT","url":"Patient/p1"}},
    {"resource":)" + patient +
                            R"(,"request":{"method":"PUT","url":"Patient/p1"}},
    {"request":{"method":"GET","url":"Patient/p1"}},
    {"request":{"method":"GET","url":"Patient/missing"}},
    {"resource":{"resourceType":"Patient","id":"p3"},"request":{"method":"PUT","url":"Patient/p2"}},
    {"request":{"method":"DELETE","url":"Patient/p1"}}]})";
  Request req;
  req.method = "POST";
  req.target = req.path = "/fhir";
  req.body = batch;
  req.headers.set("content-type", "application/fhir+json");

  std::vector<rest::EntryResponse> entries;
  const Response direct = service_.handle_bundle(req, entries);
  ASSERT_EQ(direct.status, 200) << direct.body;
  EXPECT_TRUE(direct.body.empty());

  storage::SqliteStore other_store({(dir_ / "other.sqlite").string(), false, 2});
  rest::FhirService other(other_store, fhir::model::Registry::r4(), catalog_, nullptr, config());
  const Response bundle = other.handle(req);
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  const auto doc = json(bundle);
  const auto& items = doc.root().find("entry")->items();
  ASSERT_EQ(entries.size(), items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& response = *items[i].find("response");
    EXPECT_EQ(entries[i].status, text(response, "status")) << i;
    EXPECT_EQ(entries[i].location, text(response, "location")) << i;
  }
  EXPECT_EQ(entries[0].status, "201 Created");
  EXPECT_EQ(entries[0].location, "Patient/p1/_history/1");
  EXPECT_EQ(entries[3].status, "404 Not Found");
  EXPECT_TRUE(entries[3].location.empty());
  EXPECT_EQ(entries[4].status.substr(0, 1), "4");  // the id differs from the URL's
  EXPECT_TRUE(entries[4].location.empty());
  EXPECT_EQ(entries[5].location, "Patient/p1/_history/2");
  // A transaction refused as a whole answers as handle() does, with no entries.
  req.body =
      R"({"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"PUT","url":"Patient/x"}}]})";
  const Response refused = service_.handle_bundle(req, entries);
  EXPECT_NE(refused.status, 200);
  EXPECT_TRUE(entries.empty());
}

TEST_F(RestTest, ErrorStatuses) {
  EXPECT_EQ(call("GET", "/fhir/Patient/x", {}, {{"Accept", "application/fhir+xml"}}).status, 406);
  EXPECT_EQ(call("GET", "/fhir/Patient?_format=xml").status, 406);
  Request r;
  r.method = "POST";
  r.target = "/fhir/Patient";
  r.body = kPatient;
  r.headers.set("content-type", "text/plain");
  EXPECT_EQ(app_.handle(r).status, 415);
  EXPECT_EQ(call("POST", "/fhir/Patient", "{not json").status, 400);
  EXPECT_EQ(call("POST", "/fhir/Observation", kPatient).status, 400);
  EXPECT_EQ(call("GET", "/fhir/NotAType/1").status, 404);
  EXPECT_EQ(call("POST", "/fhir/Patient/1").status, 405);
  EXPECT_EQ(call("PATCH", "/fhir/Patient/1").status, 415);  // PATCH needs application/json-patch+json
  EXPECT_EQ(call("GET", "/fhir/Observation?date=notadate").status, 400);
  Response nf = call("GET", "/nothing");
  EXPECT_EQ(nf.status, 404);
  EXPECT_NE(nf.body.find("OperationOutcome"), std::string::npos);
  EXPECT_TRUE(nf.headers.has("x-request-id"));
}

TEST_F(RestTest, TooManyRequestsInFlightGet429) {
  server::Application limited(service_, store_, metrics_, 1);
  metrics_.in_flight.fetch_add(1);  // one request already being handled
  Request r;
  r.method = "GET";
  r.target = "/fhir/Patient";
  Response busy = limited.handle(r);
  EXPECT_EQ(busy.status, 429);
  EXPECT_EQ(*busy.headers.get("retry-after"), "1");
  Request probe;
  probe.method = "GET";
  probe.target = "/healthz";
  EXPECT_EQ(limited.handle(probe).status, 200);
  metrics_.in_flight.fetch_sub(1);
  EXPECT_EQ(limited.handle(r).status, 200);
}

TEST_F(RestTest, HealthMetricsAndCapabilities) {
  EXPECT_EQ(call("GET", "/healthz").status, 200);
  EXPECT_EQ(call("GET", "/readyz").status, 200);
  Response m = call("GET", "/metrics");
  EXPECT_NE(m.body.find("fhirgw_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"),
            std::string::npos)
      << m.body;
  Response cs = call("GET", "/fhir/metadata");
  ASSERT_EQ(cs.status, 200);
  EXPECT_NE(cs.body.find("\"CapabilityStatement\""), std::string::npos);
  EXPECT_NE(cs.body.find("\"value-quantity\""), std::string::npos);
}

}  // namespace
}  // namespace fhirgw
