// KeyRing: the server's in-memory view of the API keys, and the scope rules.
//
// authenticate() checks a presented key against the cached hash in constant time. A key not in
// the cache is looked up in the store once (keys created after start-up work immediately); the
// whole cache is reloaded by refresh() (the server calls it every tick, 200 ms), which is how a
// revocation made by `uplift keys revoke` in another process takes effect; one made through
// DELETE /v1/keys/{key} is remember()ed and refused from the next request. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"
#include "http/keys.h"
#include "http/router.h"
#include "store/store.h"

namespace uplift::http {

// admin may do everything; lms may read; ingest may write.
bool scope_allows(Scope have, Access need);
std::string_view access_name(Access a);

class KeyRing {
 public:
  KeyRing() = default;
  explicit KeyRing(Store& store) : store_(&store) {}
  // The store keys live in (the server attaches the Workspace's once it has opened).
  void attach(Store& store) { store_.store(&store); }

  // Reloads every key from the store (revocations take effect).
  Status refresh();
  // Puts one key (as just stored, e.g. revoked) in the cache: it counts from the next request.
  void remember(const ApiKey& key);

  // The key behind an Authorization header value (shared, never copied per request).
  // Unauthenticated when missing, malformed, unknown or revoked; Unavailable when the key is not
  // cached and the store cannot be asked (or is not attached yet).
  using Key = std::shared_ptr<const ApiKey>;
  Result<Key> authenticate(std::string_view authorization);
  // authenticate()'s answer when memory alone gives it: no key, a malformed one, or a key whose
  // id is cached. nullopt only for a well-formed key the cache does not hold (only the store can
  // say), so the front door's thread never waits for the store.
  std::optional<Result<Key>> authenticate_from_memory(std::string_view authorization);

 private:
  std::atomic<Store*> store_{nullptr};
  std::shared_mutex mu_;
  std::unordered_map<std::string, Key> by_id_;
};

}  // namespace uplift::http
