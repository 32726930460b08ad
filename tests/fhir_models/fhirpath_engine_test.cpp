// Unit tests of the FHIRPath engine: one group per operator/function family, on small hand-written resources
// typed through Registry::r4().
#include <gtest/gtest.h>

#include "fhirpath_test_util.h"

namespace {

using fhirpath_test::eval;
using fhirpath_test::parse_json;

constexpr std::string_view kObservation = R"({"resourceType":"Observation","id":"o1","status":"final",
 "code":{"coding":[{"system":"http://loinc.org","code":"1234-5"}],"text":"Test"},
 "valueQuantity":{"value":1.50,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"},
 "effectiveDateTime":"2020-01-02T10:00:00Z",
 "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"code":"mm[Hg]"}},
              {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueString":"x"}]})";

constexpr std::string_view kPatient = R"({"resourceType":"Patient","id":"p1",
 "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Jane</div>"},
 "name":[{"family":"Doe","given":["A",null,"C"],"_given":[null,{"extension":[{"url":"http://x","valueString":"B"}]},null]}],
 "birthDate":"1974-12-25",
 "_gender":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]},
 "contained":[{"resourceType":"Organization","id":"org1","name":"Acme"}],
 "managingOrganization":{"reference":"#org1"},"active":true,"multipleBirthInteger":2})";

class FhirPathEngine : public ::testing::Test {
 protected:
  fhir::json::Document obs = parse_json(kObservation);
  fhir::json::Document pat = parse_json(kPatient);
  std::string o(std::string_view e) { return eval(obs.root(), e); }
  std::string p(std::string_view e) { return eval(pat.root(), e); }
};

TEST_F(FhirPathEngine, NavigationAndTypeNamePrefix) {
  EXPECT_EQ(o("Observation.status"), "[final]");
  EXPECT_EQ(o("status"), "[final]");
  EXPECT_EQ(o("Patient.status"), "[]");
  EXPECT_EQ(o("Patient.status | Observation.status"), "[final]");
  EXPECT_EQ(o("code.coding.code"), "[1234-5]");
  EXPECT_EQ(o("component.code.coding.code"), "[8480-6, 8462-4]");
  EXPECT_EQ(o("Observation.nothing"), "[]");
}

TEST_F(FhirPathEngine, ChoiceTypes) {
  EXPECT_EQ(o("Observation.value"), "[{Quantity}]");
  EXPECT_EQ(o("value.value"), "[1.50]");
  EXPECT_EQ(o("value is Quantity"), "[true]");
  EXPECT_EQ(o("value.ofType(Quantity).code"), "[mg]");
  EXPECT_EQ(o("value.ofType(string)"), "[]");
  EXPECT_EQ(o("component.value"), "[{Quantity}, x]");
  EXPECT_EQ(o("component.value.ofType(string)"), "[x]");
  EXPECT_EQ(o("effective.type().name"), "[dateTime]");
  EXPECT_EQ(p("multipleBirth"), "[2]");
  EXPECT_EQ(p("multipleBirth is integer"), "[true]");
  EXPECT_EQ(p("multipleBirth + 1"), "[3]");
}

TEST_F(FhirPathEngine, PrimitiveExtensionsPairedByIndex) {
  EXPECT_EQ(p("name.given"), "[A, {ext}, C]");
  EXPECT_EQ(p("name.given.count()"), "[3]");
  EXPECT_EQ(p("name.given[1].hasValue()"), "[false]");
  EXPECT_EQ(p("name.given[1].extension.value"), "[B]");
  EXPECT_EQ(p("name.given[0].hasValue()"), "[true]");
  EXPECT_EQ(p("gender.exists()"), "[true]");
  EXPECT_EQ(p("gender.hasValue()"), "[false]");
  EXPECT_EQ(p("gender.extension('http://hl7.org/fhir/StructureDefinition/data-absent-reason').value"), "[unknown]");
  EXPECT_EQ(p("gender.children().count()"), "[1]");
}

