// Identity: aliases on learner and account records ("source:value"), the email alias, and the
// Dataset's alias index (DESIGN.md "Identity").
#include <doctest/doctest.h>

#include "core/dataset.h"
#include "core/record_json.h"

using namespace uplift;
using nlohmann::json;

TEST_CASE("aliases: validated, sorted and unique; written back only when present") {
  auto r = record_from_json(json::parse(R"({"kind": "learner", "id": "l1", "account": "a",
      "aliases": ["skilljar:3456789hijklmno", "docebo:12", "skilljar:3456789hijklmno"]})"));
  REQUIRE(r.ok());
  const auto& l = std::get<Learner>(*r.record);
  CHECK(l.aliases == std::vector<std::string>{"docebo:12", "skilljar:3456789hijklmno"});
  CHECK(record_to_json(*r.record)["aliases"] == json::array({"docebo:12", "skilljar:3456789hijklmno"}));
  CHECK_FALSE(record_to_json(Learner{"l2", "a", "", "", "", {}, {}, {}, {}}).contains("aliases"));
  for (const char* bad : {R"(["noseparator"])", R"([":x"])", R"(["Skilljar:x"])", R"(["s:"])", R"([3])", R"("skilljar:x")",
                          R"(["a:\u0001"])"}) {
    auto e = record_from_json(json::parse(std::string(R"({"kind": "account", "id": "a", "aliases": )") + bad + "}"));
    CHECK_MESSAGE(!e.ok(), bad);
    CHECK(e.error.field == "aliases");
  }
  CHECK(valid_alias("salesforce:0015g00000XyZabAAB"));
  CHECK(valid_alias("xapi:mailto:jane@example.com"));
  CHECK(email_alias("Jane.Doe@Example.COM") == "email:jane.doe@example.com");
  CHECK(email_alias("").empty());
}

TEST_CASE("Dataset alias index: by alias and by email; updates move the alias; two holders are ambiguous") {
  Dataset d;
  Learner jane{"l1", "a", "Jane@Example.com", "admin", "", {}, {}, {}, {"skilljar:3456789hijklmno"}};
  d.apply(jane);
  const auto v0 = d.identity_version();
  CHECK(d.learner_by_alias("skilljar:3456789hijklmno")->id() == "l1");
  CHECK(d.learner_by_alias("email:jane@example.com")->id() == "l1");
  CHECK(d.learner_by_alias("email:Jane@Example.com") == nullptr);  // callers fold with email_alias()
  // The learner changes email and loses the Skilljar id: the old aliases no longer resolve.
  jane.email = "jane@new.example.com";
  jane.aliases = {"docebo:7"};
  d.apply(jane);
  CHECK(d.identity_version() > v0);
  CHECK(d.learner_by_alias("skilljar:3456789hijklmno") == nullptr);
  CHECK(d.learner_by_alias("email:jane@example.com") == nullptr);
  CHECK(d.learner_by_alias("docebo:7")->id() == "l1");
  // Two learners with one email: neither gets the record.
  d.apply(Learner{"l2", "a", "JANE@new.example.com", "", "", {}, {}, {}, {}});
  bool ambiguous = false;
  CHECK(d.learner_by_alias("email:jane@new.example.com", &ambiguous) == nullptr);
  CHECK(ambiguous);
  CHECK(d.learner_by_alias("docebo:7", &ambiguous)->id() == "l1");
  CHECK_FALSE(ambiguous);
  Account acme{"a", "Acme", "", "", "", {}, {}, {}, Audience::kCustomer, {"salesforce:0015g00000XyZabAAB"}};
  d.apply(acme);
  CHECK(d.account_by_alias("salesforce:0015g00000XyZabAAB")->id == "a");
  const auto v1 = d.identity_version();
  d.apply(acme);  // unchanged: nothing moves
  CHECK(d.identity_version() == v1);
}
