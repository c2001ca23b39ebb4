#include "http/auth.h"

#include <mutex>

namespace uplift::http {

bool scope_allows(Scope have, Access need) {
  switch (need) {
    case Access::kPublic: return true;
    case Access::kLearner: return have == Scope::kLms || have == Scope::kAnalyst || have == Scope::kAdmin;
    case Access::kRead: return have == Scope::kAnalyst || have == Scope::kAdmin;
    case Access::kIngest: return have == Scope::kIngest || have == Scope::kAdmin;
    case Access::kAdmin: return have == Scope::kAdmin;
  }
  return false;
}

std::string_view access_name(Access a) {
  switch (a) {
    case Access::kPublic: return "public";
    case Access::kLearner: return "lms, analyst";
    case Access::kRead: return "analyst";
    case Access::kIngest: return "ingest";
    case Access::kAdmin: return "admin";
  }
  return "?";
}

Status KeyRing::refresh() {
  Store* store = store_.load();
  if (!store) return Status::Unavailable("the key store is not open yet");
  auto keys = list_keys(*store);
  if (!keys.ok()) return keys.status();
  std::unordered_map<std::string, Key> fresh;  // made before the lock: lookups never wait for it
  for (auto& k : *keys) {
    auto id = k.id;
    fresh.emplace(std::move(id), std::make_shared<const ApiKey>(std::move(k)));
  }
  std::unique_lock lock(mu_);
  // Revocation is one-way: a list read before a revocation committed must not undo it.
  for (auto& [id, k] : fresh) {
    auto it = by_id_.find(id);
    if (it == by_id_.end() || !it->second->revoked() || k->revoked()) continue;
    auto kept = std::make_shared<ApiKey>(*k);
    kept->revoked_at = it->second->revoked_at;
    k = std::move(kept);
  }
  by_id_ = std::move(fresh);
  return Status::OK();
}

void KeyRing::remember(const ApiKey& key) {
  auto shared = std::make_shared<const ApiKey>(key);
  std::unique_lock lock(mu_);
  by_id_[key.id] = std::move(shared);
}

namespace {

// A presented key's digest: each thread keeps the one of the key it saw last, since a client
// sends the same key on every request (compared in constant time, so no other client's key leaks
// through timing).
const std::string& digest_of(std::string_view key) {
  thread_local std::string last_key, last_digest;
  if (last_digest.empty() || !constant_time_equal(last_key, key)) {
    last_digest = sha256_hex(key);
    last_key = key;
  }
  return last_digest;
}

Result<KeyRing::Key> check(const KeyRing::Key& found, std::string_view key) {
  if (!constant_time_equal(found->sha256_hex, digest_of(key))) return Status::Unauthenticated("the API key is not valid");
  if (found->revoked()) return Status::Unauthenticated("the API key has been revoked");
  return found;
}

}  // namespace

std::optional<Result<KeyRing::Key>> KeyRing::authenticate_from_memory(std::string_view authorization) {
  if (authorization.empty())
    return Status::Unauthenticated("send an API key: Authorization: Bearer <key> (or Basic with the key as user)");
  auto key = presented_key(authorization);
  if (!key) return Status::Unauthenticated("the Authorization header is not 'Bearer <key>' or 'Basic <base64(key:)>'");
  auto id = key_id_of(*key);
  if (!id) return Status::Unauthenticated("the API key is not valid");
  Key found;
  {
    std::shared_lock lock(mu_);
    auto it = by_id_.find(*id);
    if (it == by_id_.end()) return std::nullopt;
    found = it->second;
  }
  return check(found, *key);
}

Result<KeyRing::Key> KeyRing::authenticate(std::string_view authorization) {
  if (auto known = authenticate_from_memory(authorization)) return std::move(*known);
  // A well-formed key the cache does not hold (created since the last refresh): ask the store.
  auto key = presented_key(authorization);
  auto id = key_id_of(*key);
  Store* store = store_.load();
  if (!store) return Status::Unavailable("the service is starting up");
  auto doc = store->get_document(kKeyCollection, *id);
  if (!doc.ok()) {
    if (doc.status().code() == Code::kNotFound) return Status::Unauthenticated("the API key is not valid");
    return doc.status();
  }
  auto k = key_from_json(doc->body);
  if (!k.ok()) return Status::Unauthenticated("the API key is not valid");
  Key found;
  {
    std::unique_lock lock(mu_);
    auto [it, inserted] = by_id_.try_emplace(*id, std::make_shared<const ApiKey>(*k));
    if (!inserted && !it->second->revoked()) it->second = std::make_shared<const ApiKey>(*k);  // a revocation seen meanwhile stays
    found = it->second;
  }
  return check(found, *key);
}

}  // namespace uplift::http
