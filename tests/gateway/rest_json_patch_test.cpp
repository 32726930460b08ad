// JSON Patch (RFC 6902) on the project's JSON tree: the RFC's Appendix A cases plus the failure kinds
// the PATCH interaction turns into 400 (malformed patch) and 422 (patch does not apply).
#include <gtest/gtest.h>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "rest/json_patch.h"

namespace fhirgw::rest {
namespace {

using Kind = PatchFailure::Kind;

struct Applied {
  std::optional<PatchFailure> failure;
  std::string result;  // compact JSON of the target after the call
};

Applied apply(const std::string& doc, const std::string& patch) {
  auto target = fhir::json::parse(doc);
  auto ops = fhir::json::parse(patch);
  EXPECT_TRUE(target && ops) << "test input must be JSON";
  Applied a;
  a.failure = apply_json_patch(target.document->root(), ops.document->root());
  a.result = fhir::json::to_string(target.document->root());
  return a;
}

void expect_result(const std::string& doc, const std::string& patch, const std::string& expected) {
  const Applied a = apply(doc, patch);
  ASSERT_FALSE(a.failure) << a.failure->reason;
  auto got = fhir::json::parse(a.result);
  auto want = fhir::json::parse(expected);
  ASSERT_TRUE(got && want);
  EXPECT_EQ(got.document->root(), want.document->root()) << "got " << a.result;
}

void expect_failure(const std::string& doc, const std::string& patch, Kind kind, std::size_t operation) {
  const Applied a = apply(doc, patch);
  ASSERT_TRUE(a.failure) << "patch applied: " << a.result;
  EXPECT_EQ(a.failure->kind, kind) << a.failure->reason;
  EXPECT_EQ(a.failure->operation, operation) << a.failure->reason;
  EXPECT_FALSE(a.failure->reason.empty());
  // All or nothing: the document is unchanged.
  auto before = fhir::json::parse(doc);
  auto after = fhir::json::parse(a.result);
  EXPECT_EQ(before.document->root(), after.document->root());
}

TEST(JsonPatch, AddsObjectMemberAndArrayElement) {
  expect_result(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])", R"({"baz":"qux","foo":"bar"})");
  expect_result(R"({"foo":["bar","baz"]})", R"([{"op":"add","path":"/foo/1","value":"qux"}])",
                R"({"foo":["bar","qux","baz"]})");
  expect_result(R"({"foo":["bar"]})", R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])",
                R"({"foo":["bar",["abc","def"]]})");
  expect_result(R"({"foo":"bar"})", R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])",
                R"({"foo":"bar","child":{"grandchild":{}}})");
}

TEST(JsonPatch, RemovesReplacesMovesCopies) {
  expect_result(R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])", R"({"foo":"bar"})");
  expect_result(R"({"foo":["bar","qux","baz"]})", R"([{"op":"remove","path":"/foo/1"}])", R"({"foo":["bar","baz"]})");
  expect_result(R"({"baz":"qux","foo":"bar"})", R"([{"op":"replace","path":"/baz","value":"boo"}])",
                R"({"baz":"boo","foo":"bar"})");
  expect_result(R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
                R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])",
                R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})");
  expect_result(R"({"foo":["all","grass","cows","eat"]})", R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])",
                R"({"foo":["all","cows","eat","grass"]})");
  expect_result(R"({"a":{"b":1}})", R"([{"op":"copy","from":"/a","path":"/c"}])", R"({"a":{"b":1},"c":{"b":1}})");
}

TEST(JsonPatch, EscapedPointerTokens) {
  expect_result(R"({"a/b":1,"m~n":2})", R"([{"op":"replace","path":"/a~1b","value":3},{"op":"remove","path":"/m~0n"}])",
                R"({"a/b":3})");
}

TEST(JsonPatch, DecimalTextIsKeptExactly) {
  const Applied a =
      apply(R"({"valueQuantity":{"value":1.0}})", R"([{"op":"replace","path":"/valueQuantity/value","value":12.50}])");
  ASSERT_FALSE(a.failure);
  EXPECT_EQ(a.result, R"({"valueQuantity":{"value":12.50}})");
}

TEST(JsonPatch, TestOperationComparesValues) {
  expect_result(R"({"baz":"qux","foo":["a",2,"c"]})",
                R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])",
                R"({"baz":"qux","foo":["a",2,"c"]})");
  // Numbers compare by value (RFC 6902 §4.6).
  expect_result(R"({"v":12.5})", R"([{"op":"test","path":"/v","value":12.50}])", R"({"v":12.5})");
  expect_failure(R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])", Kind::NotApplicable, 0);
  expect_failure(R"({"o":{"a":1}})", R"([{"op":"test","path":"/o","value":{"a":1,"b":2}}])", Kind::NotApplicable, 0);
}

TEST(JsonPatch, FailuresLeaveTheDocumentUnchanged) {
  // The first operation applies, the second does not: nothing is kept.
  expect_failure(R"({"a":1})", R"([{"op":"replace","path":"/a","value":2},{"op":"remove","path":"/missing"}])",
                 Kind::NotApplicable, 1);
  expect_failure(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz/bat","value":"qux"}])", Kind::NotApplicable, 0);
  expect_failure(R"({"foo":["a"]})", R"([{"op":"add","path":"/foo/5","value":"x"}])", Kind::NotApplicable, 0);
  expect_failure(R"({"foo":["a"]})", R"([{"op":"replace","path":"/foo/01","value":"x"}])", Kind::NotApplicable, 0);
  expect_failure(R"({"foo":["a"]})", R"([{"op":"replace","path":"/foo/-","value":"x"}])", Kind::NotApplicable, 0);
  expect_failure(R"({"a":1})", R"([{"op":"remove","path":""}])", Kind::NotApplicable, 0);
}

TEST(JsonPatch, MalformedPatchDocuments) {
  expect_failure(R"({"a":1})", R"({"op":"remove","path":"/a"})", Kind::Malformed, 0);
  expect_failure(R"({"a":1})", R"([{"op":"delete","path":"/a"}])", Kind::Malformed, 0);
  expect_failure(R"({"a":1})", R"([{"path":"/a"}])", Kind::Malformed, 0);
  expect_failure(R"({"a":1})", R"([{"op":"add","path":"/b"}])", Kind::Malformed, 0);
  expect_failure(R"({"a":1})", R"([{"op":"replace","path":"a","value":2}])", Kind::Malformed, 0);
  expect_failure(R"({"a":1})", R"([{"op":"replace","path":"/a~2","value":2}])", Kind::Malformed, 0);
  expect_failure(R"({"a":1})", R"([{"op":"copy","path":"/b"}])", Kind::Malformed, 0);
  expect_failure(R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a/b/c"}])", Kind::Malformed, 0);
  expect_failure(R"({"a":1})", R"([{"op":"remove","path":"/a"},5])", Kind::Malformed, 1);
}

}  // namespace
}  // namespace fhirgw::rest
