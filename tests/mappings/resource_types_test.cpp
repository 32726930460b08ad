// kMappedResourceTypes is the list the gateway's access filter asks scopes for on /internal/records: it
// must name exactly the types the mapping writes for the golden records and the demo case.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "fhir/mappings/to_fhir.h"
#include "test_util.h"

namespace fhir::mappings {
namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(MappedResourceTypes, NameExactlyTheTypesTheMappingWrites) {
  std::vector<std::filesystem::path> inputs = {std::filesystem::path(FHIRGW_DEMO_DIR) / "case.ndjson"};
  for (const auto& e : std::filesystem::directory_iterator(FHIRGW_MAPPINGS_GOLDEN_DIR)) {
    if (e.path().extension() == ".ndjson") inputs.push_back(e.path());
  }
  std::set<std::string> written;
  for (const auto& path : inputs) {
    const auto result = records_to_fhir(read_text(path), Tables::builtin());
    ASSERT_FALSE(result.bundle.is_null()) << path;
    for (const auto& entry : result.bundle.find("entry")->items()) {
      written.insert(std::string(entry.find("resource")->find("resourceType")->text()));
    }
  }
  const std::set<std::string> listed(kMappedResourceTypes.begin(), kMappedResourceTypes.end());
  EXPECT_EQ(written, listed);
}

}  // namespace
}  // namespace fhir::mappings
