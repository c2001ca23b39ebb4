#include <doctest/doctest.h>

#include "fake_store.h"
#include "http/auth.h"
#include "http/keys.h"

using namespace uplift;
using namespace uplift::http;

TEST_CASE("sha256 matches the FIPS 180-2 test vectors") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("constant-time comparison is a plain equality") {
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "abcd"));
  CHECK(constant_time_equal("", ""));
  // A difference at any position (first, middle, last byte; any bit) is found.
  const std::string hash = sha256_hex("upl_secret");
  for (std::size_t i = 0; i < hash.size(); ++i) {
    for (unsigned bit = 0; bit < 8; ++bit) {
      std::string other = hash;
      other[i] = static_cast<char>(other[i] ^ (1u << bit));
      CHECK_FALSE(constant_time_equal(hash, other));
    }
  }
  CHECK(constant_time_equal(hash, sha256_hex("upl_secret")));
}

TEST_CASE("base64: RFC 4648 vectors, both alphabets, url-safe encoding without padding") {
  const unsigned char foobar[] = {'f', 'o', 'o', 'b', 'a', 'r'};
  CHECK(base64url(foobar, 1) == "Zg");
  CHECK(base64url(foobar, 2) == "Zm8");
  CHECK(base64url(foobar, 3) == "Zm9v");
  CHECK(base64url(foobar, 6) == "Zm9vYmFy");
  const unsigned char high[] = {0xfb, 0xff};
  CHECK(base64url(high, 2) == "-_8");
  CHECK(base64_decode("Zm9vYg==") == std::optional<std::string>("foob"));
  CHECK(base64_decode("Zm9vYmE") == std::optional<std::string>("fooba"));
  CHECK(base64_decode("+/8=") == base64_decode("-_8"));
  CHECK_FALSE(base64_decode("Zm9v!").has_value());
  CHECK_FALSE(base64_decode("Z").has_value());
}

TEST_CASE("generated keys: prefix, length, alphabet, distinct") {
  auto a = generate_key_secret(), b = generate_key_secret();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->starts_with("upl_"));
  CHECK(a->size() == 4 + 43);
  CHECK(*a != *b);
  REQUIRE(key_id_of(*a).has_value());
  CHECK(key_id_of(*a)->size() == kKeyIdLength);
  CHECK_FALSE(key_id_of("sk_live_abc").has_value());
  CHECK_FALSE(key_id_of("upl_short").has_value());
  CHECK_FALSE(key_id_of("upl_abcdefgh$ijklmnopq").has_value());
}

TEST_CASE("Authorization header parsing: Bearer and Segment-style Basic") {
  struct Case {
    const char* header;
    std::optional<std::string> key;
  };
  const Case cases[] = {
      {"Bearer upl_abc", "upl_abc"},
      {"bearer   upl_abc  ", "upl_abc"},
      {"Basic dXBsX2FiYzo=", "upl_abc"},          // base64("upl_abc:")
      {"Basic dXBsX2FiYzpwYXNzd29yZA==", "upl_abc"},  // a password is ignored
      {"Basic dXBsX2FiYw==", "upl_abc"},          // no colon at all
      {"Basic Og==", std::nullopt},               // ":" — empty user
      {"Basic !!!", std::nullopt},
      {"Bearer ", std::nullopt},
      {"Token upl_abc", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.header);
    CHECK(presented_key(c.header) == c.key);
  }
}

TEST_CASE("scopes: admin does everything, analyst reads, lms reads learner-facing routes, ingest writes") {
  // (scope, access, allowed) over every pair: least privilege for the LMS (issue 20).
  const Scope scopes[] = {Scope::kIngest, Scope::kLms, Scope::kAnalyst, Scope::kAdmin};
  const Access accesses[] = {Access::kPublic, Access::kLearner, Access::kRead, Access::kIngest, Access::kAdmin};
  const bool allowed[4][5] = {
      // public learner read   ingest admin
      {true, false, false, true, false},  // ingest
      {true, true, false, false, false},  // lms: no account lists, ARR, CSMs or other learners' emails
      {true, true, true, false, false},   // analyst
      {true, true, true, true, true},     // admin
  };
  for (int s = 0; s < 4; ++s)
    for (int a = 0; a < 5; ++a) {
      CAPTURE(scope_name(scopes[s]));
      CAPTURE(access_name(accesses[a]));
      CHECK(scope_allows(scopes[s], accesses[a]) == allowed[s][a]);
    }
  CHECK(parse_scope("analyst") == Scope::kAnalyst);
  CHECK(scope_name(Scope::kAnalyst) == "analyst");
}

