// json::parse_compact must accept and reject exactly what json::parse does (same messages and locations) and
// give the same tree: member order, decoded strings, number text, offsets.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fhir/json/compact.h"
#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "json_damaged_texts.h"

namespace fhir::json {
namespace {

// The same value, member order and offsets included.
void expect_same_tree(const Node& n, const CompactNode& c, const std::string& where) {
  ASSERT_EQ(n.kind(), c.kind()) << where;
  EXPECT_EQ(n.offset(), c.offset()) << where;
  EXPECT_EQ(n.text(), c.text()) << where;
  EXPECT_EQ(n.size(), c.size()) << where;
  if (n.is_object()) {
    ASSERT_EQ(n.members().size(), c.members().size()) << where;
    for (std::size_t i = 0; i < n.members().size(); ++i) {
      EXPECT_EQ(n.members()[i].key, c.members()[i].key()) << where;
      expect_same_tree(n.members()[i].value, c.members()[i], where + "." + std::string(n.members()[i].key));
      EXPECT_EQ(c.find(n.members()[i].key), &c.members()[i]) << where;
    }
  } else if (n.is_array()) {
    ASSERT_EQ(n.items().size(), c.items().size()) << where;
    for (std::size_t i = 0; i < n.items().size(); ++i)
      expect_same_tree(n.items()[i], c.items()[i], where + "[" + std::to_string(i) + "]");
  }
}

void expect_same_result(const std::string& text, const ParseOptions& options = {}) {
  SCOPED_TRACE(text.substr(0, 80));
  auto tree = parse(std::string_view(text), options);
  auto compact = parse_compact(text, options);
  ASSERT_EQ(bool(tree), bool(compact));
  if (!tree) {
    EXPECT_EQ(tree.error->message, compact.error->message);
    EXPECT_EQ(tree.error->offset, compact.error->offset);
    EXPECT_EQ(tree.error->location.line, compact.error->location.line);
    EXPECT_EQ(tree.error->location.column, compact.error->location.column);
    return;
  }
  expect_same_tree(tree.document->root(), compact.document->root(), "$");
  EXPECT_EQ(to_string(tree.document->root()), to_string(compact.document->root().to_node()));
}

TEST(JsonCompact, SameTreeAsTheNodeParser) {
  expect_same_result(R"({"a":1.50,"b":1E-22,"c":-0.0,"d":12345678901234567890123,"e":[true,false,null,{}],"f":[]})");
  expect_same_result(R"({"given":["a",null,"c"],"_given":[null,{"id":"x"},null],"z":true,"y":false})");
  expect_same_result(R"({"s":"a\"b\\c\n\u00e9\ud83d\ude00\/","k\u00e9y":"\t","":""})");
  expect_same_result("{\n  \"a\": \"x\\\"y\",\n  \"b\": [10, true]\n}\n");
  expect_same_result("\xEF\xBB\xBF{\"a\":\"b\"}");
  expect_same_result("[1,\"two\",[3,[4,{\"five\":5}]]]");
  expect_same_result("\"just a string\"");
  expect_same_result("  42  ");
  std::string wide = "{";
  for (int i = 0; i < 100; ++i) wide += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  expect_same_result(wide + "}");
}

TEST(JsonCompact, RejectsWhatTheNodeParserRejectsWithTheSameError) {
  const std::vector<std::string> bad = {
      "{\"a\":1,}", "[1,2,]", "{\"a\":1 /* c */}", "{\"a\":NaN}", "{\"a\":01}", "{\"a\":1.}", "{a:1}",
      "{\"a\":\"\xC3\x28\"}", "{\"a\":\"\xED\xA0\x80\"}", "{\"a\":\"\\ud800\"}", "{\"\\udc00\":1}", "{\"a\":\"x\ty\"}",
      "{\"a\":1}{", "", "   ", std::string("{\"a\":\"x\0y\"}", 11),
      "{\n  \"status\": \"final\",\n  \"status\": \"draft\"\n}", "{\n  \"a\": 1,\n  \"b\": tru\n}",
      "[{\"a\":1,\"b\":{\"a\":2,\"b\":3},\"a\":4}]", std::string(1000, '['), "\xEF\xBB\xBF{\"a\":}",
      // escapes decoded in place before the error (a decoded \n must not count as a line break)
      "{\"a\":\"x\\ny\\nz\",\"b\":tru}", "{\"k\\n\":\"\\n\",\n\"k\\n\":1}"};
  for (const auto& text : bad) expect_same_result(text);
  std::string wide = "{";
  for (int i = 0; i < 100; ++i) wide += "\"k" + std::to_string(i) + "\":1,";
  expect_same_result(wide + "\"k7\":2}");
}

// Every truncation and many one-byte changes of a FHIR-like text: both parsers agree on each (accept or
// reject, message, offset, line, column). Deterministic: the changes come from a fixed linear congruential
// sequence.
TEST(JsonCompact, AgreesWithTheNodeParserOnDamagedTexts) {
  const std::string good =
      "{\"resourceType\":\"Observation\",\"id\":\"o-1\",\"status\":\"final\",\n"
      " \"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"1834-1\"}],\"text\":\"AFP "
      "\\u00e9\\n\"},\n"
      " \"valueQuantity\":{\"value\":12.50,\"unit\":\"ng/"
      "mL\"},\"flags\":[true,false,null,-0.5e3],\"_x\":[{},[]]}";
  ASSERT_TRUE(parse_compact(good));
  testing::for_each_damaged_text(good, "{}[]:,\"\\ -+.0123456789eEtrufalsn\n\t\x01\xC3\xED\xA0", 12345, 3000,
                                 [](const std::string& text) { expect_same_result(text); });
}

TEST(JsonCompact, TakesOverAMovedText) {
  std::string text = "{\"a\":\"x\\ny\",\n\"b\":[1,2]}";
  auto r = parse_compact(std::move(text));
  ASSERT_TRUE(r);
  EXPECT_EQ(r.document->root().find("a")->text(), "x\ny");
  EXPECT_EQ(r.document->locate(r.document->root().find("b")->offset()).line, 2u);
  std::string bad = "{\"a\":\"x\\ny\\nz\",\n\"b\":tru}";
  auto e = parse_compact(std::move(bad));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error->location.line, 2u);
}

