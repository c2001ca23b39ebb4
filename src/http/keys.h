// API keys: creation, hashing, storage in the Store's "api_keys" document collection, and the
// credential formats clients send.
//
// A key is "upl_" + base64url(32 random bytes). Its id is its first 12 characters ("upl_" + 8),
// which is the document key, so a presented key is found without scanning; the document stores
// only the SHA-256 of the whole key (hex), the name, the scope and the creation/revocation times.
// The key itself is shown once, at creation, and never stored, logged or returned again.
// Presented keys are compared by hash in constant time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "store/store.h"

namespace uplift::http {

// What a key may do. admin ⊇ everything; lms reads; ingest writes.
// ingest: write records. lms: the learner-facing reads an LMS needs (a learner, its segments,
// recommendations and path, the milestone graph). analyst: every read (accounts with ARR, CSM and
// renewal, learners' emails, stages, segments). admin: everything.
enum class Scope { kIngest, kLms, kAdmin, kAnalyst };
std::string_view scope_name(Scope s);
std::optional<Scope> parse_scope(std::string_view s);

inline constexpr std::string_view kKeyCollection = "api_keys";
inline constexpr std::string_view kKeyPrefix = "upl_";
inline constexpr std::size_t kKeyIdLength = 12;

struct ApiKey {
  std::string id;    // "upl_AbCdEfGh"
  std::string name;  // unique among unrevoked keys
  Scope scope = Scope::kLms;
  std::string sha256_hex;  // of the whole key
  Timestamp created_at = 0;
  std::optional<Timestamp> revoked_at;

  bool revoked() const { return revoked_at.has_value(); }
};

std::string sha256_hex(std::string_view data);
bool constant_time_equal(std::string_view a, std::string_view b);
// base64url without padding (RFC 4648 §5).
std::string base64url(const unsigned char* data, std::size_t n);
// Standard base64 decoding (padding optional); nullopt for invalid input.
std::optional<std::string> base64_decode(std::string_view text);

// A fresh random key (from the OS CSPRNG). Fails only if the OS has no randomness to give.
Result<std::string> generate_key_secret();
// The id part of a presented key, or nullopt when it does not look like an uplift key.
std::optional<std::string> key_id_of(std::string_view key);

// The key presented in an Authorization header: "Bearer <key>" or "Basic base64(<key>:)"
// (the Segment convention; a password, if any, is ignored). nullopt when absent or malformed.
std::optional<std::string> presented_key(std::string_view authorization);

// Store operations (used by `uplift keys` and the server's key ring).
// Creates and stores a key; returns the secret (to print once) and the stored record.
struct CreatedKey {
  std::string secret;
  ApiKey key;
};
// Creations and revocations in one process go one at a time (inside these functions), so two
// cannot both pass the "no active key has this name" / "another admin key remains" checks.
Result<CreatedKey> create_key(Store& store, std::string name, Scope scope, Timestamp now);
Result<std::vector<ApiKey>> list_keys(Store& store);
// Revokes by name or id; NotFound when no unrevoked key matches.
Result<ApiKey> revoke_key(Store& store, std::string_view name_or_id, Timestamp now);
// revoke_key, refused (FailedPrecondition) when it is the last active admin key: what the HTTP
// API offers (an admin cannot lock every admin out; `uplift keys revoke` can, on the host).
Result<ApiKey> revoke_key_keeping_an_admin(Store& store, std::string_view name_or_id, Timestamp now);

std::string key_to_json(const ApiKey& k);
Result<ApiKey> key_from_json(std::string_view text);

}  // namespace uplift::http
