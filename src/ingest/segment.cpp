#include "ingest/segment.h"

#include <iterator>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "core/fast_json.h"
#include "ingest/fast_event.h"

namespace uplift::ingest {
namespace {

using json = nlohmann::json;
using adapter_detail::at;
using adapter_detail::finish;
using adapter_detail::first_string;

struct Call {
  const json& msg;
  std::size_t index;
  const json* batch_sent_at;  // the enclosing batch's sentAt, if any
};

void error(AdapterResult& out, std::size_t index, std::string field, std::string reason) {
  out.errors.push_back(ItemError{index, std::move(field), std::move(reason)});
}

// The call's time as an RFC 3339 string for record_from_json, or empty when none is known.
std::optional<std::string> call_time(const Call& c, const SegmentOptions& opt, std::string& field) {
  for (const char* f : {"timestamp", "originalTimestamp", "sentAt"}) {
    if (const json* v = at(c.msg, f)) {
      field = f;
      if (!v->is_string()) return std::nullopt;
      return v->get<std::string>();
    }
  }
  if (c.batch_sent_at && c.batch_sent_at->is_string()) {
    field = "sentAt";
    return c.batch_sent_at->get<std::string>();
  }
  if (opt.received_at) {
    field = "receivedAt";
    return format_timestamp(*opt.received_at);
  }
  field = "timestamp";
  return std::string();
}

bool put_time(const Call& c, const SegmentOptions& opt, const char* canonical, json& out, AdapterResult& res,
              std::string& time_field, bool required) {
  auto t = call_time(c, opt, time_field);
  if (!t) {
    error(res, c.index, time_field, "expected an RFC 3339 string");
    return false;
  }
  if (t->empty()) {
    if (required) {
      error(res, c.index, "timestamp", "required field is missing (also no originalTimestamp or sentAt)");
      return false;
    }
    return true;
  }
  out[canonical] = *t;
  return true;
}

// Who the last record (if `before` records came before this call) is about: the Segment userId,
// as a learner id and as the alias "segment:<userId>" (a learner known under another uplift id).
void attach_actor(AdapterResult& out, std::size_t before, const std::string& user_id, bool queue_if_unknown) {
  if (out.records.size() <= before || user_id.empty() || !valid_alias("segment:" + user_id)) return;
  ActorRef who;
  who.source = "segment";
  who.learner_id = user_id;
  who.aliases = {"segment:" + user_id};
  who.display = user_id;
  who.queue_if_unknown = queue_if_unknown;
  out.actors.resize(out.records.size());
  out.actors.back() = std::move(who);
}

void track(const Call& c, const SegmentOptions& opt, AdapterResult& out) {
  json e = {{"kind", "event"}};
  if (const json* v = at(c.msg, "messageId")) e["id"] = *v;
  if (const json* v = at(c.msg, "event")) e["name"] = *v;
  std::string learner_field = "userId";
  std::string learner = first_string(c.msg, {"userId", "anonymousId"}, &learner_field);
  if (!learner.empty()) e["learner"] = learner;
  std::string account_field;
  std::string account = first_string(
      c.msg, {"context.groupId", "groupId", "properties.groupId", "context.traits.groupId"}, &account_field);
  if (account.empty()) {
    error(out, c.index, "context.groupId",
          "a track needs the account it belongs to: set context.groupId (or groupId, properties.groupId, "
          "context.traits.groupId)");
    return;
  }
  e["account"] = account;
  if (const json* p = at(c.msg, "properties")) e["props"] = *p;
  std::string time_field;
  if (!put_time(c, opt, "ts", e, out, time_field, true)) return;
  const std::size_t before = out.records.size();
  finish(e, c.index,
         {{"id", "messageId"}, {"name", "event"}, {"learner", learner_field}, {"account", account_field},
          {"props", "properties"}, {"ts", time_field}},
         out);
  if (learner_field == "userId") attach_actor(out, before, learner, /*queue_if_unknown=*/false);
}

void copy_traits(const json& traits, json& out, std::initializer_list<std::pair<const char*, const char*>> fields) {
  for (auto [from, to] : fields) {
    const json* v = at(traits, from);
    if (v) out[to] = *v;
  }
}

void identify(const Call& c, const SegmentOptions&, AdapterResult& out) {
  json l = {{"kind", "learner"}};
  const json* user = at(c.msg, "userId");
  if (!user) {
    error(out, c.index, "userId",
          at(c.msg, "anonymousId") ? "identify needs a userId (an anonymousId alone cannot become a learner)"
                                   : "required field is missing");
    return;
  }
  l["id"] = *user;
  std::string account_field;
  std::string account = first_string(
      c.msg, {"traits.groupId", "context.groupId", "traits.company.id", "context.traits.groupId"}, &account_field);
  if (account.empty()) {
    error(out, c.index, "traits.groupId",
          "a learner needs an account: set traits.groupId (or context.groupId, traits.company.id)");
    return;
  }
  l["account"] = account;
  if (const json* traits = at(c.msg, "traits"); traits && traits->is_object())
    copy_traits(*traits, l,
                {{"email", "email"}, {"role", "role"}, {"access_level", "access_level"}, {"audience", "audience"},
                 {"created_at", "created_at"}, {"createdAt", "created_at"}, {"departed_at", "departed_at"},
                 {"departedAt", "departed_at"}, {"aliases", "aliases"}});
  // The learner is known to uplift as "segment:<userId>" too; traits.aliases add the person's
  // ids in other systems. Both are added to the stored ones (resolve_actors), never replace them.
  const std::string user_id = user->is_string() ? user->get<std::string>() : std::string();
  if (!user_id.empty() && valid_alias("segment:" + user_id)) {
    json aliases = l.contains("aliases") && l["aliases"].is_array() ? l["aliases"] : json::array();
    aliases.push_back("segment:" + user_id);
    l["aliases"] = aliases;
  }
  const std::size_t before = out.records.size();
  finish(l, c.index,
         {{"id", "userId"}, {"account", account_field}, {"email", "traits.email"}, {"role", "traits.role"},
          {"access_level", "traits.access_level"}, {"audience", "traits.audience"},
          {"created_at", "traits.createdAt"}, {"departed_at", "traits.departedAt"}, {"aliases", "traits.aliases"}},
         out);
  attach_actor(out, before, user_id, /*queue_if_unknown=*/true);
}

void group(const Call& c, const SegmentOptions&, AdapterResult& out) {
  json a = {{"kind", "account"}};
  if (const json* v = at(c.msg, "groupId")) a["id"] = *v;
  if (const json* traits = at(c.msg, "traits"); traits && traits->is_object())
    copy_traits(*traits, a,
                {{"name", "name"}, {"plan", "plan"}, {"tier", "tier"}, {"arr", "arr"}, {"csm", "csm"},
                 {"renewal_date", "renewal_date"}, {"audience", "audience"}, {"created_at", "created_at"},
                 {"createdAt", "created_at"}, {"aliases", "aliases"}});
  const std::size_t before = out.records.size();
  finish(a, c.index,
         {{"id", "groupId"}, {"name", "traits.name"}, {"plan", "traits.plan"}, {"tier", "traits.tier"},
          {"arr", "traits.arr"}, {"csm", "traits.csm"}, {"renewal_date", "traits.renewal_date"},
          {"audience", "traits.audience"}, {"created_at", "traits.createdAt"}, {"aliases", "traits.aliases"}},
         out);
  // traits.aliases ("salesforce:…", "domain:acme.com") are added to the account's stored ones.
  if (out.records.size() > before && a.contains("aliases")) {
    ActorRef marker;
    marker.source = "segment";
    marker.aliases = a["aliases"].is_array() ? a["aliases"].get<std::vector<std::string>>() : std::vector<std::string>{};
    marker.queue_if_unknown = false;
    out.actors.resize(out.records.size());
    out.actors.back() = std::move(marker);
  }
}

void one_call(const Call& c, std::string_view type, const SegmentOptions& opt, AdapterResult& out) {
  if (!c.msg.is_object()) {
    error(out, c.index, "", "expected a JSON object, got " + std::string(c.msg.type_name()));
    return;
  }
  std::string t(type);
  if (t.empty()) {
    const json* v = at(c.msg, "type");
    if (!v || !v->is_string()) {
      error(out, c.index, "type", "required field is missing (want track, identify or group)");
      return;
    }
    t = v->get<std::string>();
  }
  if (t == "track") track(c, opt, out);
  else if (t == "identify") identify(c, opt, out);
  else if (t == "group") group(c, opt, out);
  else error(out, c.index, "type", fmt::format("unsupported call type \"{}\" (supported: track, identify, group)", t));
}

// ---- the fast path for batches of plain tracks (segment_batch_from_text) ----

namespace fj = fast_json;

// A string that can be written back into JSON text as it is: no quote, backslash or control
// character (the fast path declines anything else; the full route then decides).
std::string_view plain(fj::dom::element v) {
  std::string_view s;
  fj::check(v.get_string().get(s));
  for (unsigned char c : s)
    if (c == '"' || c == '\\' || c < 0x20) throw fj::Decline{};
  return s;
}

// A track as the fast path takes it: strings where the full route reads strings, each member
// once, nothing null. Returns false (nothing added) for anything else.
// `line` is scratch space for the canonical line (kept by the caller, so its buffer is reused).
bool fast_track(fj::dom::element msg, std::size_t index, std::optional<std::string_view> batch_sent_at,
                const SegmentOptions& opt, Event& event, std::string& line, AdapterResult& out) {
  try {
    std::optional<std::string_view> type, id, name, user, account, timestamp, original, sent_at;
    std::optional<fj::dom::element> properties;
    fj::Seen seen;
    bool other_account_source = false;
    fj::members(msg, [&](std::string_view key, fj::dom::element v) {
      if (key == "type") seen.once(1), type = plain(v);
      else if (key == "messageId") seen.once(2), id = plain(v);
      else if (key == "event") seen.once(4), name = plain(v);
      else if (key == "userId") seen.once(8), user = plain(v);
      else if (key == "anonymousId") seen.once(16);
      else if (key == "groupId") seen.once(32), other_account_source = true;
      else if (key == "properties") seen.once(64), properties = v.is_null() ? std::nullopt : std::optional(v);
      else if (key == "timestamp") seen.once(128), timestamp = plain(v);
      else if (key == "originalTimestamp") seen.once(256), original = plain(v);
      else if (key == "sentAt") seen.once(512), sent_at = plain(v);
      else if (key == "context") {
        seen.once(1024);
        if (v.is_null()) return;  // as if absent, as the full route reads it
        fj::Seen in_context;
        fj::members(v, [&](std::string_view k, fj::dom::element c) {
          if (k == "groupId") in_context.once(1), account = plain(c);
          else if (k == "traits") in_context.once(2);
        });
      }
    });
    if (type != "track" || !id || !name || !user || user->empty() || !account || account->empty()) return false;
    (void)other_account_source;  // context.groupId comes first: the others are never read
    if (properties && !properties->is_object()) return false;
    std::string received;
    std::string_view ts;
    if (timestamp) ts = *timestamp;
    else if (original) ts = *original;
    else if (sent_at) ts = *sent_at;
    else if (batch_sent_at) ts = *batch_sent_at;
    else if (opt.received_at) ts = received = format_timestamp(*opt.received_at);
    else return false;
    line.clear();
    fmt::format_to(std::back_inserter(line),
                   FMT_COMPILE(R"({{"kind":"event","id":"{}","name":"{}","learner":"{}","account":"{}","ts":"{}")"), *id,
                   *name, *user, *account, ts);
    if (properties) {
      line += R"(,"props":)";
      line += simdjson::minify(*properties);
    }
    line += '}';
    if (!fast_event_line(line, std::nullopt, event)) return false;
    const std::size_t before = out.records.size();
    out.records.emplace_back(std::move(event));
    out.record_items.push_back(index);
    out.upserts.emplace_back(std::nullopt);
    attach_actor(out, before, std::string(*user), /*queue_if_unknown=*/false);
    return true;
  } catch (const fj::Decline&) {
    return false;
  } catch (const simdjson::simdjson_error&) {
    return false;
  }
}

}  // namespace

std::optional<AdapterResult> segment_batch_from_text(std::string_view body, const SegmentOptions& options,
                                                     std::size_t* fast_items) {
  try {
    fj::dom::element doc = fj::parse(body);
    std::optional<fj::dom::array> items;
    std::optional<fj::dom::element> sent_at;
    fj::Seen seen;
    fj::members(doc, [&](std::string_view key, fj::dom::element v) {
      if (key == "batch") {
        seen.once(1);
        fj::dom::array a;
        fj::check(v.get_array().get(a));
        items = a;
      } else if (key == "sentAt") {
        seen.once(2);
        sent_at = v;
      }
    });
    if (!items || items->begin() == items->end()) return std::nullopt;
    std::optional<std::string_view> batch_sent_at;
    std::optional<nlohmann::json> sent_at_json;  // for the items the full route maps
    if (sent_at && !sent_at->is_null()) {
      sent_at_json = nlohmann::json::parse(simdjson::minify(*sent_at));
      if (sent_at->is_string()) batch_sent_at = plain(*sent_at);
    }
    AdapterResult out;
    std::size_t index = 0, fast = 0;
    Event event;
    std::string line;
    for (fj::dom::element msg : *items) {
      if (!fast_track(msg, index, batch_sent_at, options, event, line, out)) {
        const nlohmann::json one = nlohmann::json::parse(simdjson::minify(msg));
        one_call(Call{one, index, sent_at_json ? &*sent_at_json : nullptr}, {}, options, out);
      } else {
        ++fast;
      }
      ++index;
    }
    out.items = index;  // counted: simdjson's array size() saturates at 2^24 - 1
    if (!out.actors.empty()) out.actors.resize(out.records.size());
    if (fast_items) *fast_items += fast;
    return out;
  } catch (const fj::Decline&) {
    return std::nullopt;
  } catch (const simdjson::simdjson_error&) {
    return std::nullopt;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

AdapterResult segment_to_records(const json& payload, std::string_view type, const SegmentOptions& options) {
  AdapterResult out;
  bool is_batch = type == "batch" || (type.empty() && payload.is_object() && payload.contains("batch"));
  if (!is_batch) {
    out.items = 1;
    one_call(Call{payload, 0, nullptr}, type, options, out);
    return out;
  }
  const json* items = payload.is_object() ? at(payload, "batch") : nullptr;
  if (!items || !items->is_array()) {
    error(out, 0, "batch", items ? "expected an array, got " + std::string(items->type_name())
                                 : "required field is missing");
    return out;
  }
  const json* sent_at = at(payload, "sentAt");
  out.items = items->size();
  for (std::size_t i = 0; i < items->size(); ++i) one_call(Call{(*items)[i], i, sent_at}, {}, options, out);
  if (!out.actors.empty()) out.actors.resize(out.records.size());  // one slot per record
  return out;
}

}  // namespace uplift::ingest
