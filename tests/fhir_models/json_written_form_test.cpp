// json::written_form_end: a value's text is accepted as written only if it is exactly json::write's text of its
// node, so copying it gives the same bytes as writing the node again.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fhir/json/node.h"
#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/json/written_form.h"

namespace fhir::json {
namespace {

constexpr auto kNo = std::string_view::npos;

struct Walk {
  std::size_t written = 0;  // values whose text was accepted (and equal to the writer's)
  std::size_t refused = 0;
};

// Every value of the tree: when its text is accepted, it must be what json::write writes for it.
void check_every_value(const std::string& text, const Node& n, Walk& walk) {
  const std::size_t end = written_form_end(text, n.offset());
  if (end == kNo) {
    ++walk.refused;
  } else {
    ++walk.written;
    EXPECT_EQ(text.substr(n.offset(), end - n.offset()), to_string(n)) << text;
  }
  for (const Member& m : n.members()) check_every_value(text, m.value, walk);
  for (const Node& item : n.items()) check_every_value(text, item, walk);
}

Walk walk(const std::string& text) {
  auto parsed = parse(text);
  EXPECT_TRUE(parsed) << text;
  Walk w;
  if (parsed) check_every_value(text, parsed.document->root(), w);
  return w;
}

TEST(JsonWrittenForm, TheWritersOwnTextIsAcceptedAtEveryValue) {
  const std::vector<std::string> texts = {
      R"({"a":1.50,"b":[true,false,null,-0.0,1E-22,12.50],"c":{},"d":[],"e":"x"})",
      R"({"q":"a\"b\\c\n\r\t\b\f","u":"\u0000\u0001\u001f\u000b","s":"é ü 中 😀 /","k\"ey":{"x":[{"y":""}]}})",
      R"("just a string")",
      R"(12.500)",
      R"([[[],[{}]],"~"])",
  };
  for (const std::string& text : texts) {
    ASSERT_EQ(to_string(parse(text).document->root()), text) << "the case is not the writer's own text";
    const Walk w = walk(text);
    EXPECT_EQ(w.refused, 0u) << text;
    EXPECT_GT(w.written, 0u);
  }
}

TEST(JsonWrittenForm, TextTheWriterWouldWriteDifferentlyIsRefused) {
  const std::vector<std::string> texts = {
      "{\"a\": 1}",               // whitespace
      "{\"a\":1 }",               //
      "{\n  \"a\": [1,\n 2]\n}",  // pretty
      R"({"a":"x\/y"})",          // escaped solidus: the writer writes '/'
      R"({"a":"\u0041"})",        // an escape for a plain character
      R"({"a":"\u000A"})",        // the short form exists (\n)
      R"({"a":"\u001F"})",        // upper-case hex
      R"({"a":"\u00e9"})",        // non-ASCII as an escape: the writer writes UTF-8
      R"({"a":"\ud83d\ude00"})",  // a surrogate pair
      R"({"\u0061":1})",          // the same in a key
  };
  for (const std::string& text : texts) {
    auto parsed = parse(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_EQ(written_form_end(text, parsed.document->root().offset()), kNo) << text;
    walk(text);  // inner values that are in written form still compare equal
  }
}

TEST(JsonWrittenForm, OffsetsOutsideTheTextOrNotAtAValueAreRefused) {
  const std::string text = R"({"a":[1,2]})";
  EXPECT_EQ(written_form_end(text, text.size()), kNo);
  EXPECT_EQ(written_form_end(text, Node::kNoOffset), kNo);
  EXPECT_EQ(written_form_end(text, text.find(',')), kNo);
  EXPECT_EQ(written_form_end(text, text.find(']')), kNo);
  EXPECT_EQ(written_form_end(text, text.find('[')), text.find(']') + 1);
}

}  // namespace
}  // namespace fhir::json
