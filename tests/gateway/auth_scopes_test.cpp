// SMART system scopes (v1 and v2 forms) parsed into permissions, and the interaction check.
#include <gtest/gtest.h>

#include "auth/scopes.h"

namespace fhirgw::auth {
namespace {

Permissions perms(std::string_view s) {
  auto p = parse_scopes(s);
  EXPECT_TRUE(p) << s << ": " << (p ? "" : p.error().reason);
  return p ? *p : Permissions{};
}

TEST(Scopes, V1Forms) {
  const auto read = perms("system/Observation.read");
  EXPECT_TRUE(allows(read, "Observation", Interaction::read));
  EXPECT_TRUE(allows(read, "Observation", Interaction::vread));
  EXPECT_TRUE(allows(read, "Observation", Interaction::search));
  EXPECT_TRUE(allows(read, "Observation", Interaction::history));
  EXPECT_TRUE(allows(read, "Observation", Interaction::history_type));
  EXPECT_FALSE(allows(read, "Observation", Interaction::create));
  EXPECT_FALSE(allows(read, "Observation", Interaction::update));
  EXPECT_FALSE(allows(read, "Observation", Interaction::delete_));
  EXPECT_FALSE(allows(read, "Patient", Interaction::read));

  const auto write = perms("system/*.write");
  EXPECT_TRUE(allows(write, "Patient", Interaction::create));
  EXPECT_TRUE(allows(write, "Condition", Interaction::update));
  EXPECT_TRUE(allows(write, "Condition", Interaction::patch));
  EXPECT_TRUE(allows(write, "Condition", Interaction::delete_));
  EXPECT_FALSE(allows(write, "Condition", Interaction::read));
  EXPECT_FALSE(allows(write, "Condition", Interaction::search));

  const auto all = perms("system/*.*");
  for (auto i :
       {Interaction::read, Interaction::vread, Interaction::history, Interaction::history_type, Interaction::search,
        Interaction::create, Interaction::update, Interaction::patch, Interaction::delete_, Interaction::operation}) {
    EXPECT_TRUE(allows(all, "AuditEvent", i));
    EXPECT_TRUE(allows(all, "", i));  // system level
  }
}

TEST(Scopes, V2Forms) {
  const auto rs = perms("system/Observation.rs");
  EXPECT_TRUE(allows(rs, "Observation", Interaction::read));
  EXPECT_TRUE(allows(rs, "Observation", Interaction::search));
  EXPECT_FALSE(allows(rs, "Observation", Interaction::create));

  const auto r = perms("system/Observation.r");
  EXPECT_TRUE(allows(r, "Observation", Interaction::read));
  EXPECT_TRUE(allows(r, "Observation", Interaction::history));
  EXPECT_FALSE(allows(r, "Observation", Interaction::search));
  EXPECT_FALSE(allows(r, "Observation", Interaction::history_type));
  EXPECT_FALSE(allows(r, "Observation", Interaction::operation));  // needs r and s

  const auto cud = perms("system/Patient.cud");
  EXPECT_TRUE(allows(cud, "Patient", Interaction::create));
  EXPECT_TRUE(allows(cud, "Patient", Interaction::delete_));
  EXPECT_FALSE(allows(cud, "Patient", Interaction::read));

  const auto cruds = perms("system/*.cruds");
  EXPECT_TRUE(allows(cruds, "MedicationAdministration", Interaction::operation));
}

TEST(Scopes, RightsCombineAcrossRules) {
  const auto p = perms("system/Observation.r system/*.s");
  EXPECT_TRUE(allows(p, "Observation", Interaction::operation));
  EXPECT_FALSE(allows(p, "Patient", Interaction::operation));
  EXPECT_TRUE(allows(p, "", Interaction::search));  // system search via the * rule
  EXPECT_FALSE(allows(perms("system/Observation.rs"), "", Interaction::search));
}

TEST(Scopes, RefusesMalformedOrUnsupportedScopes) {
  for (const char* bad :
       {"patient/Observation.read", "user/*.rs", "system/Observation", "system/.rs", "system/observation.rs",
        "system/Observation.sr", "system/Observation.rr", "system/Observation.x", "system/Observation.",
        "system/Obs-ervation.r", "system/Observation.rs?category=laboratory", "openid", "system/*.readwrite"}) {
    EXPECT_FALSE(parse_scope(bad)) << bad;
  }
  EXPECT_FALSE(parse_scopes("system/Observation.rs launch"));
}

TEST(Scopes, ListParsingKeepsOrderAndDropsDuplicates) {
  const auto p = perms("  system/Observation.rs  system/*.write system/Observation.rs ");
  ASSERT_EQ(p.rules.size(), 2u);
  EXPECT_EQ(p.to_string(), "system/Observation.rs system/*.write");
  EXPECT_TRUE(perms("").empty());
}

TEST(Scopes, Covers) {
  const auto allowed = perms("system/*.rs system/Observation.cruds");
  EXPECT_TRUE(covers(allowed, *parse_scope("system/Observation.write")));
  EXPECT_TRUE(covers(allowed, *parse_scope("system/Patient.read")));
  EXPECT_TRUE(covers(allowed, *parse_scope("system/*.read")));
  EXPECT_FALSE(covers(allowed, *parse_scope("system/Patient.c")));
  EXPECT_FALSE(covers(allowed, *parse_scope("system/*.cruds")));
  // A wildcard request is not covered by the union of per-type grants.
  EXPECT_FALSE(covers(perms("system/Observation.c"), *parse_scope("system/*.c")));
}

}  // namespace
}  // namespace fhirgw::auth
