// The strict scanner both parsers try first (fhir_models/src/json/scanner.h) against the RapidJSON-based
// reference parser: whatever the scanner accepts, the reference accepts with the same tree (kinds, keys,
// decoded texts, offsets, line starts); whatever the reference accepts, the scanner accepts unless it
// declined a number only the reference can judge; and json::parse / parse_compact report exactly the
// reference's errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fhir/json/compact.h"
#include "fhir/json/parser.h"
#include "json_damaged_texts.h"

namespace fhir::json {
namespace {

using detail::ScanResult;

void expect_same_tree(const CompactNode& a, const CompactNode& b, const CompactDocument& da, const CompactDocument& db,
                      const std::string& where) {
  ASSERT_EQ(a.kind(), b.kind()) << where;
  EXPECT_EQ(a.offset(), b.offset()) << where;
  EXPECT_EQ(da.locate(a.offset()).line, db.locate(b.offset()).line) << where;
  EXPECT_EQ(da.locate(a.offset()).column, db.locate(b.offset()).column) << where;
  EXPECT_EQ(a.key(), b.key()) << where;
  EXPECT_EQ(a.text(), b.text()) << where;
  ASSERT_EQ(a.size(), b.size()) << where;
  const auto ca = a.is_object() ? a.members() : a.items();
  const auto cb = b.is_object() ? b.members() : b.items();
  for (std::size_t i = 0; i < ca.size(); ++i) expect_same_tree(ca[i], cb[i], da, db, where + "/" + std::to_string(i));
}

// The scanner's verdict on `text`, checked against the reference parser.
ScanResult check(const std::string& text, const ParseOptions& options = {}) {
  SCOPED_TRACE(text.substr(0, 80));
  const detail::CompactScan scanned = detail::scan_compact_only(text, options);
  const CompactParseResult reference = detail::parse_compact_reference(text, options);
  if (scanned.result == ScanResult::Accepted) {
    EXPECT_TRUE(reference) << "the scanner accepts what the reference refuses";
    if (reference) {
      expect_same_tree(scanned.document->root(), reference.document->root(), *scanned.document, *reference.document,
                       "$");
    }
  } else if (scanned.result == ScanResult::Refused) {
    EXPECT_FALSE(reference) << "the scanner refuses what the reference accepts";
  }
  // Both public parsers give the reference's result, errors included.
  const ParseResult parsed = parse(text, options);
  const ParseResult parsed_reference = detail::parse_reference(text, options);
  const CompactParseResult compact = parse_compact(text, options);
  EXPECT_EQ(bool(parsed), bool(parsed_reference));
  EXPECT_EQ(bool(compact), bool(reference));
  if (!parsed && !parsed_reference) {
    EXPECT_EQ(parsed.error->message, parsed_reference.error->message);
    EXPECT_EQ(parsed.error->offset, parsed_reference.error->offset);
    EXPECT_EQ(parsed.error->location.line, parsed_reference.error->location.line);
    EXPECT_EQ(parsed.error->location.column, parsed_reference.error->location.column);
  }
  if (!compact && !reference) {
    EXPECT_EQ(compact.error->message, reference.error->message);
    EXPECT_EQ(compact.error->offset, reference.error->offset);
  }
  if (parsed && parsed_reference) {
    EXPECT_TRUE(parsed.document->root() == parsed_reference.document->root());
  }
  return scanned.result;
}

TEST(JsonScanner, AcceptsWhatTheReferenceAcceptsWithTheSameTree) {
  const std::vector<std::string> good = {
      R"({"a":1.50,"b":1E-22,"c":-0.0,"d":12345678901234567890123,"e":[true,false,null,{}],"f":[],"g":2e+308})",
      R"({"s":"a\"b\\c\n\u00e9\ud83d\ude00\/\b\f\r\t","k\u00e9y":"\t","":"","z":"\u0000"})",
      "{\n  \"a\": \"x\\\"y\",\r\n\t\"b\": [10, true]\n}\n",
      "\xEF\xBB\xBF{\"a\":\"b\"}",
      "\"Hepatozellul\xC3\xA4res Karzinom \xE2\x80\x93 \xF0\x9F\x98\x80 and a long plain ASCII tail to cross "
      "16 bytes\"",
      "[1,\"two\",[3,[4,{\"five\":5}]]]",
      "  42  ",
      "-0",
      "0.5e-999",
      R"({"a":"0123456789abcdef0123456789abcdef\\0123456789abcdef\"","a\\":1,"a\"":2})",
  };
  for (const auto& text : good) EXPECT_EQ(check(text), ScanResult::Accepted) << text;
}

