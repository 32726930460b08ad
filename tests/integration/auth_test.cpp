// Issue 5 §4, the auth matrix against the real binary over mutual TLS on loopback. The PKI (CA, server,
// client, wrong-CA, expired and self-signed client certificates) and every key are generated here.
// Handshake refusals must happen at TLS; every request that got past TLS and was refused must answer the
// right status and leave an AuditEvent; nothing may be stored by a refused request.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "../support/pki/test_jose.h"
#include "auth/access_token.h"
#include "auth/client_assertion.h"
#include "auth/token_endpoint.h"
#include "fhir/json/parser.h"
#include "server_harness.h"

namespace fhirgw::testing {
namespace {

namespace pki = testpki;

constexpr const char* kObservation =
    R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"1834-1"}]},"subject":{"reference":"Patient/p1"}})";
constexpr const char* kPatient = R"({"resourceType":"Patient","id":"p1","gender":"female"})";

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class AuthMatrix : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new pki::TempDir();
    data_ = new TempDir();
    a_ = new pki::Hospital(pki::make_hospital(*dir_, "a"));
    const auto evil = pki::make_hospital(*dir_, "evil");
    wrong_ca_ = pki::write_cert(*dir_, "wrong-ca", evil.client);
    expired_ = pki::write_cert(
        *dir_, "expired",
        pki::make_cert({"a-expired", pki::Usage::client, {"URI:urn:fhirgw:client:a"}, -2 * 86400, -86400},
                       pki::generate_ec(), &a_->ca));
    self_signed_ = pki::write_cert(
        *dir_, "self",
        pki::make_cert({"a-self", pki::Usage::client, {"URI:urn:fhirgw:client:a"}}, pki::generate_ec(), nullptr));
    reader_ = pki::write_cert(
        *dir_, "reader",
        pki::make_cert({"reader", pki::Usage::client, {"URI:urn:fhirgw:client:reader"}}, pki::generate_ec(), &a_->ca));
    client_key_ = new pki::SigningKeyPair(pki::rs384_key("a-1"));
    // ES256, the recommended token key (the forwarding test's gateway B signs with ES384).
    signing_ = new pki::SigningKeyPair(pki::es256_key("fhirgw-1"));
    const std::string jwks = dir_->write("clients.jwks", pki::jwks_of({client_key_}));
    const std::string config = dir_->write("config.json", R"({
      "tls": {"cert_file": ")" + a_->server_files.cert + R"(", "key_file": ")" +
                                                              a_->server_files.key + R"(",
              "client_ca_file": ")" + a_->ca_file + R"("},
      "auth": {"token_signing_key_file": ")" + dir_->write("token.key", pki::key_pem(signing_->key.get())) +
                                                              R"(",
        "clients": [
          {"id": "hospital-a", "jwks_file": ")" + jwks + R"(", "scopes": "system/*.cruds system/AuditEvent.rs",
           "certificate": ["uri:urn:fhirgw:client:a"]},
          {"id": "reader", "jwks_file": ")" + jwks + R"(", "scopes": "system/*.rs",
           "certificate": ["uri:urn:fhirgw:client:reader"]}]},
      "audit": {"flush_ms": 10}
    })");
    server_ = new ServerProcess(data_->path() + "/data", {"--config", config});
    base_ = "https://127.0.0.1:" + std::to_string(server_->port());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete data_;
    delete a_;
    delete client_key_;
    delete signing_;
    delete dir_;
  }

  static TlsOptions as(const pki::CertFiles& files) { return {a_->ca_file, files.cert, files.key, {}}; }
  static TlsOptions as_a() { return as(a_->client_files); }

  // A token from POST /auth/token over mTLS as `client` with `cert`.
  static std::string token(const std::string& client, const pki::CertFiles& cert, const std::string& scope) {
    Client c(server_->port(), as(cert));
    auto assertion = auth::make_client_assertion(client, base_ + "/auth/token", client_key_->alg,
                                                 client_key_->key.get(), client_key_->kid, now_s());
    const auto r = c.request("POST", "/auth/token", auth::token_request_body(*assertion, scope),
                             {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(r.status, 200) << r.body;
    return json_member(r.body, "access_token");
  }

  // A token the server would issue, but with other key, audience or time.
  static std::string forged(const pki::SigningKeyPair& key, const std::string& audience, std::int64_t issued_at) {
    auto tokens = auth::AccessTokens::create({key.alg, key.key, key.kid}, {base_ + "/auth", audience, 300, 60});
    EXPECT_TRUE(tokens);
    auto issued = tokens->issue("hospital-a", *auth::parse_scopes("system/*.cruds"), {}, issued_at);
    EXPECT_TRUE(issued);
    return issued->token;
  }

  static std::map<std::string, std::string> bearer(const std::string& t) { return {{"Authorization", "Bearer " + t}}; }

  // Total of a search, as hospital-a (who may read AuditEvents).
  static int total(const std::string& query) {
    Client c(server_->port(), as_a());
    const auto r = c.request(
        "GET", "/fhir/" + query + (query.find('?') == std::string::npos ? "?" : "&") + "_total=accurate&_count=0", {},
        bearer(token("hospital-a", a_->client_files, "system/*.rs system/AuditEvent.rs")));
    EXPECT_EQ(r.status, 200) << r.body;
    const std::string t = json_member(r.body, "total");
    return t.empty() ? -1 : std::stoi(t);
  }

  // AuditEvents matching `query` once the background writer caught up (it commits every 10 ms here).
  static int audits(const std::string& query, int at_least) {
    int n = 0;
    for (int i = 0; i < 50 && (n = total("AuditEvent?" + query)) < at_least; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return n;
  }

  static inline pki::TempDir* dir_ = nullptr;
  static inline TempDir* data_ = nullptr;
  static inline pki::Hospital* a_ = nullptr;
  static inline pki::CertFiles wrong_ca_, expired_, self_signed_, reader_;
  static inline pki::SigningKeyPair* client_key_ = nullptr;
  static inline pki::SigningKeyPair* signing_ = nullptr;
  static inline ServerProcess* server_ = nullptr;
  static inline std::string base_;
};

TEST_F(AuthMatrix, BadClientCertificatesAreRefusedAtTheHandshake) {
  for (const auto& [name, opts] :
       std::vector<std::pair<std::string, TlsOptions>>{{"no certificate", {a_->ca_file, {}, {}, {}}},
                                                       {"wrong CA", as(wrong_ca_)},
                                                       {"expired", as(expired_)},
                                                       {"self-signed", as(self_signed_)}}) {
    Client c(server_->port(), opts);
    EXPECT_FALSE(c.connected()) << name;
    EXPECT_FALSE(c.tls_error().empty()) << name;
  }
  Client good(server_->port(), as_a());
  ASSERT_TRUE(good.connected()) << good.tls_error();
  const auto metrics = good.request("GET", "/metrics");
  EXPECT_NE(metrics.body.find("fhirgw_tls_handshake_failures_total"), std::string::npos);
  EXPECT_EQ(metrics.body.find("fhirgw_tls_handshake_failures_total 0\n"), std::string::npos);
}

TEST_F(AuthMatrix, BadTokensAre401AndAudited) {
  const int before = audits("type=http://dicom.nema.org/resources/ontology/DCM|110114&outcome=4", 0);
  const auto other_key = pki::key_for(signing_->alg, "fhirgw-1");  // same kid and alg, unknown key
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"no token", ""},
      {"expired", forged(*signing_, base_, now_s() - 3600)},
      {"unknown key", forged(other_key, base_, now_s())},
      {"other audience", forged(*signing_, "https://other.example", now_s())},
      {"alg none",
       pki::forge_jwt(R"({"alg":"none","typ":"at+jwt"})",
                      R"({"iss":")" + base_ + R"(/auth","sub":"hospital-a","client_id":"hospital-a","aud":")" + base_ +
                          R"(","scope":"system/*.cruds","exp":)" + std::to_string(now_s() + 300) + R"(,"iat":)" +
                          std::to_string(now_s()) + R"(,"jti":"x"})",
                      "")}};
  Client c(server_->port(), as_a());
  ASSERT_TRUE(c.connected()) << c.tls_error();
  for (const auto& [name, t] : cases) {
    const auto r = c.request("POST", "/fhir/Observation", kObservation,
                             t.empty() ? std::map<std::string, std::string>{} : bearer(t));
    EXPECT_EQ(r.status, 401) << name << ": " << r.body;
    EXPECT_TRUE(r.header("www-authenticate").starts_with("Bearer realm=")) << name;
    EXPECT_NE(r.body.find("OperationOutcome"), std::string::npos) << name;
  }
  EXPECT_GE(audits("type=http://dicom.nema.org/resources/ontology/DCM|110114&outcome=4", before + 5), before + 5);
  EXPECT_EQ(total("Observation"), 0);
}