TEST_F(FhirPathEngine, ContainedAndResolve) {
  EXPECT_EQ(p("contained.name"), "[Acme]");
  EXPECT_EQ(p("contained.is(Organization)"), "[true]");
  EXPECT_EQ(p("contained.ofType(Organization).id"), "[org1]");
  EXPECT_EQ(p("managingOrganization.resolve().name"), "[Acme]");
  EXPECT_EQ(p("managingOrganization.resolve() is Organization"), "[true]");
  EXPECT_EQ(p("'#nope'.resolve()"), "[]");
}

TEST(FhirPathResolve, BundleEntriesByFullUrlAndTypeId) {
  auto doc = parse_json(R"({"resourceType":"Bundle","type":"collection","entry":[
    {"fullUrl":"http://ex.org/fhir/Patient/1","resource":{"resourceType":"Patient","id":"1"}},
    {"fullUrl":"urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0","resource":{"resourceType":"Practitioner","id":"x"}},
    {"resource":{"resourceType":"Observation","id":"o","status":"final","code":{"text":"t"},
      "subject":{"reference":"Patient/1"},"performer":[{"reference":"urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"},
      {"reference":"Practitioner/unknown"}]}}]})");
  EXPECT_EQ(eval(doc.root(), "entry[2].resource.subject.resolve().id"), "[1]");
  EXPECT_EQ(eval(doc.root(), "entry[2].resource.performer.resolve().id"), "[x]");
  EXPECT_EQ(eval(doc.root(), "entry.resource.ofType(Observation).performer.resolve().count()"), "[1]");
}

TEST_F(FhirPathEngine, LiteralsAndArithmetic) {
  EXPECT_EQ(o("1 + 2 * 3"), "[7]");
  EXPECT_EQ(o("(1 + 2) * 3"), "[9]");
  EXPECT_EQ(o("2 - 3 - 1"), "[-2]");
  EXPECT_EQ(o("7 div 2"), "[3]");
  EXPECT_EQ(o("7 mod 2"), "[1]");
  EXPECT_EQ(o("7 / 2"), "[3.5]");
  EXPECT_EQ(o("1 / 0"), "[]");
  EXPECT_EQ(o("0.1 + 0.2 = 0.3"), "[true]");
  EXPECT_EQ(o("1.50 = 1.5"), "[true]");
  EXPECT_EQ(o("1.0 = 1"), "[true]");
  EXPECT_EQ(o("1.2 * 3"), "[3.6]");
  EXPECT_EQ(o("100000000000000000001.5 > 100000000000000000001.4"), "[true]");
  EXPECT_EQ(o("-5.5 < 1"), "[true]");
  EXPECT_EQ(o("-(3)"), "[-3]");
  EXPECT_EQ(o("'a' + 'b'"), "[ab]");
  EXPECT_EQ(o("'a' & {} & 'c'"), "[ac]");
  EXPECT_EQ(o("{} + 1"), "[]");
  EXPECT_EQ(o("9223372036854775807 + 1"), "ERROR: integer overflow (at offset 20)");
}

TEST_F(FhirPathEngine, ThreeValuedLogic) {
  EXPECT_EQ(o("true or false and false"), "[true]");
  EXPECT_EQ(o("{} and false"), "[false]");
  EXPECT_EQ(o("{} and true"), "[]");
  EXPECT_EQ(o("{} or true"), "[true]");
  EXPECT_EQ(o("{} or false"), "[]");
  EXPECT_EQ(o("true xor true"), "[false]");
  EXPECT_EQ(o("true xor {}"), "[]");
  EXPECT_EQ(o("false implies {}"), "[true]");
  EXPECT_EQ(o("{} implies true"), "[true]");
  EXPECT_EQ(o("true implies {}"), "[]");
  EXPECT_EQ(o("true implies false"), "[false]");
  EXPECT_EQ(o("status.exists() and code"), "[true]");  // a single non-boolean item is true
  EXPECT_EQ(o("(true | false) and true"), "ERROR: expected a single boolean but got 2 items (at offset 6)");
  EXPECT_EQ(o("{}.not()"), "[]");
  EXPECT_EQ(o("false.not()"), "[true]");
}

