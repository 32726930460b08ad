#include "function_table.h"

#include <array>

namespace fhir::fhirpath::detail {
namespace {

using F = FunctionId;

constexpr std::array kFunctions{
    FunctionInfo{"empty", F::Empty, 0, 0},
    FunctionInfo{"exists", F::Exists, 0, 1},
    FunctionInfo{"all", F::All, 1, 1},
    FunctionInfo{"allTrue", F::AllTrue, 0, 0},
    FunctionInfo{"anyTrue", F::AnyTrue, 0, 0},
    FunctionInfo{"allFalse", F::AllFalse, 0, 0},
    FunctionInfo{"anyFalse", F::AnyFalse, 0, 0},
    FunctionInfo{"subsetOf", F::SubsetOf, 1, 1},
    FunctionInfo{"supersetOf", F::SupersetOf, 1, 1},
    FunctionInfo{"count", F::Count, 0, 0},
    FunctionInfo{"distinct", F::Distinct, 0, 0},
    FunctionInfo{"isDistinct", F::IsDistinct, 0, 0},
    FunctionInfo{"where", F::Where, 1, 1},
    FunctionInfo{"select", F::Select, 1, 1},
    FunctionInfo{"repeat", F::Repeat, 1, 1},
    FunctionInfo{"ofType", F::OfType, 1, 1},
    FunctionInfo{"single", F::Single, 0, 0},
    FunctionInfo{"first", F::First, 0, 0},
    FunctionInfo{"last", F::Last, 0, 0},
    FunctionInfo{"tail", F::Tail, 0, 0},
    FunctionInfo{"skip", F::Skip, 1, 1},
    FunctionInfo{"take", F::Take, 1, 1},
    FunctionInfo{"intersect", F::Intersect, 1, 1},
    FunctionInfo{"exclude", F::Exclude, 1, 1},
    FunctionInfo{"union", F::Union, 1, 1},
    FunctionInfo{"combine", F::Combine, 1, 1},
    FunctionInfo{"iif", F::Iif, 2, 3},
    FunctionInfo{"toBoolean", F::ToBoolean, 0, 0},
    FunctionInfo{"convertsToBoolean", F::ConvertsToBoolean, 0, 0},
    FunctionInfo{"toInteger", F::ToInteger, 0, 0},
    FunctionInfo{"convertsToInteger", F::ConvertsToInteger, 0, 0},
    FunctionInfo{"toDecimal", F::ToDecimal, 0, 0},
    FunctionInfo{"convertsToDecimal", F::ConvertsToDecimal, 0, 0},
    FunctionInfo{"toString", F::ToString, 0, 0},
    FunctionInfo{"convertsToString", F::ConvertsToString, 0, 0},
    FunctionInfo{"toDate", F::ToDate, 0, 0},
    FunctionInfo{"convertsToDate", F::ConvertsToDate, 0, 0},
    FunctionInfo{"toDateTime", F::ToDateTime, 0, 0},
    FunctionInfo{"convertsToDateTime", F::ConvertsToDateTime, 0, 0},
    FunctionInfo{"toTime", F::ToTime, 0, 0},
    FunctionInfo{"convertsToTime", F::ConvertsToTime, 0, 0},
    FunctionInfo{"toQuantity", F::ToQuantity, 0, 1},
    FunctionInfo{"convertsToQuantity", F::ConvertsToQuantity, 0, 1},
    FunctionInfo{"indexOf", F::IndexOf, 1, 1},
    FunctionInfo{"substring", F::Substring, 1, 2},
    FunctionInfo{"startsWith", F::StartsWith, 1, 1},
    FunctionInfo{"endsWith", F::EndsWith, 1, 1},
    FunctionInfo{"contains", F::Contains, 1, 1},
    FunctionInfo{"upper", F::Upper, 0, 0},
    FunctionInfo{"lower", F::Lower, 0, 0},
    FunctionInfo{"replace", F::Replace, 2, 2},
    FunctionInfo{"matches", F::Matches, 1, 1},
    FunctionInfo{"replaceMatches", F::ReplaceMatches, 2, 2},
    FunctionInfo{"length", F::Length, 0, 0},
    FunctionInfo{"toChars", F::ToChars, 0, 0},
    FunctionInfo{"trim", F::Trim, 0, 0},
    FunctionInfo{"split", F::Split, 1, 1},
    FunctionInfo{"join", F::Join, 0, 1},
    FunctionInfo{"abs", F::Abs, 0, 0},
    FunctionInfo{"ceiling", F::Ceiling, 0, 0},
    FunctionInfo{"floor", F::Floor, 0, 0},
    FunctionInfo{"truncate", F::Truncate, 0, 0},
    FunctionInfo{"round", F::Round, 0, 1},
    FunctionInfo{"sqrt", F::Sqrt, 0, 0},
    FunctionInfo{"exp", F::Exp, 0, 0},
    FunctionInfo{"ln", F::Ln, 0, 0},
    FunctionInfo{"log", F::Log, 1, 1},
    FunctionInfo{"power", F::Power, 1, 1},
    FunctionInfo{"children", F::Children, 0, 0},
    FunctionInfo{"descendants", F::Descendants, 0, 0},
    FunctionInfo{"trace", F::Trace, 1, 2},
    FunctionInfo{"now", F::Now, 0, 0},
    FunctionInfo{"today", F::Today, 0, 0},
    FunctionInfo{"timeOfDay", F::TimeOfDay, 0, 0},
    FunctionInfo{"not", F::Not, 0, 0},
    FunctionInfo{"is", F::Is, 1, 1},
    FunctionInfo{"as", F::As, 1, 1},
    FunctionInfo{"type", F::Type, 0, 0},
    FunctionInfo{"aggregate", F::Aggregate, 1, 2},
    FunctionInfo{"hasValue", F::HasValue, 0, 0},
    FunctionInfo{"resolve", F::Resolve, 0, 0},
    FunctionInfo{"extension", F::Extension, 1, 1},
    FunctionInfo{"hasExtension", F::HasExtension, 1, 1},  // used by the R4 search parameter item-subject
    FunctionInfo{"htmlChecks", F::HtmlChecks, 0, 0},
    FunctionInfo{"htmlchecks", F::HtmlChecks, 0, 0},
    FunctionInfo{"memberOf", F::MemberOf, 1, 1},
};

}  // namespace

const FunctionInfo* find_function(std::string_view name) {
  for (const auto& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool is_lambda_argument(FunctionId id, std::size_t index) {
  switch (id) {
    case F::Exists:
    case F::All:
    case F::Where:
    case F::Select:
    case F::Repeat: return index == 0;
    case F::Aggregate: return index == 0;
    case F::Trace: return index == 1;
    default: return false;
  }
}

}  // namespace fhir::fhirpath::detail
