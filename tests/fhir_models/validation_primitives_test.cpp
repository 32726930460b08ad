// Lexical and range checks of the FHIR R4 primitive types.
#include <gtest/gtest.h>

#include "fhir/validation/primitives.h"

namespace fv = fhir::validation;
using fhir::json::Node;

namespace {
bool ok(const char* reason) { return reason == nullptr; }
}  // namespace

TEST(PrimitiveDate, AcceptsPartialAndRealDates) {
  for (const char* s : {"2020", "2020-02", "2020-02-29", "2000-02-29", "0001-01-01", "9999-12-31"})
    EXPECT_TRUE(ok(fv::check_date(s))) << s;
}

TEST(PrimitiveDate, RejectsImpossibleDates) {
  for (const char* s : {"2020-02-30", "2019-02-29", "1900-02-29", "2021-04-31", "2021-13-01", "2021-00-10", "0000",
                        "20", "2020-1-01", "2020-01-1", "2020-01-01T10:00:00Z", "", "2020-01-01 ", "abcd"})
    EXPECT_FALSE(ok(fv::check_date(s))) << s;
}

TEST(PrimitiveDateTime, TimeNeedsZoneAndSeconds) {
  for (const char* s : {"2020", "2020-03", "2020-03-04", "2020-03-04T10:11:12Z", "2020-03-04T10:11:12.123+01:00",
                        "2020-03-04T23:59:60-14:00", "2020-03-04T00:00:00+14:00"})
    EXPECT_TRUE(ok(fv::check_date_time(s))) << s;
  for (const char* s : {"2020-03-04T10:11:12", "2020-03-04T10:11Z", "2020-03T10:11:12Z", "2020-03-04T24:00:00Z",
                        "2020-03-04T10:60:00Z", "2020-03-04T10:11:12+15:00", "2020-03-04T10:11:12+14:30",
                        "2020-03-04T10:11:12.Z", "2020-02-30T10:11:12Z", "2020-03-04T10:11:12+0100"})
    EXPECT_FALSE(ok(fv::check_date_time(s))) << s;
}

TEST(PrimitiveInstant, FullPrecisionWithZone) {
  EXPECT_TRUE(ok(fv::check_instant("2015-02-07T13:28:17.239+02:00")));
  EXPECT_TRUE(ok(fv::check_instant("2015-02-07T13:28:17Z")));
  EXPECT_FALSE(ok(fv::check_instant("2015-02-07")));
  EXPECT_FALSE(ok(fv::check_instant("2015-02-07T13:28:17")));
}

TEST(PrimitiveTime, NoZone) {
  EXPECT_TRUE(ok(fv::check_time("08:30:00")));
  EXPECT_TRUE(ok(fv::check_time("23:59:59.5")));
  EXPECT_FALSE(ok(fv::check_time("08:30")));
  EXPECT_FALSE(ok(fv::check_time("08:30:00Z")));
  EXPECT_FALSE(ok(fv::check_time("25:00:00")));
}

TEST(PrimitiveId, CharactersAndLength) {
  EXPECT_TRUE(ok(fv::check_id("example-1.a")));
  EXPECT_TRUE(ok(fv::check_id(std::string(64, 'a'))));
  EXPECT_FALSE(ok(fv::check_id(std::string(65, 'a'))));
  EXPECT_FALSE(ok(fv::check_id("with space")));
  EXPECT_FALSE(ok(fv::check_id("under_score")));
  EXPECT_FALSE(ok(fv::check_id("")));
}

TEST(PrimitiveUriCode, Whitespace) {
  EXPECT_TRUE(ok(fv::check_uri("http://example.org/a?b=c")));
  EXPECT_FALSE(ok(fv::check_uri("http://example.org/a b")));
  EXPECT_FALSE(ok(fv::check_uri("")));
  EXPECT_TRUE(ok(fv::check_code("final")));
  EXPECT_TRUE(ok(fv::check_code("two words")));
  EXPECT_FALSE(ok(fv::check_code(" final")));
  EXPECT_FALSE(ok(fv::check_code("final ")));
  EXPECT_FALSE(ok(fv::check_code("two  spaces")));
}

TEST(PrimitiveOidUuid, Forms) {
  EXPECT_TRUE(ok(fv::check_oid("urn:oid:2.16.840.1.113883")));
  EXPECT_FALSE(ok(fv::check_oid("urn:oid:3.1")));
  EXPECT_FALSE(ok(fv::check_oid("urn:oid:1")));
  EXPECT_FALSE(ok(fv::check_oid("urn:oid:1.02")));
  EXPECT_FALSE(ok(fv::check_oid("2.16.840")));
  EXPECT_TRUE(ok(fv::check_uuid("urn:uuid:c757873d-ec9a-4326-a141-556f43239520")));
  EXPECT_FALSE(ok(fv::check_uuid("urn:uuid:C757873D-EC9A-4326-A141-556F43239520")));
  EXPECT_FALSE(ok(fv::check_uuid("c757873d-ec9a-4326-a141-556f43239520")));
  EXPECT_FALSE(ok(fv::check_uuid("urn:uuid:c757873d-ec9a-4326-a141-556f4323952")));
}

