#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "fhir/json/node.h"
#include "fhir/json/parser.h"
#include "fhir/json/writer.h"

namespace fhir::json {
namespace {

std::string error_of(const std::string& text) {
  auto r = parse(text);
  return r ? std::string() : r.error->message;
}

TEST(JsonParser, KeepsDecimalTextExactly) {
  auto r = parse(R"({"a":1.50,"b":1E-22,"c":1.000000000000000000E-245,"d":-0.0,"e":12345678901234567890123})");
  ASSERT_TRUE(r) << r.error->message;
  const Node& root = r.document->root();
  EXPECT_EQ(root.find("a")->text(), "1.50");
  EXPECT_EQ(root.find("b")->text(), "1E-22");
  EXPECT_EQ(root.find("c")->text(), "1.000000000000000000E-245");
  EXPECT_EQ(root.find("d")->text(), "-0.0");
  EXPECT_EQ(root.find("e")->text(), "12345678901234567890123");
  EXPECT_EQ(to_string(root),
            R"({"a":1.50,"b":1E-22,"c":1.000000000000000000E-245,"d":-0.0,"e":12345678901234567890123})");
}

TEST(JsonParser, KeepsMemberOrderAndNullPlaceholders) {
  auto r = parse(R"({"given":["a",null,"c"],"_given":[null,{"id":"x"},null],"z":true,"y":false})");
  ASSERT_TRUE(r);
  const Node& root = r.document->root();
  ASSERT_EQ(root.members().size(), 4u);
  EXPECT_EQ(root.members()[0].key, "given");
  EXPECT_EQ(root.members()[3].key, "y");
  EXPECT_TRUE(root.find("given")->items()[1].is_null());
  EXPECT_EQ(root.find("_given")->items()[1].find("id")->text(), "x");
}

TEST(JsonParser, DecodesEscapesAndWritesThemBack) {
  auto r = parse(R"({"s":"a\"b\\c\n\u00e9\ud83d\ude00\/"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r.document->root().find("s")->text(), "a\"b\\c\n\xC3\xA9\xF0\x9F\x98\x80/");
  EXPECT_EQ(to_string(r.document->root()), "{\"s\":\"a\\\"b\\\\c\\n\xC3\xA9\xF0\x9F\x98\x80/\"}");
}

TEST(JsonParser, RejectsDuplicateKeysWithLineAndColumn) {
  auto r = parse("{\n  \"status\": \"final\",\n  \"status\": \"draft\"\n}");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error->message.find("duplicate key 'status'"), std::string::npos);
  EXPECT_EQ(r.error->location.line, 3u);
}

TEST(JsonParser, RejectsDuplicateKeysInLargeObjects) {
  std::string text = "{";
  for (int i = 0; i < 100; ++i) text += "\"k" + std::to_string(i) + "\":1,";
  text += "\"k7\":2}";
  EXPECT_NE(error_of(text).find("duplicate key 'k7'"), std::string::npos);
}

TEST(JsonParser, RejectsWhatStrictJsonForbids) {
  EXPECT_NE(error_of("{\"a\":1,}"), "");                         // trailing comma
  EXPECT_NE(error_of("[1,2,]"), "");                             // trailing comma in array
  EXPECT_NE(error_of("{\"a\":1 /* c */}"), "");                  // comment
  EXPECT_NE(error_of("{\"a\":1} // c"), "");                     // line comment
  EXPECT_NE(error_of("{\"a\":NaN}"), "");                        // NaN
  EXPECT_NE(error_of("{\"a\":Infinity}"), "");                   // Infinity
  EXPECT_NE(error_of("{\"a\":01}"), "");                         // leading zero
  EXPECT_NE(error_of("{\"a\":1.}"), "");                         // incomplete fraction
  EXPECT_NE(error_of("{\"a\":.5}"), "");                         // missing integer part
  EXPECT_NE(error_of("{\"a\":'x'}"), "");                        // single quotes
  EXPECT_NE(error_of("{a:1}"), "");                              // unquoted key
  EXPECT_NE(error_of("{\"a\":\"\xC3\x28\"}"), "");               // invalid UTF-8
  EXPECT_NE(error_of("{\"a\":\"\xED\xA0\x80\"}"), "");           // UTF-8-encoded surrogate
  EXPECT_NE(error_of("{\"a\":\"\\ud800\"}"), "");                // lone high surrogate
  EXPECT_NE(error_of("{\"a\":\"\\udc00\"}"), "");                // lone low surrogate
  EXPECT_NE(error_of("{\"\\ud800\":1}"), "");                    // ... in a key
  EXPECT_NE(error_of("{\"a\":\"x\ty\"}"), "");                   // raw control character
  EXPECT_NE(error_of("{\"a\":1}{"), "");                         // trailing content
  EXPECT_NE(error_of(""), "");                                   // empty
  EXPECT_NE(error_of("   "), "");                                // whitespace only
  EXPECT_NE(error_of(std::string("{\"a\":\"x\0y\"}", 11)), "");  // NUL byte
}

TEST(JsonParser, ReportsLineAndColumnOfSyntaxErrors) {
  auto r = parse("{\n  \"a\": 1,\n  \"b\": tru\n}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error->location.line, 3u);
  EXPECT_GT(r.error->location.column, 5u);
}

TEST(JsonParser, CapsNestingDepthWithoutCrashing) {
  std::string deep(100000, '[');
  auto r = parse(deep);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error->message.find("nesting deeper than"), std::string::npos);

  ParseOptions opts;
  opts.max_depth = 3;
  EXPECT_TRUE(parse("[[[1]]]", opts));
  EXPECT_FALSE(parse("[[[[1]]]]", opts));
}

TEST(JsonParser, EnforcesByteLimit) {
  ParseOptions opts;
  opts.max_bytes = 10;
  auto r = parse(std::string("{\"a\":\"0123456789\"}"), opts);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error->message.find("exceeds the limit"), std::string::npos);
}