TEST(JsonScanner, RefusesWhatStrictJsonForbids) {
  const std::vector<std::string> bad = {
      "{\"a\":1,}",
      "[1,2,]",
      "{\"a\":1 /* c */}",
      "{\"a\":NaN}",
      "{\"a\":Infinity}",
      "{\"a\":01}",
      "{\"a\":1.}",
      "{\"a\":.5}",
      "{\"a\":1e}",
      "{\"a\":-}",
      "{a:1}",
      "{\"a\" 1}",
      "{\"a\":'x'}",
      "[tru]",
      "[nul]",
      "[falsy]",
      "{\"a\":\"\xC3\x28\"}",
      "{\"a\":\"\xED\xA0\x80\"}",
      "{\"a\":\"\xF4\x90\x80\x80\"}",
      "{\"a\":\"\xC0\xAF\"}",
      "{\"a\":\"\\ud800\"}",
      "{\"a\":\"\\ud800\\u0041\"}",
      "{\"\\udc00\":1}",
      "{\"a\":\"\\x\"}",
      "{\"a\":\"\\u12G4\"}",
      "{\"a\":\"x\ty\"}",
      "{\"a\":1}{",
      "",
      "   ",
      std::string("{\"a\":\"x\0y\"}", 11),
      std::string("[1]\0", 4),
      "{\"status\":\"final\",\"status\":\"draft\"}",
      "{\"\\u0061\":1,\"a\":2}",
      std::string(1000, '['),
      "[\"abc",
      "[\"0123456789abcdef0123456789",
      "\xEF\xBB\xBF",
      "\xEF\xBB\xBF{\"a\":}",
      "{\"a\":1}\xEF\xBB\xBF",
  };
  for (const auto& text : bad) EXPECT_EQ(check(text), ScanResult::Refused) << text;
  std::string wide = "{";
  for (int i = 0; i < 100; ++i) wide += "\"k" + std::to_string(i) + "\":1,";
  EXPECT_EQ(check(wide + "\"k7\":2}"), ScanResult::Refused);
  EXPECT_EQ(check(wide + "\"k100\":2}"), ScanResult::Accepted);
}

TEST(JsonScanner, LeavesNumbersRapidJsonMayCallTooBigToTheReference) {
  EXPECT_EQ(check("[1e309]"), ScanResult::Declined);  // the reference refuses: number too big
  EXPECT_EQ(check("[0e400]"), ScanResult::Declined);  // ... even for zero
  EXPECT_EQ(check("[1.5e309]"),
            ScanResult::Declined);  // the reference accepts (a fraction digit raises the cap)
  EXPECT_EQ(check("[" + std::string(400, '9') + "]"), ScanResult::Declined);
  EXPECT_FALSE(parse("[1e309]"));
  EXPECT_TRUE(parse_compact("[1.5e309]"));
}

TEST(JsonScanner, HonoursDepthAndByteLimits) {
  ParseOptions depth;
  depth.max_depth = 3;
  EXPECT_EQ(check("[[[1]]]", depth), ScanResult::Accepted);
  EXPECT_EQ(check("[[[[1]]]]", depth), ScanResult::Refused);
  EXPECT_EQ(check("[{\"a\":[{}]}]", depth), ScanResult::Refused);
  ParseOptions bytes;
  bytes.max_bytes = 10;
  EXPECT_EQ(check("[1,2,3,4]", bytes), ScanResult::Accepted);
  EXPECT_EQ(check("{\"a\":\"0123456789\"}", bytes), ScanResult::Refused);
}

// Every truncation and many one-byte changes of a FHIR-like text with long strings (the 16-byte path),
// escapes and non-ASCII: the scanner and the reference agree on each. Deterministic (a fixed linear
// congruential sequence).
TEST(JsonScanner, AgreesWithTheReferenceOnDamagedTexts) {
  const std::string good =
      "{\"resourceType\":\"Observation\",\"id\":\"o-1\",\"status\":\"final\",\n"
      " \"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"1834-1\",\"display\":"
      "\"Alpha-1-Fetoprotein [Mass/volume] in Serum or Plasma\"}],\"text\":\"AFP \\u00e9\\n "
      "\xC3\xA4\xE2\x80\x93\"},\n"
      " \"valueQuantity\":{\"value\":12.50,\"unit\":\"ng/"
      "mL\"},\"flags\":[true,false,null,-0.5e3,1E+2],\"_x\":[{},[]]}";
  ASSERT_EQ(check(good), ScanResult::Accepted);
  testing::for_each_damaged_text(good, "{}[]:,\"\\ -+.0123456789eEtrufalsn\n\t\x01\xC3\xED\xA0\x80\xBF", 4321, 4000,
                                 [](const std::string& text) { check(text); });
}

}  // namespace
}  // namespace fhir::json