TEST_F(FhirPathEngine, EqualityAndComparison) {
  EXPECT_EQ(o("status = 'final'"), "[true]");
  EXPECT_EQ(o("status != 'final'"), "[false]");
  EXPECT_EQ(o("status = {}"), "[]");
  EXPECT_EQ(o("(1 | 2) = (1 | 2)"), "[true]");
  EXPECT_EQ(o("(1 | 2) = 1"), "[false]");
  EXPECT_EQ(o("'ABC' ~ 'abc'"), "[true]");
  EXPECT_EQ(o("{} ~ {}"), "[true]");
  EXPECT_EQ(o("'a' !~ 'b'"), "[true]");
  EXPECT_EQ(o("'abc' < 'abd'"), "[true]");
  EXPECT_EQ(o("2 >= 2.0"), "[true]");
  EXPECT_EQ(o("(1 | 2) > 1"), "ERROR: expected a single item but got 2 (at offset 3)");
  EXPECT_EQ(o("'a' < 1"), "ERROR: cannot compare String with Integer (at offset 4)");
  EXPECT_EQ(o("code.coding = code.coding"), "[true]");
  EXPECT_EQ(o("component[0].code = code"), "[false]");
}

TEST_F(FhirPathEngine, DatesWithPartialPrecision) {
  EXPECT_EQ(o("@2020-01-01 < @2020-01-02"), "[true]");
  EXPECT_EQ(o("@2020-01 < @2020-01-15"), "[]");
  EXPECT_EQ(o("@2020-01 < @2020-02-15"), "[true]");
  EXPECT_EQ(o("@2020-01-01 = @2020-01-01T10:00"), "[]");
  EXPECT_EQ(o("@2020-01-01T10:00:00+02:00 = @2020-01-01T08:00:00Z"), "[true]");
  EXPECT_EQ(o("@2020-01-01T00:30:00+01:00 < @2020-01-01"), "[true]");  // 2019-12-31T23:30Z
  EXPECT_EQ(o("@2019-12-31T23:30:00-01:00 > @2020-01-01T00:00:00Z"), "[true]");
  EXPECT_EQ(o("@2020-01-01T10:00:00.000Z = @2020-01-01T10:00:00Z"), "[true]");
  EXPECT_EQ(o("@T10:00 < @T10:00:01"), "[]");
  EXPECT_EQ(o("@T09:59 < @T10:00"), "[true]");
  EXPECT_EQ(o("effective > @2020-01-01"), "[true]");
  EXPECT_EQ(o("effective = @2020-01-02T10:00:00Z"), "[true]");
  EXPECT_EQ(o("effective > '2019-06-01'"), "[true]");
  EXPECT_EQ(o("@2020-02-30").substr(0, 8), "COMPILE:");
  EXPECT_EQ(o("@2020-01-01.toString()"), "[2020-01-01]");
}

TEST_F(FhirPathEngine, Quantities) {
  EXPECT_EQ(o("value > 1 'mg'"), "[true]");
  EXPECT_EQ(o("value = 1.5 'mg'"), "[true]");
  EXPECT_EQ(o("value < 1 'g'"), "[true]");  // UCUM conversion of definite units
  EXPECT_EQ(o("value = 0.0015 'g'"), "[true]");
  EXPECT_EQ(o("value < 1 'cm'"), "[]");  // different dimensions: unknown
  EXPECT_EQ(o("value = 1.5 'cm'"), "[false]");
  EXPECT_EQ(o("1 year = 1 'a'"), "[false]");  // calendar years are not UCUM years
  EXPECT_EQ(o("7 days = 1 week"), "[true]");
  EXPECT_EQ(o("5 days = 5 'd'"), "[true]");
  EXPECT_EQ(o("1 'mg' + 2 'mg'"), "[3 'mg']");
  EXPECT_EQ(o("1.5 'mg' * 2"), "[3.0 'mg']");
  EXPECT_EQ(o("3 'mg' / 2"), "[1.5 'mg']");
  EXPECT_EQ(o("2 'cm' * 2 'm'").substr(0, 12), "UNSUPPORTED:");
  EXPECT_EQ(o("'5 \\'mg\\''.toQuantity()"), "[5 'mg']");
}