TEST(JsonParser, RecordsValueOffsets) {
  std::string text = "{\n  \"a\": \"x\\\"y\",\n  \"b\": [10, true]\n}";
  auto r = parse(text);
  ASSERT_TRUE(r);
  const Node& root = r.document->root();
  EXPECT_EQ(root.offset(), 0u);
  EXPECT_EQ(text[root.find("a")->offset()], '"');
  EXPECT_EQ(r.document->locate(root.find("a")->offset()).line, 2u);
  EXPECT_EQ(r.document->locate(root.find("a")->offset()).column, 8u);
  EXPECT_EQ(text[root.find("b")->offset()], '[');
  EXPECT_EQ(text.substr(root.find("b")->items()[0].offset(), 2), "10");
  EXPECT_EQ(text.substr(root.find("b")->items()[1].offset(), 4), "true");
}

TEST(JsonParser, ToleratesByteOrderMark) {
  std::string text = "\xEF\xBB\xBF{\"a\":\"b\"}";
  auto r = parse(text);
  ASSERT_TRUE(r) << r.error->message;
  EXPECT_EQ(text[r.document->root().find("a")->offset()], '"');
}

TEST(JsonParser, StringViewOverloadDoesNotReadPastTheView) {
  std::string buffer = "{\"a\":1}garbage";
  auto r = parse(std::string_view(buffer).substr(0, 7));
  ASSERT_TRUE(r);
  EXPECT_EQ(r.document->root().find("a")->text(), "1");
}

TEST(JsonWriter, PrettyPrintsWithTwoSpaces) {
  auto r = parse(R"({"a":[1,{"b":null}],"c":{},"d":[]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(to_string(r.document->root(), {.pretty = true}),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": {},\n  \"d\": []\n}");
}

TEST(JsonWriter, EscapesControlCharacters) {
  Node s = Node::string(std::string("a\x01\x1f\tb", 5));
  EXPECT_EQ(to_string(s), "\"a\\u0001\\u001f\\tb\"");
}

TEST(JsonParser, DocumentsReleasedOnAnotherThreadKeepTheirContent) {
  // Arena blocks go back to a shared pool when a document dies and are reused by later documents:
  // a document parsed here, freed on another thread while new ones are parsed, must not disturb them.
  for (int round = 0; round < 20; ++round) {
    std::vector<Document> docs;
    for (int i = 0; i < 8; ++i) {
      std::string text =
          "{\"n\":" + std::to_string(round * 100 + i) + ",\"pad\":\"" + std::string(5000 * (i + 1), 'x') + "\"}";
      auto r = parse(text);
      ASSERT_TRUE(r);
      docs.push_back(std::move(*r.document));
    }
    std::thread release([old = std::move(docs)]() mutable { old.clear(); });
    auto fresh = parse(R"({"kept":"yes","list":[1,2,3]})");
    release.join();
    ASSERT_TRUE(fresh);
    EXPECT_EQ(fresh.document->root().find("kept")->text(), "yes");
    EXPECT_EQ(fresh.document->root().find("list")->size(), 3u);
  }
}

TEST(JsonNode, BuildsAndComparesIgnoringMemberOrder) {
  Node a = Node::object();
  a.set("x", Node::number("1.0"));
  a.set("y", Node::string("s"));
  Node b = Node::object();
  b.set("y", Node::string("s"));
  b.set("x", Node::number("1.0"));
  EXPECT_EQ(a, b);
  b.set("x", Node::number("1.00"));  // same value, different text: not equal (lossless comparison)
  EXPECT_NE(a, b);
  EXPECT_TRUE(b.erase("x"));
  EXPECT_FALSE(b.erase("x"));
  EXPECT_EQ(b.size(), 1u);
}

TEST(JsonNode, CopiesAcrossArenas) {
  Node copy;
  {
    auto r = parse(R"({"a":[{"b":"long string that does not fit SSO"}]})");
    ASSERT_TRUE(r);
    copy = Node(r.document->root());
  }
  EXPECT_EQ(copy.find("a")->items()[0].find("b")->text(), "long string that does not fit SSO");
}

}  // namespace
}  // namespace fhir::json
