#include "http/keys.h"

#include <sys/random.h>

#include <algorithm>
#include <mutex>
#include <array>
#include <cerrno>
#include <cstring>

#include <Poco/SHA2Engine.h>
#include <openssl/crypto.h>
#include <nlohmann/json.hpp>

#include "http/message.h"

namespace uplift::http {

std::string_view scope_name(Scope s) {
  switch (s) {
    case Scope::kIngest: return "ingest";
    case Scope::kLms: return "lms";
    case Scope::kAdmin: return "admin";
    case Scope::kAnalyst: return "analyst";
  }
  return "?";
}

std::optional<Scope> parse_scope(std::string_view s) {
  for (Scope sc : {Scope::kIngest, Scope::kLms, Scope::kAdmin, Scope::kAnalyst})
    if (scope_name(sc) == s) return sc;
  return std::nullopt;
}

std::string sha256_hex(std::string_view data) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(data.data(), static_cast<unsigned>(data.size()));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Length is not secret (hashes are fixed-size); OpenSSL's CRYPTO_memcmp reads every byte
  // whatever the content, and is written so the compiler cannot turn it into an early exit.
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

static constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(const unsigned char* data, std::size_t n) {
  std::string out;
  out.reserve((n * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += kB64Url[(v >> 18) & 63];
    out += kB64Url[(v >> 12) & 63];
    out += kB64Url[(v >> 6) & 63];
    out += kB64Url[v & 63];
  }
  if (n - i == 1) {
    unsigned v = data[i] << 16;
    out += kB64Url[(v >> 18) & 63];
    out += kB64Url[(v >> 12) & 63];
  } else if (n - i == 2) {
    unsigned v = (data[i] << 16) | (data[i + 1] << 8);
    out += kB64Url[(v >> 18) & 63];
    out += kB64Url[(v >> 12) & 63];
    out += kB64Url[(v >> 6) & 63];
  }
  return out;
}

static int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = b64_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

Result<std::string> generate_key_secret() {
  std::array<unsigned char, 32> bytes{};
  std::size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Internal(std::string("no randomness from the OS: ") + std::strerror(errno));
    }
    got += static_cast<std::size_t>(n);
  }
  return std::string(kKeyPrefix) + base64url(bytes.data(), bytes.size());
}

std::optional<std::string> key_id_of(std::string_view key) {
  if (key.size() < kKeyIdLength + 8 || key.substr(0, kKeyPrefix.size()) != kKeyPrefix) return std::nullopt;
  for (char c : key.substr(kKeyPrefix.size()))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return std::nullopt;
  return std::string(key.substr(0, kKeyIdLength));
}

static std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::string> presented_key(std::string_view authorization) {
  authorization = trim_blanks(authorization);
  if (starts_with_ignoring_case(authorization, "Bearer ")) {
    auto key = trim_blanks(authorization.substr(7));
    if (key.empty()) return std::nullopt;
    return std::string(key);
  }
  if (starts_with_ignoring_case(authorization, "Basic ")) {
    auto decoded = base64_decode(trim_blanks(authorization.substr(6)));
    if (!decoded) return std::nullopt;
    std::string_view user = *decoded;
    user = user.substr(0, user.find(':'));
    if (user.empty()) return std::nullopt;
    return std::string(user);
  }
  return std::nullopt;
}

std::string key_to_json(const ApiKey& k) {
  nlohmann::json j = {{"id", k.id},
                      {"name", k.name},
                      {"scope", scope_name(k.scope)},
                      {"sha256", k.sha256_hex},
                      {"created_at", format_timestamp(k.created_at)}};
  if (k.revoked_at) j["revoked_at"] = format_timestamp(*k.revoked_at);
  return j.dump();
}

Result<ApiKey> key_from_json(std::string_view text) {
  try {
    auto j = nlohmann::json::parse(text);
    ApiKey k;
    k.id = j.at("id").get<std::string>();
    k.name = j.at("name").get<std::string>();
    auto scope = parse_scope(j.at("scope").get<std::string>());
    if (!scope) return Status::InvalidArgument("api key " + k.id + ": unknown scope");
    k.scope = *scope;
    k.sha256_hex = j.at("sha256").get<std::string>();
    auto created = parse_timestamp(j.at("created_at").get<std::string>());
    if (!created.ok()) return created.status();
    k.created_at = *created;
    if (j.contains("revoked_at")) {
      auto revoked = parse_timestamp(j["revoked_at"].get<std::string>());
      if (!revoked.ok()) return revoked.status();
      k.revoked_at = *revoked;
    }
    return k;
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("stored api key is not valid: ") + e.what());
  }
}