TEST_F(FhirPathEngine, ExistenceAndFiltering) {
  EXPECT_EQ(o("(1|2|3).where($this > 1)"), "[2, 3]");
  EXPECT_EQ(o("(1|2|3).where($index = 1)"), "[2]");
  EXPECT_EQ(o("(1|2|3).select($this * 2)"), "[2, 4, 6]");
  EXPECT_EQ(o("(1|2|3).all($this > 0)"), "[true]");
  EXPECT_EQ(o("{}.all(false)"), "[true]");
  EXPECT_EQ(o("(1|2|3).exists($this > 2)"), "[true]");
  EXPECT_EQ(o("(1|2|3).exists($this > 3)"), "[false]");
  EXPECT_EQ(o("(1|2|3).empty()"), "[false]");
  EXPECT_EQ(o("(1|2|3).count()"), "[3]");
  EXPECT_EQ(o("(1|2|1).count()"), "[2]");
  EXPECT_EQ(o("(1|2).combine(2).count()"), "[3]");
  EXPECT_EQ(o("(1|2).combine(2).isDistinct()"), "[false]");
  EXPECT_EQ(o("(1|2).combine(2).distinct()"), "[1, 2]");
  EXPECT_EQ(o("(1|2|3).aggregate($this + $total, 0)"), "[6]");
  EXPECT_EQ(o("(true|false).allTrue()"), "[false]");
  EXPECT_EQ(o("(true|false).anyTrue()"), "[true]");
  EXPECT_EQ(o("component.select(code.coding.code)"), "[8480-6, 8462-4]");
  EXPECT_EQ(o("component.where(value is string).code.coding.code"), "[8462-4]");
  EXPECT_EQ(o("code.repeat(coding).code"), "[1234-5]");
}

TEST_F(FhirPathEngine, Subsetting) {
  EXPECT_EQ(o("(1|2|3).first()"), "[1]");
  EXPECT_EQ(o("(1|2|3).last()"), "[3]");
  EXPECT_EQ(o("(1|2|3).tail()"), "[2, 3]");
  EXPECT_EQ(o("(1|2|3).skip(2)"), "[3]");
  EXPECT_EQ(o("(1|2|3).take(2)"), "[1, 2]");
  EXPECT_EQ(o("(1|2|3)[1]"), "[2]");
  EXPECT_EQ(o("(1|2|3)[5]"), "[]");
  EXPECT_EQ(o("(1|2|3).single()"), "ERROR: expected a single item but got 3 (at offset 8)");
  EXPECT_EQ(o("(1|2|3).intersect(2|3|4)"), "[2, 3]");
  EXPECT_EQ(o("(1|2|3).exclude(2)"), "[1, 3]");
  EXPECT_EQ(o("(1|2).union(3)"), "[1, 2, 3]");
  EXPECT_EQ(o("(1|2).subsetOf(1|2|3)"), "[true]");
  EXPECT_EQ(o("(1|2).supersetOf(1|2|3)"), "[false]");
  EXPECT_EQ(o("2 in (1|2)"), "[true]");
  EXPECT_EQ(o("(1|2) contains 3"), "[false]");
  EXPECT_EQ(o("{} in (1|2)"), "[]");
  EXPECT_EQ(o("status in ('final' | 'amended')"), "[true]");
}

TEST_F(FhirPathEngine, StringFunctions) {
  EXPECT_EQ(o("'abc'.startsWith('ab')"), "[true]");
  EXPECT_EQ(o("'abc'.endsWith('bc')"), "[true]");
  EXPECT_EQ(o("'abc'.contains('b')"), "[true]");
  EXPECT_EQ(o("'abc'.length()"), "[3]");
  EXPECT_EQ(o("'abcdef'.substring(2, 2)"), "[cd]");
  EXPECT_EQ(o("'abcdef'.substring(2)"), "[cdef]");
  EXPECT_EQ(o("'abc'.substring(5)"), "[]");
  EXPECT_EQ(o("'abc'.indexOf('c')"), "[2]");
  EXPECT_EQ(o("'aBc'.upper()"), "[ABC]");
  EXPECT_EQ(o("'aBc'.lower()"), "[abc]");
  EXPECT_EQ(o("'a-b-c'.replace('-', '+')"), "[a+b+c]");
  EXPECT_EQ(o("'abc'.matches('^a.c$')"), "[true]");
  EXPECT_EQ(o("'xabcx'.matches('b')"), "[true]");
  EXPECT_EQ(o("'abc'.matches('[')").substr(0, 6), "ERROR:");
  EXPECT_EQ(o("'Observation.code.text'.replaceMatches('\\\\..*', '')"), "[Observation]");
  EXPECT_EQ(o("'a,b'.split(',')"), "[a, b]");
  EXPECT_EQ(o("('a'|'b').join('-')"), "[a-b]");
  EXPECT_EQ(o("'  x '.trim()"), "[x]");
  EXPECT_EQ(o("'abc'.toChars().count()"), "[3]");
  EXPECT_EQ(o("'x\\u0041\\'y'"), "[xA'y]");
  EXPECT_EQ(o("status.startsWith('fi')"), "[true]");
  EXPECT_EQ(o("1.startsWith('1')"), "ERROR: function 'startsWith' needs a string input (at offset 2)");
}

