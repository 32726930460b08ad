// Derives invalid resources from valid ones: each mutation kind breaks exactly one rule of FHIR R4
// (remove a required element, an impossible date, a decimal written as a string, ...). The sites are
// found with a typed walk over the metadata written independently of the validator.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json/node.h"
#include "fhir/model/metadata.h"

namespace fhir::validation::testing {

enum class Mutation {
  RemoveRequired,
  WrongStatusCode,
  NumberForString,
  UnknownElement,
  ImpossibleDate,
  TwoChoiceTypes,
  EmptyObject,
  DecimalAsString,
  DataAbsentWithValue,
  DuplicateFullUrl,
  IdWithSpaces,
  EmptyArray,
  EmptyString,
  ArrayForSingle,
  SingleForArray,
  BadReferenceFormat,
  WrongReferenceTarget,
  UnknownResourceType,
  NullValue,
  StringForBoolean,
  UriWithSpace,
  NegativePositiveInt,
  DateTimeWithoutZone,
  UnresolvedLocalReference,
  kCount
};

const char* mutation_name(Mutation m);

// Applies `m` to `resource` at a site chosen with `rng`. Returns false when the resource has no site
// for that kind (the caller skips it).
bool mutate(const model::Registry& registry, json::Node& resource, Mutation m, std::mt19937& rng);

}  // namespace fhir::validation::testing
