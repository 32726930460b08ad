// Format and value checks for the FHIR R4 primitive types, written by hand (no regex) so they are cheap
// enough to run on every value. Each check returns nullptr when the value is valid, otherwise a short
// static reason ("not a real calendar date").
#pragma once

#include <cstdint>
#include <string_view>

#include "fhir/json/node.h"

namespace fhir::validation {

enum class PrimitiveKind : std::uint8_t {
  NotPrimitive,
  Base64Binary,
  Boolean,
  Canonical,
  Code,
  Date,
  DateTime,
  Decimal,
  Id,
  Instant,
  Integer,
  Markdown,
  Oid,
  PositiveInt,
  String,
  Time,
  UnsignedInt,
  Uri,
  Url,
  Uuid,
  Xhtml,
};

// Maps a type code ("date", "http://hl7.org/fhirpath/System.String", ...) to its kind.
PrimitiveKind primitive_kind(std::string_view type_code) noexcept;
const char* primitive_name(PrimitiveKind kind) noexcept;

// The JSON kind a primitive must have: "string", "number" or "boolean".
const char* expected_json_type(PrimitiveKind kind) noexcept;

// Checks both the JSON type and the lexical form/value range of `value`.
const char* check_primitive(PrimitiveKind kind, const json::Node& value) noexcept;

// The lexical checks alone (text of a JSON string, or the lexical text of a JSON number).
const char* check_date(std::string_view s) noexcept;
const char* check_date_time(std::string_view s) noexcept;
const char* check_instant(std::string_view s) noexcept;
const char* check_time(std::string_view s) noexcept;
const char* check_id(std::string_view s) noexcept;
const char* check_uri(std::string_view s) noexcept;
const char* check_code(std::string_view s) noexcept;
const char* check_oid(std::string_view s) noexcept;
const char* check_uuid(std::string_view s) noexcept;
const char* check_string(std::string_view s) noexcept;
const char* check_base64(std::string_view s) noexcept;
const char* check_xhtml(std::string_view s) noexcept;
const char* check_integer(std::string_view number_text, std::int64_t min, std::int64_t max) noexcept;
const char* check_decimal(std::string_view number_text) noexcept;

}  // namespace fhir::validation