TEST_F(AuthMatrix, ReplayedAssertionIsRefusedAndAudited) {
  const int before = audits("type=http://dicom.nema.org/resources/ontology/DCM|110114&outcome=4", 0);
  auto assertion = auth::make_client_assertion("hospital-a", base_ + "/auth/token", client_key_->alg,
                                               client_key_->key.get(), client_key_->kid, now_s());
  const std::string body = auth::token_request_body(*assertion, "system/*.rs");
  Client c(server_->port(), as_a());
  const std::map<std::string, std::string> form = {{"Content-Type", "application/x-www-form-urlencoded"}};
  EXPECT_EQ(c.request("POST", "/auth/token", body, form).status, 200);
  const auto replay = c.request("POST", "/auth/token", body, form);
  EXPECT_EQ(replay.status, 401) << replay.body;
  EXPECT_NE(replay.body.find("invalid_client"), std::string::npos) << replay.body;
  EXPECT_GE(audits("type=http://dicom.nema.org/resources/ontology/DCM|110114&outcome=4", before + 1), before + 1);
}

TEST_F(AuthMatrix, ReadOnlyScopeCannotWrite) {
  const int before = audits("subtype=create&outcome=4", 0);
  const std::string t = token("reader", reader_, "system/*.rs");
  Client c(server_->port(), as(reader_));
  const auto r = c.request("POST", "/fhir/Observation", kObservation, bearer(t));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.header("www-authenticate").find("insufficient_scope"), std::string::npos);
  EXPECT_EQ(c.request("GET", "/fhir/Observation", {}, bearer(t)).status, 200);
  // The token is bound to the reader's certificate: hospital-a's connection cannot use it.
  Client other(server_->port(), as_a());
  EXPECT_EQ(other.request("GET", "/fhir/Observation", {}, bearer(t)).status, 401);
  EXPECT_GE(audits("subtype=create&outcome=4", before + 1), before + 1);
  EXPECT_EQ(total("Observation"), 0);
}

