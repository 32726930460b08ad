// The text a token row keeps for `:text` searches (search/indexer.cpp): a coding's display, then the
// CodeableConcept's text, the latter not a second time when both say the same (a mapped lab result's LOINC
// and local codings each carried "display display"); `:text` finds a resource by either (FhirService
// without sockets, real SQLite file).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fhir/json/parser.h"
#include "fhir/model/metadata.h"
#include "search/indexer.h"
#include "search/param_catalog.h"
#include "search_service_fixture.h"

namespace fhirgw {
namespace {

// An Observation whose code has a LOINC and a local coding, both with `display`, and `text`.
std::string observation(const std::string& id, const std::string& display, const std::string& text) {
  return R"({"resourceType":"Observation","id":")" + id +
         R"(","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"1834-1","display":")" + display +
         R"("},{"system":"urn:local:lab","code":"AFP","display":")" + display + R"("}],"text":")" + text + R"("}})";
}

std::vector<std::string> code_texts(const std::string& body) {
  const search::ParamCatalog catalog(fhir::model::Registry::r4());
  const auto doc = fhir::json::parse(body);
  EXPECT_TRUE(doc);
  std::vector<std::string> out;
  if (!doc) return out;
  for (const auto& t : search::build_index(catalog, "Observation", doc.document->root()).tokens) {
    if (t.param == "code") out.push_back(t.text);
  }
  return out;
}

TEST(TokenText, TheConceptTextOnceWhenTheDisplaySaysTheSame) {
  EXPECT_EQ(code_texts(observation("o", "Alpha-1-Fetoprotein in Serum", "alpha-1-fetoprotein  in serum")),
            (std::vector<std::string>{"alpha-1-fetoprotein in serum", "alpha-1-fetoprotein in serum"}));
  EXPECT_EQ(code_texts(observation("o", "Alpha-1-Fetoprotein", "AFP serum")),
            (std::vector<std::string>{"alpha-1-fetoprotein afp serum", "alpha-1-fetoprotein afp serum"}));
}

class TokenTextSearchTest : public test::SearchServiceTest {};

TEST_F(TokenTextSearchTest, FindsEitherPart) {
  ASSERT_EQ(
      call("PUT", "/fhir/Observation/same", observation("same", "Alpha-1-Fetoprotein", "alpha-1-fetoprotein")).status,
      201);
  ASSERT_EQ(call("PUT", "/fhir/Observation/other", observation("other", "Alpha-1-Fetoprotein", "AFP serum")).status,
            201);
  EXPECT_EQ(ids("Observation?code:text=fetoprotein"),
            (std::vector<std::string>{"Observation/other", "Observation/same"}));
  EXPECT_EQ(ids("Observation?code:text=afp%20serum"), std::vector<std::string>{"Observation/other"});
  EXPECT_TRUE(ids("Observation?code:text=potassium").empty());
}

}  // namespace
}  // namespace fhirgw