TEST_F(FhirPathEngine, Conversions) {
  EXPECT_EQ(o("'12'.toInteger() + 1"), "[13]");
  EXPECT_EQ(o("'1.5'.toDecimal()"), "[1.5]");
  EXPECT_EQ(o("'x'.toInteger()"), "[]");
  EXPECT_EQ(o("'x'.convertsToInteger()"), "[false]");
  EXPECT_EQ(o("5.toString()"), "[5]");
  EXPECT_EQ(o("value.value.toString()"), "[1.50]");
  EXPECT_EQ(o("true.toString()"), "[true]");
  EXPECT_EQ(o("'yes'.toBoolean()"), "[true]");
  EXPECT_EQ(o("'2020-01-01'.toDate()"), "[2020-01-01]");
  EXPECT_EQ(o("'2020-01-01'.convertsToDateTime()"), "[true]");
  EXPECT_EQ(o("'2020-13-01'.convertsToDate()"), "[false]");
  EXPECT_EQ(o("(1.5).round()"), "[2]");
  EXPECT_EQ(o("(-1.5).abs()"), "[1.5]");
  EXPECT_EQ(o("(1.2).ceiling()"), "[2]");
  EXPECT_EQ(o("(1.8).floor()"), "[1]");
}

TEST_F(FhirPathEngine, TypesIsAsOfType) {
  EXPECT_EQ(o("Observation.is(Observation)"), "[true]");
  EXPECT_EQ(o("Observation.is(DomainResource)"), "[true]");
  EXPECT_EQ(o("Observation is Resource"), "[true]");
  EXPECT_EQ(o("status.is(code)"), "[true]");
  EXPECT_EQ(o("status is FHIR.code"), "[true]");
  EXPECT_EQ(o("status is String"), "[true]");
  EXPECT_EQ(o("'x' is String"), "[true]");
  EXPECT_EQ(o("'x' is System.String"), "[true]");
  EXPECT_EQ(o("status is System.String"), "[false]");
  EXPECT_EQ(o("1 is Integer"), "[true]");
  EXPECT_EQ(o("1 is Decimal"), "[false]");
  EXPECT_EQ(o("(value as Quantity).unit"), "[mg]");
  EXPECT_EQ(o("value.as(Quantity).unit"), "[mg]");
  EXPECT_EQ(o("value.as(string)"), "[]");
  EXPECT_EQ(o("1.type().namespace"), "[System]");
  EXPECT_EQ(o("1.type().name"), "[Integer]");
  EXPECT_EQ(o("Observation.type().name"), "[Observation]");
  EXPECT_EQ(o("effective is dateTime"), "[true]");
  EXPECT_EQ(o("effective is DateTime"), "[true]");
}

TEST_F(FhirPathEngine, TreeFunctions) {
  EXPECT_EQ(o("component.first().children().count()"), "[2]");
  EXPECT_EQ(o("component.first().descendants().count()"), "[7]");
  EXPECT_EQ(p("descendants().ofType(Extension).count()"), "[2]");
  EXPECT_EQ(o("descendants().where($this is Coding).code"), "[1234-5, 8480-6, 8462-4]");
  EXPECT_EQ(p("descendants().ofType(Organization).name"), "[Acme]");
}