TEST_F(AuthMatrix, HappyPathWithMutualTlsAndToken) {
  const int issued_before = audits("type=http://dicom.nema.org/resources/ontology/DCM|110114&outcome=0", 0);
  const std::string t = token("hospital-a", a_->client_files, "system/Patient.cruds system/Observation.cruds");
  // Signed with the configured P-256 key: an ES256 JWS.
  const auto header = auth::base64url_decode(t.substr(0, t.find('.')));
  ASSERT_TRUE(header);
  EXPECT_NE(header->find(R"("alg":"ES256")"), std::string::npos) << *header;
  Client c(server_->port(), as_a());
  ASSERT_EQ(c.request("PUT", "/fhir/Patient/p1", kPatient, bearer(t)).status, 201);
  const auto created = c.request("POST", "/fhir/Observation", kObservation, bearer(t));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(c.request("GET", "/fhir/Patient/p1", {}, bearer(t)).status, 200);
  EXPECT_EQ(c.request("GET", "/fhir/Observation?subject=Patient/p1", {}, bearer(t)).status, 200);
  // Writes are audited in their own transaction; reads and the token issue through the audit log.
  EXPECT_GE(audits("entity=Patient/p1/_history/1", 1), 1);
  EXPECT_GE(audits("subtype=read&entity=Patient/p1", 1), 1);
  EXPECT_GE(audits("subtype=search-type", 1), 1);
  EXPECT_GE(audits("type=http://dicom.nema.org/resources/ontology/DCM|110114&outcome=0", issued_before + 1),
            issued_before + 1);
  // The principal is the client: AuditEvent.agent.who is hospital-a.
  EXPECT_GE(audits("agent-name=hospital-a&subtype=create", 1), 1);
  // A second connection resumes the TLS session of the first (the server closes with close_notify).
  auto session = c.session();
  ASSERT_TRUE(session);
  TlsOptions again = as_a();
  again.session = session;
  Client resumed(server_->port(), again);
  ASSERT_TRUE(resumed.connected());
  EXPECT_EQ(resumed.request("GET", "/fhir/Patient/p1", {}, bearer(t)).status, 200);
  EXPECT_TRUE(resumed.resumed());
}

