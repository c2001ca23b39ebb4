#include "triggers/destination.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace uplift::triggers {
namespace {

using nlohmann::json;

struct DestCtx {
  const std::string& source;
  std::string name;
  std::vector<std::string>& problems;
  bool ok = true;
  void bad(std::string_view field, std::string_view why) {
    problems.push_back(fmt::format("{}: destination \"{}\": {}: {}", source, name, field, why));
    ok = false;
  }
};

// A string field, with "env:NAME" resolved.
std::optional<std::string> text(const json& o, const char* key, DestCtx& c, const EnvLookup& env, bool required) {
  if (!o.contains(key)) {
    if (required) c.bad(key, "required");
    return std::nullopt;
  }
  if (!o[key].is_string() || o[key].get<std::string>().empty()) {
    c.bad(key, fmt::format("must be a non-empty string, got {}", o[key].dump()));
    return std::nullopt;
  }
  std::string v = o[key].get<std::string>();
  if (v.rfind("env:", 0) == 0) {
    std::string var = v.substr(4);
    auto got = env ? env(var) : std::nullopt;
    if (!got || got->empty()) {
      c.bad(key, fmt::format("environment variable {} is not set", var));
      return std::nullopt;
    }
    return got;
  }
  return v;
}

void number(const json& o, const char* key, DestCtx& c, double lo, double hi, double& out) {
  if (!o.contains(key)) return;
  const json& v = o[key];
  if (!v.is_number() || v.get<double>() < lo || v.get<double>() > hi) {
    c.bad(key, fmt::format("must be a number from {} to {}, got {}", lo, hi, v.dump()));
    return;
  }
  out = v.get<double>();
}

bool base64_chars(std::string_view s) {
  return !s.empty() && s.size() % 4 == 0 && std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '+' ||
           ch == '/' || ch == '=';
  });
}

std::optional<Destination> destination(const json& j, std::size_t i, const std::string& source, const EnvLookup& env,
                                       std::vector<std::string>& problems) {
  DestCtx c{source, fmt::format("#{}", i + 1), problems};
  if (!j.is_object()) {
    c.bad("", "must be an object");
    return std::nullopt;
  }
  Destination d;
  d.source = source;
  if (j.contains("name") && j["name"].is_string()) c.name = j["name"].get<std::string>();
  static const std::set<std::string> known = {"name", "type", "url", "secret", "max_in_flight", "per_second",
                                              "timeout_seconds", "retry_initial_seconds", "retry_max_seconds",
                                              "give_up_after_seconds", "description"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.count(it.key()))
      c.bad(it.key(), "unknown key (known: name, type, url, secret, max_in_flight, per_second, timeout_seconds, "
                      "retry_initial_seconds, retry_max_seconds, give_up_after_seconds, description)");
  const std::string& n = c.name;
  if (!j.contains("name") || n.empty() || n.size() > 64 ||
      !std::all_of(n.begin(), n.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.'; }))
    c.bad("name", "required: letters, digits, '_', '-' or '.' (at most 64)");
  d.name = n;
  if (auto kind = parse_destination_kind(j.value("type", ""))) d.kind = *kind;
  else c.bad("type", fmt::format("must be slack or webhook, got {}", j.contains("type") ? j["type"].dump() : "nothing"));
  if (auto url = text(j, "url", c, env, true)) {
    if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0)
      c.bad("url", "must start with http:// or https://");
    d.url = *url;
  }
  if (auto secret = text(j, "secret", c, env, d.kind == Destination::Kind::kWebhook)) {
    if (d.kind == Destination::Kind::kSlack) {
      c.bad("secret", "a Slack incoming webhook takes no secret (its URL is the secret)");
    } else if (secret->rfind("whsec_", 0) != 0 || !base64_chars(secret->substr(6)) ||
               secret->size() - 6 < 32 || secret->size() - 6 > 88) {
      c.bad("secret", "must be \"whsec_\" and the base64 of 24 to 64 random bytes (Standard Webhooks), e.g. from "
                      "`openssl rand -base64 32`");
    } else {
      d.secret = *secret;
    }
  }
  if (j.contains("max_in_flight")) {
    const json& v = j["max_in_flight"];
    if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 64)
      c.bad("max_in_flight", fmt::format("must be a whole number from 1 to 64, got {}", v.dump()));
    else d.max_in_flight = static_cast<int>(v.get<long long>());
  }
  if (d.kind == Destination::Kind::kSlack) d.per_second = 1;  // Slack: about one message per second per webhook
  number(j, "per_second", c, 0.01, 10000, d.per_second);
  number(j, "timeout_seconds", c, 0.1, 120, d.timeout_seconds);
  number(j, "retry_initial_seconds", c, 0.05, 86400, d.retry_initial_seconds);
  number(j, "retry_max_seconds", c, 0.05, 86400, d.retry_max_seconds);
  number(j, "give_up_after_seconds", c, 1, 30 * 86400, d.give_up_after_seconds);
  if (d.retry_max_seconds < d.retry_initial_seconds) c.bad("retry_max_seconds", "must be at least retry_initial_seconds");
  if (!c.ok) return std::nullopt;
  return d;
}

