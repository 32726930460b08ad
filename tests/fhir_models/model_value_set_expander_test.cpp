// The generator's ValueSet expansion on small synthetic CodeSystems / ValueSets.
#include <gtest/gtest.h>

#include "fhir/json/parser.h"
#include "value_set_expander.h"

namespace fhir::tools {
namespace {

class Expander : public ::testing::Test {
 protected:
  const json::Node& keep(std::string_view text) {
    json::ParseResult parsed = json::parse(text);
    EXPECT_TRUE(parsed) << (parsed.error ? parsed.error->message : "");
    docs_.push_back(std::move(*parsed.document));
    return docs_.back().root();
  }
  void code_system(std::string_view text) { expander_.add_code_system(keep(text)); }
  void value_set(std::string_view text) { expander_.add_value_set(keep(text)); }
  std::vector<std::string> codes(const std::string& url, const std::string& system, bool* complete = nullptr) {
    auto vs = expander_.expand(url);
    EXPECT_NE(vs, nullptr) << url;
    if (!vs) return {};
    if (complete != nullptr) *complete = vs->complete;
    const auto it = vs->codes_by_system.find(system);
    if (it == vs->codes_by_system.end()) return {};
    std::vector<std::string> out = it->second;
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<json::Document> docs_;
  ValueSetExpander expander_;
};

using Codes = std::vector<std::string>;

TEST_F(Expander, WholeSystemNestedAndPropertyHierarchies) {
  // a > (b > c), d ; e declares parent d by property; f declares child g by property.
  code_system(R"({"resourceType":"CodeSystem","url":"s","content":"complete","concept":[
      {"code":"a","concept":[{"code":"b","concept":[{"code":"c"}]}]},{"code":"d"},
      {"code":"e","property":[{"code":"parent","valueCode":"d"}]},
      {"code":"f","property":[{"code":"child","valueCode":"g"}]},{"code":"g"}]})");
  value_set(R"({"resourceType":"ValueSet","url":"all","compose":{"include":[{"system":"s"}]}})");
  value_set(R"({"resourceType":"ValueSet","url":"isa","compose":{"include":[{"system":"s",
      "filter":[{"property":"concept","op":"is-a","value":"a"}]}]}})");
  value_set(R"({"resourceType":"ValueSet","url":"desc","compose":{"include":[{"system":"s",
      "filter":[{"property":"concept","op":"descendent-of","value":"d"}]}]}})");
  value_set(R"({"resourceType":"ValueSet","url":"notisa","compose":{"include":[{"system":"s",
      "filter":[{"property":"concept","op":"is-not-a","value":"a"}]}]}})");
  value_set(R"({"resourceType":"ValueSet","url":"f-tree","compose":{"include":[{"system":"s",
      "filter":[{"property":"concept","op":"is-a","value":"f"}]}]}})");
  bool complete = false;
  EXPECT_EQ(codes("all", "s", &complete), (Codes{"a", "b", "c", "d", "e", "f", "g"}));
  EXPECT_TRUE(complete);
  EXPECT_EQ(codes("isa", "s"), (Codes{"a", "b", "c"}));
  EXPECT_EQ(codes("desc", "s"), (Codes{"e"}));
  EXPECT_EQ(codes("notisa", "s"), (Codes{"d", "e", "f", "g"}));
  EXPECT_EQ(codes("f-tree", "s"), (Codes{"f", "g"}));
}

TEST_F(Expander, ExcludesImportsAndExternalSystems) {
  code_system(R"({"resourceType":"CodeSystem","url":"s","content":"complete",
      "concept":[{"code":"a"},{"code":"b"},{"code":"c"}]})");
  code_system(R"({"resourceType":"CodeSystem","url":"frag","content":"fragment","concept":[{"code":"x"}]})");
  value_set(R"({"resourceType":"ValueSet","url":"ab","compose":{"include":[{"system":"s"}],
      "exclude":[{"system":"s","concept":[{"code":"c"}]}]}})");
  value_set(R"({"resourceType":"ValueSet","url":"bc","compose":{"include":[{"system":"s",
      "concept":[{"code":"b"},{"code":"c"}]}]}})");
  // Two imports in one include intersect; separate includes unite.
  value_set(R"({"resourceType":"ValueSet","url":"b-only","compose":{"include":[{"valueSet":["ab","bc|1.0"]}]}})");
  value_set(
      R"({"resourceType":"ValueSet","url":"abc","compose":{"include":[{"valueSet":["ab"]},{"valueSet":["bc"]}]}})");
  value_set(R"({"resourceType":"ValueSet","url":"ext","compose":{"include":[{"system":"http://loinc.org"}]}})");
  value_set(R"({"resourceType":"ValueSet","url":"ext-list","compose":{"include":[{"system":"http://loinc.org",
      "concept":[{"code":"1-8"}]}]}})");
  value_set(R"({"resourceType":"ValueSet","url":"fragment","compose":{"include":[{"system":"frag"}]}})");
  value_set(R"({"resourceType":"ValueSet","url":"missing-import","compose":{"include":[{"valueSet":["nope"]}]}})");
  value_set(R"({"resourceType":"ValueSet","url":"cycle","compose":{"include":[{"valueSet":["cycle"]}]}})");
  bool complete = false;
  EXPECT_EQ(codes("ab", "s", &complete), (Codes{"a", "b"}));
  EXPECT_TRUE(complete);
  EXPECT_EQ(codes("b-only", "s", &complete), (Codes{"b"}));
  EXPECT_TRUE(complete);
  EXPECT_EQ(codes("abc", "s"), (Codes{"a", "b", "c"}));
  EXPECT_EQ(codes("ext", "http://loinc.org", &complete), Codes{});
  EXPECT_FALSE(complete);  // a whole external system cannot be enumerated
  EXPECT_EQ(codes("ext-list", "http://loinc.org", &complete), (Codes{"1-8"}));
  EXPECT_TRUE(complete);  // an enumerated list is complete whatever the system
  codes("fragment", "frag", &complete);
  EXPECT_FALSE(complete);
  codes("missing-import", "s", &complete);
  EXPECT_FALSE(complete);
  codes("cycle", "s", &complete);  // terminates
  EXPECT_FALSE(complete);
  EXPECT_EQ(expander_.expand("unknown"), nullptr);
}

TEST_F(Expander, UnsupportedFiltersMarkIncomplete) {
  code_system(R"({"resourceType":"CodeSystem","url":"s","content":"complete","concept":[{"code":"a"}]})");
  value_set(R"({"resourceType":"ValueSet","url":"prop","compose":{"include":[{"system":"s",
      "filter":[{"property":"class","op":"=","value":"x"}]}]}})");
  bool complete = true;
  codes("prop", "s", &complete);
  EXPECT_FALSE(complete);
}

TEST_F(Expander, CodeSystemInfo) {
  code_system(R"({"resourceType":"CodeSystem","url":"s","content":"complete","caseSensitive":false,
      "concept":[{"code":"a","display":"A","concept":[{"code":"b"}]}]})");
  code_system(R"({"resourceType":"CodeSystem","url":"sup","content":"supplement","concept":[{"code":"a"}]})");
  auto info = expander_.code_system_info("s");
  ASSERT_NE(info, nullptr);
  EXPECT_FALSE(info->case_sensitive);
  EXPECT_EQ(info->codes.size(), 2u);
  EXPECT_EQ(info->codes.at("a"), "A");
  EXPECT_EQ(expander_.code_system_info("sup"), nullptr);
}

}  // namespace
}  // namespace fhir::tools