static Status put_key(Store& store, const ApiKey& k, Timestamp now) {
  Document doc;
  doc.collection = std::string(kKeyCollection);
  doc.key = k.id;
  doc.body = key_to_json(k);
  doc.updated_at = now;
  return store.put_document(doc);
}

Result<std::vector<ApiKey>> list_keys(Store& store) {
  std::vector<ApiKey> keys;
  Status bad;
  Status st = store.scan_documents(kKeyCollection, [&](const Document& d) {
    auto k = key_from_json(d.body);
    if (!k.ok()) {
      bad = k.status();
      return false;
    }
    keys.push_back(std::move(*k));
    return true;
  });
  UPLIFT_RETURN_IF_ERROR(st);
  UPLIFT_RETURN_IF_ERROR(bad);
  std::sort(keys.begin(), keys.end(), [](const ApiKey& a, const ApiKey& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
  });
  return keys;
}

namespace {
std::mutex& key_admin_mutex() {
  static std::mutex mu;
  return mu;
}

Result<ApiKey> revoke_locked(Store& store, std::string_view name_or_id, Timestamp now, bool keep_an_admin) {
  auto keys = list_keys(store);
  if (!keys.ok()) return keys.status();
  if (keep_an_admin) {
    std::size_t admins = 0;
    bool target_is_admin = false;
    for (const auto& k : *keys) {
      if (k.revoked() || k.scope != Scope::kAdmin) continue;
      ++admins;
      if (k.id == name_or_id || k.name == name_or_id) target_is_admin = true;
    }
    if (target_is_admin && admins == 1)
      return Status::FailedPrecondition(
          "this is the last active admin key: create another admin key first (or revoke it with `uplift keys revoke`)");
  }
  for (auto& k : *keys) {
    if (k.revoked() || (k.id != name_or_id && k.name != name_or_id)) continue;
    k.revoked_at = now;
    UPLIFT_RETURN_IF_ERROR(put_key(store, k, now));
    return k;
  }
  return Status::NotFound("no active api key with name or id '" + std::string(name_or_id) + "'");
}
}  // namespace

Result<CreatedKey> create_key(Store& store, std::string name, Scope scope, Timestamp now) {
  if (name.empty() || name.size() > 100)
    return Status::InvalidArgument("key name must be 1-100 characters");
  std::lock_guard serial(key_admin_mutex());
  auto existing = list_keys(store);
  if (!existing.ok()) return existing.status();
  for (const auto& k : *existing)
    if (k.name == name && !k.revoked())
      return Status::AlreadyExists("an active key named '" + name + "' exists (" + k.id + "); revoke it first");
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto secret = generate_key_secret();
    if (!secret.ok()) return secret.status();
    ApiKey k;
    k.id = *key_id_of(*secret);
    auto clash = store.get_document(kKeyCollection, k.id);
    if (clash.ok()) continue;  // id prefix already taken: draw again
    if (clash.status().code() != Code::kNotFound) return clash.status();
    k.name = std::move(name);
    k.scope = scope;
    k.sha256_hex = sha256_hex(*secret);
    k.created_at = now;
    UPLIFT_RETURN_IF_ERROR(put_key(store, k, now));
    return CreatedKey{std::move(*secret), std::move(k)};
  }
  return Status::Internal("could not draw an unused key id");
}

Result<ApiKey> revoke_key(Store& store, std::string_view name_or_id, Timestamp now) {
  std::lock_guard serial(key_admin_mutex());
  return revoke_locked(store, name_or_id, now, false);
}

Result<ApiKey> revoke_key_keeping_an_admin(Store& store, std::string_view name_or_id, Timestamp now) {
  std::lock_guard serial(key_admin_mutex());
  return revoke_locked(store, name_or_id, now, true);
}

}  // namespace uplift::http