TEST_F(FhirPathEngine, EnvironmentVariables) {
  EXPECT_EQ(o("%resource.id"), "[o1]");
  EXPECT_EQ(o("%rootResource.id"), "[o1]");
  EXPECT_EQ(o("%context.status"), "[final]");
  EXPECT_EQ(o("%ucum"), "[http://unitsofmeasure.org]");
  EXPECT_EQ(o("%sct"), "[http://snomed.info/sct]");
  EXPECT_EQ(o("%loinc"), "[http://loinc.org]");
  EXPECT_EQ(o("%`vs-observation-status`"), "[http://hl7.org/fhir/ValueSet/observation-status]");
  EXPECT_EQ(o("%nope"), "ERROR: unknown environment variable %nope (at offset 0)");
  EXPECT_EQ(o("$this.id"), "[o1]");
}

TEST_F(FhirPathEngine, IifAndTrace) {
  EXPECT_EQ(o("iif(true, 'a', 'b')"), "[a]");
  EXPECT_EQ(o("iif({}, 'a', 'b')"), "[b]");
  EXPECT_EQ(o("iif(false, 'a')"), "[]");
  EXPECT_EQ(o("component.first().iif(code.exists(), 'y', 'n')"), "[y]");
  EXPECT_EQ(o("{}.iif(empty(), 'none', 'some')"), "[none]");
  EXPECT_EQ(o("status.trace('s')"), "[final]");

  auto c = fhir::fhirpath::compile("component.trace('codes', code.coding.code).count()");
  ASSERT_TRUE(c);
  std::vector<std::string> seen;
  fhir::fhirpath::EvalContext ctx;
  ctx.registry = &fhir::model::Registry::r4();
  ctx.resource = &obs.root();
  ctx.trace = [&](std::string_view name, const fhir::fhirpath::Collection& items) {
    seen.push_back(std::string(name) + ":" + std::to_string(items.size()));
  };
  EXPECT_EQ(fhirpath_test::render(fhir::fhirpath::evaluate(*c.expression, ctx)), "[2]");
  EXPECT_EQ(seen, std::vector<std::string>{"codes:2"});
}

TEST_F(FhirPathEngine, CoreInvariantsOnObservation) {
  EXPECT_EQ(o("dataAbsentReason.empty() or value.empty()"), "[true]");
  EXPECT_EQ(o("value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()"),
            "[true]");
  EXPECT_EQ(o("contained.contained.empty()"), "[true]");
}

TEST_F(FhirPathEngine, UnsupportedIsReportedNotPassed) {
  EXPECT_EQ(o("status.foo()"), "UNSUPPORTED: function 'foo' is not supported (at offset 7)");
  EXPECT_EQ(o("status.exists() or status.conformsTo('x')"), "[true]");  // never reached
  auto c = fhir::fhirpath::compile("a.conformsTo('x') and b.bar()");
  ASSERT_TRUE(c);
  EXPECT_EQ(fhir::fhirpath::unsupported_functions(*c.expression), (std::vector<std::string>{"conformsTo", "bar"}));
}

TEST(FhirPathCompile, SyntaxErrorsCarryOffsets) {
  struct Case {
    const char* text;
    const char* error;
    std::size_t offset;
  } cases[] = {
      {"Observation.", "expected a name after '.' but found end of expression", 12},
      {"(1 + ", "unexpected end of expression", 5},
      {"'abc", "unterminated string literal", 0},
      {"where(", "unexpected end of expression", 6},
      {"'x'.substring()", "function 'substring' takes 1..2 argument(s), 0 given", 4},
      {"a b", "unexpected 'b'", 2},
      {"a # b", "unexpected character '#'", 2},
      {"1 is", "expected a type name but found end of expression", 4},
      {"$foo", "unknown special variable '$foo'", 0},
  };
  for (const auto& c : cases) {
    auto r = fhir::fhirpath::compile(c.text);
    EXPECT_FALSE(r) << c.text;
    EXPECT_EQ(r.error, c.error) << c.text;
    EXPECT_EQ(r.error_offset, c.offset) << c.text;
  }
}