TEST(PrimitiveNumbers, RangesAndJsonForm) {
  EXPECT_TRUE(ok(fv::check_primitive(fv::PrimitiveKind::Integer, Node::number("-2147483648"))));
  EXPECT_FALSE(ok(fv::check_primitive(fv::PrimitiveKind::Integer, Node::number("2147483648"))));
  EXPECT_FALSE(ok(fv::check_primitive(fv::PrimitiveKind::Integer, Node::number("1.0"))));
  EXPECT_FALSE(ok(fv::check_primitive(fv::PrimitiveKind::Integer, Node::number("1e3"))));
  EXPECT_FALSE(ok(fv::check_primitive(fv::PrimitiveKind::Integer, Node::string("12"))));
  EXPECT_TRUE(ok(fv::check_primitive(fv::PrimitiveKind::UnsignedInt, Node::number("0"))));
  EXPECT_FALSE(ok(fv::check_primitive(fv::PrimitiveKind::UnsignedInt, Node::number("-1"))));
  EXPECT_FALSE(ok(fv::check_primitive(fv::PrimitiveKind::PositiveInt, Node::number("0"))));
  EXPECT_TRUE(ok(fv::check_primitive(fv::PrimitiveKind::PositiveInt, Node::number("2147483647"))));
  EXPECT_TRUE(ok(fv::check_primitive(fv::PrimitiveKind::Decimal, Node::number("1.000000000000000000E-245"))));
  EXPECT_TRUE(ok(fv::check_primitive(fv::PrimitiveKind::Decimal, Node::number("-0.50"))));
  EXPECT_FALSE(ok(fv::check_primitive(fv::PrimitiveKind::Decimal, Node::string("1.5"))));
  EXPECT_FALSE(ok(fv::check_primitive(fv::PrimitiveKind::Decimal, Node::boolean(true))));
  EXPECT_TRUE(ok(fv::check_primitive(fv::PrimitiveKind::Boolean, Node::boolean(false))));
  EXPECT_FALSE(ok(fv::check_primitive(fv::PrimitiveKind::Boolean, Node::string("true"))));
}

TEST(PrimitiveString, EmptyControlAndSize) {
  EXPECT_TRUE(ok(fv::check_string("line\nnext\ttab")));
  EXPECT_FALSE(ok(fv::check_string("")));
  EXPECT_FALSE(ok(fv::check_string(std::string("a\x01", 2))));
  EXPECT_FALSE(ok(fv::check_string(std::string(1024 * 1024 + 1, 'x'))));
  EXPECT_FALSE(ok(fv::check_primitive(fv::PrimitiveKind::String, Node::number("12"))));
}

TEST(PrimitiveString, EveryByteAtEveryPosition) {
  // check_string tests 8 bytes at a time: each byte value at each position of strings around that width.
  for (std::size_t len : {1u, 7u, 8u, 9u, 17u, 23u}) {
    for (std::size_t pos = 0; pos < len; ++pos) {
      for (int b = 0; b < 256; ++b) {
        std::string s(len, 'a');
        s[pos] = static_cast<char>(b);
        const bool control = (b < 0x20 && b != '\t' && b != '\r' && b != '\n') || b == 0x7F;
        EXPECT_EQ(ok(fv::check_string(s)), !control) << "byte " << b << " at " << pos << " of " << len;
      }
    }
  }
  EXPECT_TRUE(ok(fv::check_string("caf\xc3\xa9 \x7e\x20\t\r\n \xe2\x82\xac 0123456789")));
}

TEST(PrimitiveBase64, PaddingAndAlphabet) {
  EXPECT_TRUE(ok(fv::check_base64("aGVsbG8=")));
  EXPECT_TRUE(ok(fv::check_base64("aGVs\nbG8h")));
  EXPECT_TRUE(ok(fv::check_base64("ab/+")));
  EXPECT_FALSE(ok(fv::check_base64("aGVsbG8")));
  EXPECT_FALSE(ok(fv::check_base64("aG=sbG8h")));
  EXPECT_FALSE(ok(fv::check_base64("aGVs*G8h")));
}

TEST(PrimitiveXhtml, Basics) {
  EXPECT_TRUE(
      ok(fv::check_xhtml(R"(<div xmlns="http://www.w3.org/1999/xhtml"><p>Hi &amp; <b>there</b><br/></p></div>)")));
  EXPECT_TRUE(ok(fv::check_xhtml(R"(<div xmlns="http://www.w3.org/1999/xhtml"><!-- c --><a href="x">y</a></div>)")));
  EXPECT_FALSE(ok(fv::check_xhtml(R"(<div><p>no namespace</p></div>)")));
  EXPECT_FALSE(ok(fv::check_xhtml(R"(<p xmlns="http://www.w3.org/1999/xhtml">x</p>)")));
  EXPECT_FALSE(ok(fv::check_xhtml(R"(<div xmlns="http://www.w3.org/1999/xhtml"><p>unclosed</div>)")));
  EXPECT_FALSE(ok(fv::check_xhtml(R"(<div xmlns="http://www.w3.org/1999/xhtml"><script>x</script></div>)")));
  EXPECT_FALSE(ok(fv::check_xhtml(R"X(<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="x()">y</p></div>)X")));
  EXPECT_FALSE(ok(fv::check_xhtml(R"(<div xmlns="http://www.w3.org/1999/xhtml">a</div><div/>)")));
}

TEST(PrimitiveKinds, MapsCodes) {
  EXPECT_EQ(fv::primitive_kind("date"), fv::PrimitiveKind::Date);
  EXPECT_EQ(fv::primitive_kind("http://hl7.org/fhirpath/System.String"), fv::PrimitiveKind::String);
  EXPECT_EQ(fv::primitive_kind("Quantity"), fv::PrimitiveKind::NotPrimitive);
}