TEST_CASE("keys are stored hashed; the ring authenticates, refreshes and honours revocation") {
  testing::FakeStore store;
  auto made = create_key(store, "lms-prod", Scope::kLms, 1'700'000'000'000);
  REQUIRE(made.ok());
  auto doc = store.get_document(kKeyCollection, made->key.id);
  REQUIRE(doc.ok());
  CHECK(doc->body.find(made->secret) == std::string::npos);  // never the key itself
  CHECK(doc->body.find(sha256_hex(made->secret)) != std::string::npos);

  SUBCASE("a second active key with the same name is refused") {
    CHECK(create_key(store, "lms-prod", Scope::kAdmin, 1).status().code() == Code::kAlreadyExists);
  }

  KeyRing ring(store);
  auto ok = ring.authenticate("Bearer " + made->secret);
  REQUIRE(ok.ok());
  CHECK((*ok)->name == "lms-prod");
  CHECK((*ok)->scope == Scope::kLms);

  // Wrong secret with a valid id prefix, and an unknown id.
  std::string tampered = made->secret;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  CHECK(ring.authenticate("Bearer " + tampered).status().code() == Code::kUnauthenticated);
  CHECK(ring.authenticate("Bearer upl_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz").status().code() ==
        Code::kUnauthenticated);
  CHECK(ring.authenticate("").status().code() == Code::kUnauthenticated);

  // Revoked elsewhere: the cached key keeps working until refresh(), then is refused.
  REQUIRE(revoke_key(store, "lms-prod", 1'700'000'100'000).ok());
  REQUIRE(ring.refresh().ok());
  CHECK(ring.authenticate("Bearer " + made->secret).status().code() == Code::kUnauthenticated);
  CHECK(revoke_key(store, "lms-prod", 1).status().code() == Code::kNotFound);

  // A key created after the ring loaded works immediately (looked up on a miss).
  auto later = create_key(store, "lms-prod", Scope::kAdmin, 1'700'000'200'000);
  REQUIRE(later.ok());
  CHECK(ring.authenticate("Basic " + [&] {
          std::string user = later->secret + ":";
          // base64 via the url alphabet is accepted by the decoder too.
          return base64url(reinterpret_cast<const unsigned char*>(user.data()), user.size());
        }()).ok());

  // A revocation the ring was told of stays, even when a refresh reads a list from before it.
  {
    auto told = create_key(store, "told", Scope::kLms, 1'700'000'300'000);
    REQUIRE(told.ok());
    REQUIRE(ring.refresh().ok());
    REQUIRE(ring.authenticate("Bearer " + told->secret).ok());
    ApiKey revoked = told->key;
    revoked.revoked_at = 1'700'000'400'000;
    ring.remember(revoked);  // as DELETE /v1/keys/{key} does once its write committed
    CHECK(ring.authenticate("Bearer " + told->secret).status().code() == Code::kUnauthenticated);
    REQUIRE(ring.refresh().ok());  // the store still lists it unrevoked here
    CHECK(ring.authenticate("Bearer " + told->secret).status().code() == Code::kUnauthenticated);
    auto from_memory = ring.authenticate_from_memory("Bearer " + told->secret);
    REQUIRE(from_memory.has_value());
    CHECK(from_memory->status().code() == Code::kUnauthenticated);
  }

  // With the database down, cached keys still work and unknown ones are Unavailable.
  store.down = true;
  CHECK(ring.authenticate("Bearer " + later->secret).ok());
  CHECK(ring.authenticate("Bearer upl_yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy").status().code() ==
        Code::kUnavailable);
}

TEST_CASE("list_keys never returns secrets and keeps revoked keys for the record") {
  testing::FakeStore store;
  REQUIRE(create_key(store, "a", Scope::kIngest, 1).ok());
  REQUIRE(create_key(store, "b", Scope::kAdmin, 2).ok());
  REQUIRE(revoke_key(store, "a", 3).ok());
  auto keys = list_keys(store);
  REQUIRE(keys.ok());
  REQUIRE(keys->size() == 2);
  CHECK((*keys)[0].name == "a");
  CHECK((*keys)[0].revoked());
  CHECK_FALSE((*keys)[1].revoked());
  CHECK(create_key(store, "", Scope::kLms, 1).status().code() == Code::kInvalidArgument);
}