std::optional<std::vector<std::string>> names(const json& v, const std::string& where, std::vector<std::string>& problems) {
  if (!v.is_array() || v.empty() || !std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_string(); })) {
    problems.push_back(fmt::format("{}: must be a non-empty list of destination names, got {}", where, v.dump()));
    return std::nullopt;
  }
  return v.get<std::vector<std::string>>();
}

}  // namespace

const std::vector<std::string>& Routing::for_csm(std::string_view csm) const {
  auto it = by_csm.find(csm);
  return it == by_csm.end() ? by_default : it->second;
}

const Destination* DestinationSet::find(std::string_view name) const {
  for (const auto& d : destinations)
    if (d.name == name) return &d;
  return nullptr;
}

void parse_destinations(const json& doc, const std::string& source, const EnvLookup& env, DestinationSet& out,
                        std::vector<std::string>& problems) {
  if (doc.contains("destinations")) {
    const json& list = doc["destinations"];
    if (!list.is_array()) {
      problems.push_back(source + ": destinations: must be a list");
    } else {
      for (std::size_t i = 0; i < list.size(); ++i) {
        auto d = destination(list[i], i, source, env, problems);
        if (!d) continue;
        if (const Destination* prev = out.find(d->name)) {
          problems.push_back(fmt::format("{}: destination \"{}\": name: defined already in {}", source, d->name, prev->source));
          continue;
        }
        out.destinations.push_back(std::move(*d));
      }
    }
  }
  if (doc.contains("routing")) {
    const json& r = doc["routing"];
    if (out.routing_given) {
      problems.push_back(source + ": routing: given in another file already (one routing for all destinations)");
      return;
    }
    out.routing_given = true;
    if (!r.is_object()) {
      problems.push_back(source + ": routing: must be an object {\"default\": [...], \"by_csm\": {...}}");
      return;
    }
    for (auto it = r.begin(); it != r.end(); ++it)
      if (it.key() != "default" && it.key() != "by_csm")
        problems.push_back(fmt::format("{}: routing.{}: unknown key (default, by_csm)", source, it.key()));
    if (r.contains("default"))
      if (auto n = names(r["default"], source + ": routing.default", problems)) out.routing.by_default = *n;
    if (r.contains("by_csm")) {
      if (!r["by_csm"].is_object()) {
        problems.push_back(source + ": routing.by_csm: must be an object of CSM → destination names");
      } else {
        for (auto it = r["by_csm"].begin(); it != r["by_csm"].end(); ++it)
          if (auto n = names(it.value(), fmt::format("{}: routing.by_csm.{}", source, it.key()), problems))
            out.routing.by_csm[it.key()] = *n;
      }
    }
  }
}

void finish_destinations(DestinationSet& set, std::vector<std::string>& problems) {
  if (!set.routing_given)
    for (const auto& d : set.destinations) set.routing.by_default.push_back(d.name);
  auto check = [&](const std::vector<std::string>& list, const std::string& where) {
    for (const auto& n : list)
      if (!set.find(n)) problems.push_back(fmt::format("{}: no destination named \"{}\"", where, n));
  };
  check(set.routing.by_default, "routing.default");
  for (const auto& [csm, list] : set.routing.by_csm) check(list, "routing.by_csm." + csm);
}

std::string_view destination_kind_name(Destination::Kind k) {
  switch (k) {
    case Destination::Kind::kSlack: return "slack";
    case Destination::Kind::kWebhook: return "webhook";
  }
  return "?";
}

std::optional<Destination::Kind> parse_destination_kind(std::string_view name) {
  for (auto k : {Destination::Kind::kSlack, Destination::Kind::kWebhook})
    if (destination_kind_name(k) == name) return k;
  return std::nullopt;
}

nlohmann::json destination_to_json(const Destination& d) {
  // The URL of a Slack incoming webhook is its secret: show only its scheme and host.
  std::string shown = d.url;
  if (d.kind == Destination::Kind::kSlack) {
    auto host_end = d.url.find('/', d.url.find("://") + 3);
    shown = d.url.substr(0, host_end) + "/…";
  }
  return {{"name", d.name},           {"type", destination_kind_name(d.kind)},
          {"url", shown},             {"max_in_flight", d.max_in_flight},
          {"per_second", d.per_second}, {"timeout_seconds", d.timeout_seconds},
          {"retry_initial_seconds", d.retry_initial_seconds}, {"retry_max_seconds", d.retry_max_seconds},
          {"give_up_after_seconds", d.give_up_after_seconds}, {"source", d.source}};
}

}  // namespace uplift::triggers
