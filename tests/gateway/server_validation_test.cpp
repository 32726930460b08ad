// Validation on write (strict / lenient), $validate, and Prefer: return=... over the handler API.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "fhir/model/metadata.h"
#include "fhir/validation/validator.h"
#include "rest/fhir_service.h"
#include "search/param_catalog.h"
#include "storage/sqlite_store.h"

namespace fhirgw {
namespace {

const std::string kInvalid = R"({"resourceType":"Observation","status":"bogus","code":{"text":"x"}})";
const std::string kValid = R"({"resourceType":"Observation","status":"final","code":{"text":"x"}})";

class ValidationTest : public ::testing::TestWithParam<rest::ValidationMode> {
 protected:
  ValidationTest()
      : dir_(std::filesystem::temp_directory_path() / ("fhirgw-val-" + std::to_string(std::random_device{}()))),
        store_({(dir_ / "db.sqlite").string(), false, 2}),
        catalog_(fhir::model::Registry::r4()),
        validator_(fhir::model::Registry::r4()),
        service_(store_, fhir::model::Registry::r4(), catalog_, &validator_, config(GetParam())) {}
  ~ValidationTest() override { std::filesystem::remove_all(dir_); }

  static rest::RestConfig config(rest::ValidationMode mode) {
    rest::RestConfig c;
    c.validation = mode;
    c.base_url = "http://test/fhir";
    return c;
  }

  http::Response post(const std::string& target, const std::string& body, const std::string& prefer = {}) {
    http::Request r;
    r.method = "POST";
    r.target = target;
    http::parse_target(target, r.path, r.query);
    r.body = body;
    r.headers.set("content-type", "application/fhir+json");
    if (!prefer.empty()) r.headers.set("prefer", prefer);
    return service_.handle(r);
  }

  std::filesystem::path dir_;
  storage::SqliteStore store_;
  search::ParamCatalog catalog_;
  fhir::validation::Validator validator_;
  rest::FhirService service_;
};

TEST_P(ValidationTest, InvalidResourceOnCreate) {
  const auto r = post("/fhir/Observation", kInvalid);
  if (GetParam() == rest::ValidationMode::Strict) {
    EXPECT_EQ(r.status, 422);
    EXPECT_NE(r.body.find("observation-status"), std::string::npos) << r.body;
  } else {
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.headers.has("x-validation-issues"), GetParam() == rest::ValidationMode::Lenient);
  }
  EXPECT_EQ(service_.validation_failures(), GetParam() == rest::ValidationMode::Off ? 0u : 1u);
}

TEST_P(ValidationTest, PreferReturn) {
  const auto minimal = post("/fhir/Observation", kValid, "return=minimal");
  EXPECT_EQ(minimal.status, 201);
  EXPECT_TRUE(minimal.body.empty());
  EXPECT_TRUE(minimal.headers.has("location"));
  const auto outcome = post("/fhir/Observation", kValid, "return=OperationOutcome");
  EXPECT_NE(outcome.body.find("OperationOutcome"), std::string::npos);
  const auto representation = post("/fhir/Observation", kValid);
  EXPECT_NE(representation.body.find("\"versionId\":\"1\""), std::string::npos);
}

// In a transaction-response, an entry's warnings (here: a profile the server does not know) come as its
// response.outcome, except with return=minimal (as a single write then has no body); a refused entry's
// outcome always comes.
TEST_P(ValidationTest, PreferReturnMinimalLeavesTheWarningsOutOfATransactionResponse) {
  const std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":
    {"resourceType":"Observation","meta":{"profile":["http://example.org/StructureDefinition/unknown"]},
     "status":"final","code":{"text":"x"}},"request":{"method":"POST","url":"Observation"}}]})";
  const auto full = post("/fhir", bundle);
  ASSERT_EQ(full.status, 200) << full.body;
  const bool warns = GetParam() != rest::ValidationMode::Off;
  EXPECT_EQ(full.body.find("\"outcome\"") != std::string::npos, warns) << full.body;
  EXPECT_EQ(full.body.find("is not known") != std::string::npos, warns) << full.body;
  const auto outcome = post("/fhir", bundle, "return=OperationOutcome");
  EXPECT_EQ(outcome.body.find("is not known") != std::string::npos, warns) << outcome.body;
  const auto minimal = post("/fhir", bundle, "return=minimal");
  ASSERT_EQ(minimal.status, 200) << minimal.body;
  EXPECT_NE(minimal.body.find("201 Created"), std::string::npos) << minimal.body;
  EXPECT_EQ(minimal.body.find("\"outcome\""), std::string::npos) << minimal.body;
  // A batch entry that fails keeps its outcome with return=minimal.
  const auto refused = post("/fhir",
                            R"({"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET",)"
                            R"("url":"Observation/none"}}]})",
                            "return=minimal");
  ASSERT_EQ(refused.status, 200) << refused.body;
  EXPECT_NE(refused.body.find("\"outcome\""), std::string::npos) << refused.body;
}

// return=minimal validates for errors only (nobody sees the warnings), yet an entry refused for its errors
// (strict) still comes with its whole outcome, warnings included; lenient still counts the failure.
TEST_P(ValidationTest, ARefusedEntryKeepsItsWarningsWithReturnMinimal) {
  const std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":
    {"resourceType":"Observation","meta":{"profile":["http://example.org/StructureDefinition/unknown"]},
     "status":"bogus","code":{"text":"x"}},"request":{"method":"POST","url":"Observation"}}]})";
  const auto r = post("/fhir", bundle, "return=minimal");
  if (GetParam() == rest::ValidationMode::Strict) {
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_NE(r.body.find("observation-status"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("is not known"), std::string::npos) << r.body;
  } else {
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body.find("is not known"), std::string::npos) << r.body;
  }
  EXPECT_EQ(service_.validation_failures(), GetParam() == rest::ValidationMode::Off ? 0u : 1u);
}

TEST_P(ValidationTest, ValidateOperation) {
  const auto bad = post("/fhir/Observation/$validate", kInvalid);
  EXPECT_EQ(bad.status, 200);
  EXPECT_NE(bad.body.find("\"severity\":\"error\""), std::string::npos);
  const std::string params =
      R"({"resourceType":"Parameters","parameter":[{"name":"resource","resource":)" + kValid + "}]}";
  const auto good = post("/fhir/Observation/$validate", params);
  EXPECT_EQ(good.status, 200);
  EXPECT_EQ(good.body.find("\"severity\":\"error\""), std::string::npos) << good.body;
  EXPECT_EQ(post("/fhir/Patient/$validate", kValid).status, 400);
}

TEST_P(ValidationTest, CapabilityStatementIsValidR4) {
  http::Request r;
  r.method = "GET";
  r.target = "/fhir/metadata";
  http::parse_target(r.target, r.path, r.query);
  const auto cs = service_.handle(r);
  ASSERT_EQ(cs.status, 200);
  const auto outcome = validator_.validate_text(cs.body);
  for (const auto& issue : outcome.issues()) {
    EXPECT_NE(issue.severity, fhir::validation::Severity::Error) << issue.expression << ": " << issue.diagnostics;
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, ValidationTest,
                         ::testing::Values(rest::ValidationMode::Strict, rest::ValidationMode::Lenient,
                                           rest::ValidationMode::Off),
                         [](const auto& test_param) {
                           switch (test_param.param) {
                             case rest::ValidationMode::Strict: return std::string("Strict");
                             case rest::ValidationMode::Lenient: return std::string("Lenient");
                             default: return std::string("Off");
                           }
                         });

}  // namespace
}  // namespace fhirgw
