// System values of items and the FHIRPath comparison rules between them.
#pragma once

#include <optional>
#include <string>

#include "decimal.h"
#include "fhir/fhirpath/fhirpath.h"
#include "temporal.h"

namespace fhir::fhirpath::detail {

// The System value of an item: FHIR primitives become Boolean/Integer/Decimal/String/Date/DateTime/Time,
// Quantity-typed elements become Quantity; System items are returned as they are. nullopt for other complex
// elements and for primitives that have only an extension.
std::optional<Item> system_value(const Item& item);

bool is_quantity_type(std::string_view fhir_type);
bool is_numeric(const Item& system_item);
Decimal numeric_value(const Item& system_item);  // Integer or Decimal
bool temporal_value(const Item& system_item, Temporal& out);

// '=' between two items: nullopt when the result is unknown (different date precisions, units).
std::optional<bool> items_equal(const Item& a, const Item& b);
// '~' between two items.
bool items_equivalent(const Item& a, const Item& b);

enum class CompareOutcome { Ok, Unknown, Incompatible };
// Three-way ordering for < <= > >=.
CompareOutcome compare_items(const Item& a, const Item& b, int& result);

// toString(): nullopt when the item has no string form.
std::optional<std::string> string_value(const Item& item);

}  // namespace fhir::fhirpath::detail