TEST(FhirPathCompile, CommentsAndDelimitedIdentifiers) {
  auto doc = parse_json(
      R"({"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"}})");
  EXPECT_EQ(eval(doc.root(), "text.`div`.exists() // trailing comment"), "[true]");
  EXPECT_EQ(eval(doc.root(), "/* lead */ text.status"), "[generated]");
}

TEST(FhirPathUntyped, NavigatesByJsonNamesWithoutRegistry) {
  auto doc = parse_json(R"({"resourceType":"Thing","a":{"b":[1,2]},"s":"x"})");
  auto c = fhir::fhirpath::compile("a.b.count() + s.length()");
  ASSERT_TRUE(c);
  fhir::fhirpath::EvalContext ctx;
  ctx.resource = &doc.root();
  EXPECT_EQ(fhirpath_test::render(fhir::fhirpath::evaluate(*c.expression, ctx)), "[3]");
}

}  // namespace

namespace {

std::string narrative(std::string_view div) {
  std::string doc = R"({"resourceType":"Patient","text":{"status":"generated","div":")";
  for (char c : div) {
    if (c == '\n') {
      doc += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') doc.push_back('\\');
    doc.push_back(c);
  }
  doc += R"("}})";
  auto d = parse_json(doc);
  return eval(d.root(), "text.div.htmlChecks()");
}

TEST(FhirPathHtmlChecks, R4NarrativeRules) {
  const std::string ns = R"(<div xmlns="http://www.w3.org/1999/xhtml">)";
  EXPECT_EQ(narrative(ns + "<p>Hello <b>world</b> &amp; <a href=\"#x\">link</a></p></div>"), "[true]");
  EXPECT_EQ(narrative(ns + "<table border=\"1\"><tr><td>x</td></tr></table><!-- c --></div>"), "[true]");
  EXPECT_EQ(narrative(ns + "<img src=\"#pic\" alt=\"\"/></div>"), "[true]");           // an image is content
  EXPECT_EQ(narrative("<div>text</div>"), "[false]");                                  // no XHTML namespace
  EXPECT_EQ(narrative("<p xmlns=\"http://www.w3.org/1999/xhtml\">x</p>"), "[false]");  // root must be div
  EXPECT_EQ(narrative(ns + "<script>alert(1)</script></div>"), "[false]");
  EXPECT_EQ(narrative(ns + "<p onclick=\"x()\">x</p></div>"), "[false]");
  EXPECT_EQ(narrative(ns + "<form>x</form></div>"), "[false]");
  EXPECT_EQ(narrative(ns + "   \n  </div>"), "[false]");    // txt-2: no content
  EXPECT_EQ(narrative(ns + "<p>x</div>"), "[false]");       // not well-formed
  EXPECT_EQ(narrative(ns + "x</div><p>y</p>"), "[false]");  // content after the root
  EXPECT_EQ(narrative(ns + "<p>x &bogus</p></div>"), "[false]");
}

TEST(FhirPathMemberOf, UsesRegistryExpansionsOrReportsUnsupported) {
  auto doc = parse_json(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
    "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}]})");
  const auto* vs = fhir::model::Registry::r4().find_value_set("http://hl7.org/fhir/ValueSet/observation-status");
  ASSERT_NE(vs, nullptr);
  ASSERT_TRUE(vs->complete);
  EXPECT_EQ(eval(doc.root(), "status.memberOf('http://hl7.org/fhir/ValueSet/observation-status')"), "[true]");
  EXPECT_EQ(eval(doc.root(), "'bogus'.memberOf('http://hl7.org/fhir/ValueSet/observation-status')"), "[false]");
  EXPECT_EQ(eval(doc.root(), "category.memberOf('http://hl7.org/fhir/ValueSet/observation-category')"), "[true]");
  EXPECT_EQ(eval(doc.root(), "status.memberOf('http://example.org/unknown-vs')").substr(0, 12), "UNSUPPORTED:");
}

