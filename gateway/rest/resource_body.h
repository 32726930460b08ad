// Building the stored form of a resource: server id, meta.versionId / meta.lastUpdated, member order
// resourceType, id, meta, then the rest as received.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fhir/json/node.h"

namespace fhirgw::rest {

// A new server-assigned id: a time-ordered UUID (version 7, strictly increasing within the process,
// 62 random bits), which is a valid FHIR id (<= 64 chars).
std::string new_id();

// True if `id` matches the FHIR id syntax [A-Za-z0-9\-\.]{1,64}.
bool valid_id(std::string_view id);

// The JSON text of `resource` with id and meta set for version `version` written at `last_updated_ms`:
// resourceType, id, meta (versionId, lastUpdated, then the resource's other meta elements), then its other
// elements in their order. Written straight from `resource` (no stamped copy of the tree is built).
// `source`, when given, is the text `resource` was parsed from (its nodes' offsets point into it); a value
// changed since parsing must have no offset (Node::kNoOffset). Elements written there as json::write writes
// them are copied from it instead of written again: the result is the same text.
std::string stamped_json(const fhir::json::Node& resource, std::string_view id, std::int64_t version,
                         std::int64_t last_updated_ms, std::string_view source = {});

// True if the stored body and `incoming` differ only in meta.versionId / meta.lastUpdated (an update
// that changes nothing does not create a version).
bool same_content(std::string_view stored_body, const fhir::json::Node& incoming);

// W/"3" -> 3; nullopt for anything else.
std::optional<std::int64_t> parse_etag(std::string_view etag);
std::string etag(std::int64_t version);

}  // namespace fhirgw::rest
