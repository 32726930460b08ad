// The hospital side over HTTP against the real binary: the demo case in through POST /internal/records
// (one transaction), sent again (no new versions), read and searched as FHIR, and pulled back as
// internal NDJSON with GET /internal/records.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "server_harness.h"

namespace fhirgw::testing {
namespace {

std::string demo_case() {
  std::ifstream in(FHIRGW_DEMO_CASE);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count_lines(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

std::size_t count_of(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

TEST(InternalRecords, DemoCaseInAgainAndOut) {
  const std::string records = demo_case();
  ASSERT_FALSE(records.empty());
  TempDir dir;
  ServerProcess server(dir.path());
  Client c(server.port());
  const std::map<std::string, std::string> ndjson{{"Content-Type", "application/x-ndjson"}};

  auto first = c.request("POST", "/internal/records", records, ndjson);
  ASSERT_EQ(first.status, 200) << first.body.substr(0, 2000);
  EXPECT_EQ(json_member(first.body, "records_rejected"), "0");
  EXPECT_NE(first.body.find("201 Created"), std::string::npos);
  // Per line: which record became which resource.
  EXPECT_NE(first.body.find(R"("record":"GDPH-EMR/patient/MRN-0001","line":1)"), std::string::npos)
      << first.body.substr(0, 600);
  // Every stored resource names its record and line (the AdverseEvent too: its identifier is 0..1).
  EXPECT_EQ(count_of(first.body, R"("record":")"), count_of(first.body, R"("resource":")"));
  EXPECT_EQ(count_of(first.body, R"(","line":)"), count_of(first.body, R"("resource":")"));
  EXPECT_NE(first.body.find(R"("record":"GDPH-EMR/adverse_event/AE-HFSR-1","line":153})"), std::string::npos);
  // Versions of the data (system history would also count the AuditEvents each request adds).
  auto data_versions = [&] {
    std::string out;
    for (const char* type : {"Patient", "Condition", "Observation", "MedicationAdministration"}) {
      out += json_member(c.request("GET", std::string("/fhir/") + type + "/_history?_count=1").body, "total") + ",";
    }
    return out;
  };
  const std::string versions = data_versions();

  auto again = c.request("POST", "/internal/records", records, ndjson);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.body.find("201 Created"), std::string::npos);
  EXPECT_EQ(data_versions(), versions);

  auto observations = c.request("GET", "/fhir/Observation?_summary=count");
  EXPECT_NE(json_member(observations.body, "total"), "0");

  auto out = c.request("GET", "/internal/records?patient=MRN-0001");
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_EQ(out.header("content-type"), "application/x-ndjson");
  EXPECT_EQ(count_lines(out.body), count_lines(records));
  auto labs = c.request("GET", "/internal/records?patient=MRN-0001&type=lab_result");
  EXPECT_GT(count_lines(labs.body), 0u);
  EXPECT_EQ(labs.body.find("\"type\":\"diagnosis\""), std::string::npos);
  EXPECT_EQ(c.request("GET", "/internal/records?patient=NOPE").status, 404);
  EXPECT_EQ(c.request("POST", "/internal/records", records, {{"Content-Type", "text/csv"}}).status, 415);
}

}  // namespace
}  // namespace fhirgw::testing