TEST(FhirPathLimits, HostileExpressionsAreRejectedNotCrashing) {
  std::string deep(5000, '(');
  deep += "1";
  deep += std::string(5000, ')');
  auto r = fhir::fhirpath::compile(deep);
  EXPECT_FALSE(r);
  std::string chain = "a";
  for (int i = 0; i < 10000; ++i) chain += ".a";
  r = fhir::fhirpath::compile(chain);
  EXPECT_FALSE(r);
  EXPECT_NE(r.error.find("too long"), std::string::npos);
  std::string minus(3000, '-');
  EXPECT_FALSE(fhir::fhirpath::compile(minus + "1"));
}

}  // namespace

namespace {
TEST(FhirPathStrings, PositionsCountCharactersNotBytes) {
  auto doc = parse_json(R"({"resourceType":"Patient","name":[{"family":"Müller-Ğü"}]})");
  EXPECT_EQ(eval(doc.root(), "name.family.length()"), "[9]");
  EXPECT_EQ(eval(doc.root(), "name.family.substring(1, 5)"), "[üller]");
  EXPECT_EQ(eval(doc.root(), "name.family.indexOf('-')"), "[6]");
  EXPECT_EQ(eval(doc.root(), "name.family.toChars().count()"), "[9]");
  EXPECT_EQ(eval(doc.root(), "name.family.substring(7)"), "[Ğü]");
}
}  // namespace

namespace {
TEST(FhirPathNavigation, ContentReferenceAndNestedResources) {
  auto q = parse_json(R"({"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"1","type":"group",
    "item":[{"linkId":"1.1","type":"boolean","enableWhen":[{"question":"x","operator":"exists","answerBoolean":true}]}]}]})");
  EXPECT_EQ(eval(q.root(), "item.item.linkId"), "[1.1]");
  EXPECT_EQ(eval(q.root(), "item.item.enableWhen.answer is Boolean"), "[true]");
  EXPECT_EQ(eval(q.root(), "item.item.enableWhen.answer is boolean"), "[true]");
  EXPECT_EQ(eval(q.root(), "item.item.enableWhen.all(operator = 'exists' implies (answer is Boolean))"), "[true]");
  EXPECT_EQ(eval(q.root(), "item.item.type().name"), "[BackboneElement]");

  auto p = parse_json(R"({"resourceType":"Parameters","parameter":[{"name":"a","part":[{"name":"b","valueInteger":3}]},
    {"name":"r","resource":{"resourceType":"Patient","id":"x","active":true}}]})");
  EXPECT_EQ(eval(p.root(), "parameter.part.value + 1"), "[4]");
  EXPECT_EQ(eval(p.root(), "parameter.resource.active"), "[true]");
  EXPECT_EQ(eval(p.root(), "parameter.resource is Patient"), "[true]");
}
}  // namespace

namespace {
TEST(FhirPathDates, ArithmeticWithCalendarAndUcumDurations) {
  auto doc = parse_json(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
    "effectiveDateTime":"2020-01-01T10:00:00+01:00"})");
  EXPECT_EQ(eval(doc.root(), "@2020-01-31 + 1 month"), "[2020-02-29]");
  EXPECT_EQ(eval(doc.root(), "@2019-01-31 + 1 'mo'"), "[2019-02-28]");
  EXPECT_EQ(eval(doc.root(), "@2020-01-01 - 1 day"), "[2019-12-31]");
  EXPECT_EQ(eval(doc.root(), "@2020-01-01 + 2 weeks"), "[2020-01-15]");
  EXPECT_EQ(eval(doc.root(), "@2014 + 24 months"), "[2016]");
  EXPECT_EQ(eval(doc.root(), "@2020-01-01T23:00:00Z + 90 minutes"), "[2020-01-02T00:30:00Z]");
  EXPECT_EQ(eval(doc.root(), "@2020-01-01T10:00:00.250+02:00 + 1.5 's'"), "[2020-01-01T10:00:01.750+02:00]");
  EXPECT_EQ(eval(doc.root(), "@T23:30 + 1 hour"), "[00:30]");
  EXPECT_EQ(eval(doc.root(), "effective + 1 day > effective"), "[true]");
  EXPECT_EQ(eval(doc.root(), "effective + 1 day"), "[2020-01-02T10:00:00+01:00]");
  EXPECT_EQ(eval(doc.root(), "@2020-01-01 + 1 'g'").substr(0, 6), "ERROR:");
}
}  // namespace