TEST(JsonCompact, BorrowsTheTextWithoutACopy) {
  const std::string text = "{\"a\":\"plain\",\n\"b\":\"x\\ny\",\"c\":[1.50]}";
  auto r = parse_compact_borrowed(text);
  ASSERT_TRUE(r);
  const std::string_view a = r.document->root().find("a")->text();
  EXPECT_EQ(a, "plain");
  EXPECT_GE(a.data(), text.data());  // read where it stands
  EXPECT_LT(a.data(), text.data() + text.size());
  EXPECT_EQ(r.document->root().find("b")->text(), "x\ny");  // decoded elsewhere: the text is not changed
  EXPECT_EQ(text, "{\"a\":\"plain\",\n\"b\":\"x\\ny\",\"c\":[1.50]}");
  EXPECT_EQ(r.document->root().find("c")->items()[0].text(), "1.50");
  EXPECT_EQ(r.document->locate(r.document->root().find("b")->offset()).line, 2u);
  for (const std::string bad : {"{\"a\":1,\n\"a\":2}", "[1e999]", "[1.5e309]", "{\"a\":tru}"}) {
    auto borrowed = parse_compact_borrowed(bad);
    auto copied = parse_compact(bad);
    ASSERT_EQ(bool(borrowed), bool(copied)) << bad;
    if (!copied) {
      EXPECT_EQ(borrowed.error->message, copied.error->message) << bad;
      EXPECT_EQ(borrowed.error->offset, copied.error->offset) << bad;
    }
  }
}