// A batch whose entries the scopes only partly cover: only those entries are refused (403 in their
// response entry, audited); a transaction with the same entries is refused whole.
TEST_F(AuthMatrix, BatchRefusesOnlyTheEntriesTheScopesDoNotCover) {
  const int refused_before = audits("subtype=create&outcome=4", 0);
  const std::string t = token("hospital-a", a_->client_files, "system/Patient.cruds");
  auto bundle = [](const std::string& type, const std::string& patient) {
    return R"({"resourceType":"Bundle","type":")" + type + R"(","entry":[
      {"request":{"method":"PUT","url":"Patient/)" +
           patient + R"("},
       "resource":{"resourceType":"Patient","id":")" +
           patient + R"(","gender":"male"}},
      {"request":{"method":"POST","url":"Observation"},
       "resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"1834-1"}]},
                   "subject":{"reference":"Patient/)" +
           patient + R"("}}}]})";
  };
  auto headers = bearer(t);
  headers["Content-Type"] = "application/fhir+json";
  Client c(server_->port(), as_a());
  const auto batch = c.request("POST", "/fhir", bundle("batch", "batch-p"), headers);
  ASSERT_EQ(batch.status, 200) << batch.body;
  auto doc = fhir::json::parse(batch.body);
  ASSERT_TRUE(doc);
  const auto& entries = doc.document->root().find("entry")->items();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].find("response")->find("status")->text(), "201 Created");
  const auto* refused = entries[1].find("response");
  EXPECT_EQ(refused->find("status")->text(), "403 Forbidden");
  const auto& issue = refused->find("outcome")->find("issue")->items()[0];
  EXPECT_EQ(issue.find("code")->text(), "forbidden");
  EXPECT_EQ(issue.find("expression")->items()[0].text(), "Bundle.entry[1]");
  EXPECT_NE(issue.find("diagnostics")->text().find("Observation"), std::string_view::npos) << batch.body;
  EXPECT_EQ(total("Patient?_id=batch-p"), 1);
  EXPECT_EQ(total("Observation?subject=Patient/batch-p"), 0);
  EXPECT_GE(audits("subtype=create&outcome=4", refused_before + 1), refused_before + 1);

  const auto transaction = c.request("POST", "/fhir", bundle("transaction", "tx-p"), headers);
  EXPECT_EQ(transaction.status, 403) << transaction.body;
  EXPECT_EQ(total("Patient?_id=tx-p"), 0);
}

// A page of a search needs the search right of the searched type, not a "*" scope.
TEST_F(AuthMatrix, PagesNeedTheSearchScopeOfTheirType) {
  Client c(server_->port(), as_a());
  const std::string writer = token("hospital-a", a_->client_files, "system/Observation.c");
  for (int i = 0; i < 3; ++i) {
    const std::string obs =
        R"({"resourceType":"Observation","status":"final","code":{"text":"paged"},"subject":{"reference":"Patient/paged-p"}})";
    ASSERT_EQ(c.request("POST", "/fhir/Observation", obs, bearer(writer)).status, 201);
  }
  const std::string reader = token("hospital-a", a_->client_files, "system/Observation.rs");
  const auto first =
      c.request("GET", "/fhir/Observation?subject=Patient/paged-p&_sort=-_lastUpdated&_count=1", {}, bearer(reader));
  ASSERT_EQ(first.status, 200) << first.body;
  const auto at = first.body.find("/fhir?_getpages=");
  ASSERT_NE(at, std::string::npos) << first.body;
  const std::string next = first.body.substr(at, first.body.find('"', at) - at);
  const auto page = c.request("GET", next, {}, bearer(reader));
  EXPECT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("\"resourceType\":\"Observation\""), std::string::npos);
  const auto other = c.request("GET", next, {}, bearer(token("hospital-a", a_->client_files, "system/Patient.rs")));
  EXPECT_EQ(other.status, 403) << other.body;
}

