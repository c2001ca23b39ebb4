// `uplift keys create --scope ingest|lms|analyst|admin --name N [--quiet]`, `uplift keys list [--json]`,
// `uplift keys revoke NAME_OR_ID` — API keys for the HTTP server (src/http/keys.h).
//
// create prints the key once (with --quiet: only the key, for scripts); only its SHA-256 is
// stored. list never shows keys, only ids, names and scopes. A running server notices a new key
// at once and a revocation within about a second.
#include <chrono>
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "http/keys.h"
#include "store/store.h"

namespace uplift::cli::cmd_keys {
namespace {

struct KeysArgs {
  std::string db, scope, name, target;
  bool quiet = false, json = false;
};

std::unique_ptr<Store> open_store(const std::string& db) {
  auto store = Store::open(default_store_url(db));
  if (!store.ok()) {
    std::fprintf(stderr, "uplift keys: %s\n", store.status().message().c_str());
    exit_code() = 2;
    return nullptr;
  }
  return std::move(*store);
}

void create(const KeysArgs& a) {
  auto scope = http::parse_scope(a.scope);
  if (!scope) {
    std::fprintf(stderr, "uplift keys create: --scope must be ingest, lms, analyst or admin (got '%s')\n", a.scope.c_str());
    exit_code() = 2;
    return;
  }
  auto store = open_store(a.db);
  if (!store) return;
  auto made = http::create_key(*store, a.name, *scope, wall_clock_now());
  if (!made.ok()) {
    std::fprintf(stderr, "uplift keys create: %s\n", made.status().message().c_str());
    exit_code() = 2;
    return;
  }
  if (a.quiet) {
    std::printf("%s\n", made->secret.c_str());
  } else {
    std::printf("%s\n", made->secret.c_str());
    std::fprintf(stderr,
                 "created key %s (name %s, scope %s). It is shown only now; store it safely.\n"
                 "Use it as:  Authorization: Bearer <key>   (Segment clients: the key is the write key)\n",
                 made->key.id.c_str(), made->key.name.c_str(), std::string(http::scope_name(*scope)).c_str());
  }
  exit_code() = 0;
}

void list(const KeysArgs& a) {
  auto store = open_store(a.db);
  if (!store) return;
  auto keys = http::list_keys(*store);
  if (!keys.ok()) {
    std::fprintf(stderr, "uplift keys list: %s\n", keys.status().message().c_str());
    exit_code() = 2;
    return;
  }
  if (a.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& k : *keys) {
      nlohmann::json j = {{"id", k.id}, {"name", k.name}, {"scope", http::scope_name(k.scope)},
                          {"created_at", format_timestamp(k.created_at)}};
      if (k.revoked_at) j["revoked_at"] = format_timestamp(*k.revoked_at);
      arr.push_back(j);
    }
    std::printf("%s\n", arr.dump(2).c_str());
  } else {
    std::printf("%-14s %-24s %-7s %-22s %s\n", "ID", "NAME", "SCOPE", "CREATED", "REVOKED");
    for (const auto& k : *keys)
      std::printf("%-14s %-24s %-7s %-22s %s\n", k.id.c_str(), k.name.c_str(),
                  std::string(http::scope_name(k.scope)).c_str(), format_timestamp(k.created_at).c_str(),
                  k.revoked_at ? format_timestamp(*k.revoked_at).c_str() : "-");
  }
  exit_code() = 0;
}

void revoke(const KeysArgs& a) {
  auto store = open_store(a.db);
  if (!store) return;
  auto k = http::revoke_key(*store, a.target, wall_clock_now());
  if (!k.ok()) {
    std::fprintf(stderr, "uplift keys revoke: %s\n", k.status().message().c_str());
    exit_code() = k.status().code() == Code::kNotFound ? 1 : 2;
    return;
  }
  std::printf("revoked %s (%s)\n", k->id.c_str(), k->name.c_str());
  exit_code() = 0;
}

void setup(CLI::App& app) {
  auto* keys = app.add_subcommand("keys", "create, list and revoke API keys for `uplift serve`");
  keys->require_subcommand(1);
  auto args = std::make_shared<KeysArgs>();

  auto* c = keys->add_subcommand("create", "create a key and print it once");
  add_db_option(*c, args->db);
  c->add_option("--scope", args->scope, "ingest (write records), lms (learner-facing reads), analyst (every read), admin (everything)")->required();
  c->add_option("--name", args->name, "a name to recognise the key by (shown in logs)")->required();
  c->add_flag("--quiet,-q", args->quiet, "print only the key");
  c->callback([args] { create(*args); });

  auto* l = keys->add_subcommand("list", "list keys (ids, names, scopes; never the keys)");
  add_db_option(*l, args->db);
  l->add_flag("--json", args->json, "print JSON");
  l->callback([args] { list(*args); });

  auto* r = keys->add_subcommand("revoke", "revoke a key by name or id");
  add_db_option(*r, args->db);
  r->add_option("key", args->target, "key name or id (upl_XXXXXXXX)")->required();
  r->callback([args] { revoke(*args); });
}

}  // namespace

UPLIFT_COMMAND(keys, setup);

}  // namespace uplift::cli::cmd_keys