TEST(JsonCompact, HonoursDepthAndByteLimits) {
  ParseOptions depth;
  depth.max_depth = 3;
  expect_same_result("[[[1]]]", depth);
  expect_same_result("[[[[1]]]]", depth);
  ParseOptions bytes;
  bytes.max_bytes = 10;
  expect_same_result("{\"a\":\"0123456789\"}", bytes);
  EXPECT_FALSE(parse_compact("{\"a\":\"0123456789\"}", bytes));
}

TEST(JsonCompact, LeavesTheSourceTextAloneAndOutlivesIt) {
  std::string text = R"({"a":"x\ny","b":[1,2]})";
  const std::string before = text;
  auto r = parse_compact(text);
  text.assign(text.size(), '#');  // the document keeps its own copy
  ASSERT_TRUE(r);
  EXPECT_EQ(before, R"({"a":"x\ny","b":[1,2]})");
  CompactDocument moved = std::move(*r.document);
  EXPECT_EQ(moved.root().find("a")->text(), "x\ny");
  EXPECT_EQ(moved.root().find("b")->items()[1].text(), "2");
  EXPECT_EQ(moved.root().find("missing"), nullptr);
  EXPECT_EQ(moved.root().find("b")->find("a"), nullptr);  // not an object
  EXPECT_TRUE(moved.root().find("a")->items().empty());
  EXPECT_EQ(moved.locate(moved.root().find("b")->offset()).column, 17u);  // the "[" at byte 16
}

// stream_compact_items: each item as the whole parse has it (offsets included), its range re-parses to the same
// value, the rest of the root stays in the envelope, and a text the scanner refuses gives false.
TEST(CompactStream, ItemsOneByOneAsTheWholeTreeHasThem) {
  const std::string text =
      R"({"resourceType":"Bundle","entry":[{"fullUrl":"a","resource":{"id":"x\u0041","n":[1,2.50]}},7,)"
      R"([true,null],{"resource":{"id":"y","meta":{"k":{"deep":[{}]}}}}],"total":3})";
  auto whole = parse(text);
  ASSERT_TRUE(whole);
  const Node& entries = *whole.document->root().find("entry");
  std::vector<std::size_t> delivered;  // the positions of the items handed out
  CompactDocument envelope;
  ASSERT_TRUE(stream_compact_items(
      text, "entry",
      [&](const CompactNode& item, std::uint32_t begin, std::uint32_t end) {
        std::size_t i = 0;
        while (i < entries.items().size() && entries.items()[i].offset() != item.offset()) ++i;
        ASSERT_LT(i, entries.items().size());
        delivered.push_back(i);
        expect_same_tree(entries.items()[i], item, "item " + std::to_string(i));
        auto again = parse_compact_slice(text, begin, end);
        ASSERT_TRUE(again);
        EXPECT_EQ(to_string(again.document->root().to_node()), to_string(entries.items()[i]));
      },
      envelope));
  EXPECT_EQ(delivered, (std::vector<std::size_t>{0, 2, 3}));  // not the number 7
  EXPECT_EQ(to_string(envelope.root().to_node()), R"({"resourceType":"Bundle","entry":[],"total":3})");
}

TEST(CompactStream, FilterLeavesMembersOutAndRefusalsAreReported) {
  const std::string text = R"({"entry":[{"resource":{"id":"x","meta":{"a":1,"a":2},"text":"t"},"search":{}}]})";
  std::string seen;
  CompactDocument envelope;
  CompactStreamOptions only_id;
  only_id.keep = [](std::size_t depth, std::string_view key) { return depth != 2 || key == "id"; };
  EXPECT_TRUE(stream_compact_items(
      text, "entry", [&](const CompactNode& item, std::uint32_t, std::uint32_t) { seen = to_string(item.to_node()); },
      envelope, only_id));
  EXPECT_EQ(seen, R"({"resource":{"id":"x"},"search":{}})");  // the duplicate key was not built, so not checked
  seen.clear();
  EXPECT_FALSE(stream_compact_items(
      text, "entry", [&](const CompactNode&, std::uint32_t, std::uint32_t) {}, envelope));
  EXPECT_FALSE(stream_compact_items(R"({"entry":[{}],)", "entry",
                                    [&](const CompactNode&, std::uint32_t, std::uint32_t) {}, envelope));
}

