// The FHIRPath functions this engine knows by name, with their arity. Names not listed compile to
// FunctionId::Unknown and evaluate to Status::Unsupported.
#pragma once

#include <cstdint>
#include <string_view>

namespace fhir::fhirpath::detail {

enum class FunctionId : std::uint8_t {
  Unknown,
  // existence
  Empty,
  Exists,
  All,
  AllTrue,
  AnyTrue,
  AllFalse,
  AnyFalse,
  SubsetOf,
  SupersetOf,
  Count,
  Distinct,
  IsDistinct,
  // filtering and projection
  Where,
  Select,
  Repeat,
  OfType,
  // subsetting
  Single,
  First,
  Last,
  Tail,
  Skip,
  Take,
  Intersect,
  Exclude,
  // combining
  Union,
  Combine,
  // conversion
  Iif,
  ToBoolean,
  ConvertsToBoolean,
  ToInteger,
  ConvertsToInteger,
  ToDecimal,
  ConvertsToDecimal,
  ToString,
  ConvertsToString,
  ToDate,
  ConvertsToDate,
  ToDateTime,
  ConvertsToDateTime,
  ToTime,
  ConvertsToTime,
  ToQuantity,
  ConvertsToQuantity,
  // strings
  IndexOf,
  Substring,
  StartsWith,
  EndsWith,
  Contains,
  Upper,
  Lower,
  Replace,
  Matches,
  ReplaceMatches,
  Length,
  ToChars,
  Trim,
  Split,
  Join,
  // math
  Abs,
  Ceiling,
  Floor,
  Truncate,
  Round,
  Sqrt,
  Exp,
  Ln,
  Log,
  Power,
  // tree navigation
  Children,
  Descendants,
  // utility
  Trace,
  Now,
  Today,
  TimeOfDay,
  Not,
  Is,
  As,
  Type,
  Aggregate,
  // FHIR additions
  HasValue,
  Resolve,
  Extension,
  HasExtension,
  HtmlChecks,
  MemberOf,
};

struct FunctionInfo {
  std::string_view name;
  FunctionId id;
  std::uint8_t min_args;
  std::uint8_t max_args;
};

// nullptr if the name is not a known function.
const FunctionInfo* find_function(std::string_view name);

// True if argument `index` of `id` is evaluated per input item ($this bound), not once.
bool is_lambda_argument(FunctionId id, std::size_t index);

// True for functions whose single argument is a type specifier (is, as, ofType).
inline bool takes_type_argument(FunctionId id) {
  return id == FunctionId::Is || id == FunctionId::As || id == FunctionId::OfType;
}

}  // namespace fhir::fhirpath::detail