// _include/_revinclude return other types: their rights are needed too; a page belongs to its client.
TEST_F(AuthMatrix, IncludesNeedTheScopesOfTheIncludedTypesAndPagesStayWithTheirClient) {
  Client c(server_->port(), as_a());
  const std::string writer = token("hospital-a", a_->client_files, "system/Patient.u system/Observation.c");
  ASSERT_EQ(c.request("PUT", "/fhir/Patient/inc-p", R"({"resourceType":"Patient","id":"inc-p","gender":"male"})",
                      bearer(writer))
                    .status /
                100,
            2);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(
        c.request(
             "POST", "/fhir/Observation",
             R"({"resourceType":"Observation","status":"final","code":{"text":"inc"},"subject":{"reference":"Patient/inc-p"}})",
             bearer(writer))
            .status,
        201);
  }
  const std::string obs_only = token("hospital-a", a_->client_files, "system/Observation.rs");
  const std::string obs_and_patient = token("hospital-a", a_->client_files, "system/Observation.rs system/Patient.r");
  const std::string search = "/fhir/Observation?subject=Patient/inc-p&_include=Observation:subject";
  EXPECT_EQ(c.request("GET", search + ":Patient", {}, bearer(obs_only)).status, 403);
  EXPECT_EQ(c.request("GET", search, {}, bearer(obs_and_patient)).status, 403);  // target unknown: needs *.r
  auto form = bearer(obs_only);
  form["Content-Type"] = "application/x-www-form-urlencoded";
  EXPECT_EQ(
      c.request("POST", "/fhir/Observation/_search", "subject=Patient/inc-p&_include=Observation:subject:Patient", form)
          .status,
      403);
  EXPECT_EQ(
      c.request("GET", "/fhir/Observation?subject=Patient/inc-p&_revinclude=Provenance:target", {}, bearer(obs_only))
          .status,
      403);
  // An include of unknown target types could return AuditEvents: "*" scopes are not enough for it.
  const std::string all_but_audit = token("hospital-a", a_->client_files, "system/*.rs");
  const std::string all_and_audit = token("hospital-a", a_->client_files, "system/*.rs system/AuditEvent.rs");
  EXPECT_EQ(c.request("GET", search, {}, bearer(all_but_audit)).status, 403);
  EXPECT_EQ(c.request("GET", "/fhir/Patient?_id=inc-p&_revinclude=*:subject", {}, bearer(all_but_audit)).status, 403);
  EXPECT_EQ(c.request("GET", search, {}, bearer(all_and_audit)).status, 200);
  const auto ok = c.request("GET", search + ":Patient&_sort=-_lastUpdated&_count=1", {}, bearer(obs_and_patient));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_NE(ok.body.find("\"id\":\"inc-p\""), std::string::npos) << ok.body;
  // The next page replays the include: another client (here "reader", with system/*.rs) gets 410 for it.
  const auto at = ok.body.find("/fhir?_getpages=");
  ASSERT_NE(at, std::string::npos) << ok.body;
  const std::string next = ok.body.substr(at, ok.body.find('"', at) - at);
  EXPECT_EQ(c.request("GET", next, {}, bearer(obs_and_patient)).status, 200);
  Client reader(server_->port(), as(reader_));
  EXPECT_EQ(reader.request("GET", next, {}, bearer(token("reader", reader_, "system/*.rs"))).status, 410);
}

// /internal/records needs the rights on the types the mapping writes (POST) or reads back (GET).
TEST_F(AuthMatrix, InternalRecordsNeedTheScopesOfTheMappedTypes) {
  const std::string types[] = {"Patient",     "Condition",     "Observation", "MedicationAdministration",
                               "Specimen",    "BodyStructure", "Procedure",   "DiagnosticReport",
                               "AdverseEvent"};
  auto scopes = [&](const std::string& rights, const std::string& except) {
    std::string out;
    for (const auto& t : types) {
      if (t != except) out += (out.empty() ? "system/" : " system/") + t + "." + rights;
    }
    return out;
  };
  const std::string records =
      R"({"type":"patient","id":"MRN-AUTH-1","source":"GDPH-EMR","sex":"female"})"
      "\n"
      R"({"type":"diagnosis","id":"DX-AUTH-1","source":"GDPH-EMR","patient":"MRN-AUTH-1","code":"HCC","icd10":"C22.0","diagnosed_on":"2020-10-09","clinical_status":"active","primary":true})"
      "\n";
  auto post = [&](const std::string& scope) {
    auto headers = bearer(token("hospital-a", a_->client_files, scope));
    headers["Content-Type"] = "application/x-ndjson";
    return Client(server_->port(), as_a()).request("POST", "/internal/records", records, headers);
  };
  auto get = [&](const std::string& scope) {
    return Client(server_->port(), as_a())
        .request("GET", "/internal/records?patient=MRN-AUTH-1", {},
                 bearer(token("hospital-a", a_->client_files, scope)));
  };
  const auto short_write = post(scopes("cu", "Specimen"));
  EXPECT_EQ(short_write.status, 403) << short_write.body;
  EXPECT_NE(short_write.body.find("Specimen"), std::string::npos) << short_write.body;
  EXPECT_EQ(total("Patient?identifier=MRN-AUTH-1"), 0);
  const auto stored = post(scopes("cu", ""));
  EXPECT_EQ(stored.status / 100, 2) << stored.body;

  EXPECT_EQ(get(scopes("rs", "Observation")).status, 403);
  const auto read = get(scopes("rs", ""));
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_NE(read.body.find("\"id\":\"DX-AUTH-1\""), std::string::npos) << read.body;
  EXPECT_NE(read.body.find("\"id\":\"MRN-AUTH-1\""), std::string::npos) << read.body;
}

}  // namespace
}  // namespace fhirgw::testing
