#include "ingest/segment.h"

#include <fmt/format.h>

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

}  // namespace

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