// skim_left_out: the members the filter leaves out are skimmed, not read. On a valid text the items are exactly
// those without skimming, whatever the skipped values hold: strings with brackets, quotes and backslashes
// escaped, an escape across the 64-byte blocks the skim works on, long strings and deep nesting; an invalid
// skipped value is not noticed (the caller's full pass finds it).
TEST(CompactStream, SkimmedMembersGiveTheSameItemsOnValidTexts) {
  auto items_of = [](const std::string& text, bool skim, bool& accepted) {
    CompactStreamOptions options;
    options.keep = [](std::size_t depth, std::string_view key) { return depth == 1 || key == "id" || key == "keep"; };
    options.skim_left_out = skim;
    std::string out;
    CompactDocument envelope;
    accepted = stream_compact_items(
        text, "entry",
        [&](const CompactNode& item, std::uint32_t begin, std::uint32_t end) {
          out += to_string(item.to_node()) + " @" + std::to_string(begin) + "-" + std::to_string(end) + "\n";
        },
        envelope, options);
    return out;
  };
  std::vector<std::string> values = {R"("plain")",
                                     R"("a ] } [ { , : inside")",
                                     R"("esc \" ] \\ }\\")",
                                     R"("\u005d\u007d")",
                                     "12.50",
                                     "-0.5e+3",
                                     "true",
                                     "false",
                                     "null",
                                     "[]",
                                     "{}",
                                     R"([1,[2,[3,{"a":[{}]}]],"]"])",
                                     R"({"a":{"b":"}"},"c":["{",{}]})",
                                     R"({"k":")" + std::string(200, 'x') + R"(]"})",
                                     R"([")" + std::string(100, '{') + R"("])"};
  // An escape right at the end of a 64-byte block (the skim starts a block at the value) and just after it.
  for (std::size_t at : {60u, 61u, 62u, 63u, 64u, 126u, 127u}) {
    std::string v = R"({"s":")" + std::string(at - 6, 'y') + R"(\"]}\\"})";
    values.push_back(v);
  }
  std::string text = R"({"resourceType":"Bundle","entry":[)";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ",";
    text += R"({"resource":{"skip":)" + values[i] + R"(,"id":"r)" + std::to_string(i) + R"(","more":)" + values[i] +
            R"(,"keep":)" + values[i] + R"(},"request":)" + values[i] + "}";
  }
  text += "]}";
  ASSERT_TRUE(parse(text)) << text;
  bool read = false, skimmed = false;
  const std::string expected = items_of(text, false, read);
  EXPECT_TRUE(read);
  EXPECT_EQ(items_of(text, true, skimmed), expected);
  EXPECT_TRUE(skimmed);
  EXPECT_NE(expected.find(R"("id":"r21")"), std::string::npos);
  // Not checked when skimmed: a bad literal in a left-out member.
  const std::string bad = R"({"entry":[{"resource":{"skip":tru,"id":"x"}}]})";
  EXPECT_EQ(items_of(bad, true, skimmed), R"({"resource":{"id":"x"}} @10-44)"
                                          "\n");
  EXPECT_TRUE(skimmed);
  items_of(bad, false, read);
  EXPECT_FALSE(read);
  // A skimmed value that never ends is refused.
  items_of(R"({"entry":[{"resource":{"skip":[[1,"]"]}}]})", true, skimmed);
  EXPECT_FALSE(skimmed);
}

}  // namespace
}  // namespace fhir::json
