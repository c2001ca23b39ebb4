#include "ingest/mapped_webhook.h"

#include <cmath>
#include <set>

#include <fmt/format.h>

namespace uplift::ingest {

using json = nlohmann::json;
using adapter_detail::at;
using adapter_detail::Bad;

namespace {

const std::set<std::string_view> kStatuses = {"started", "completed", "passed", "failed"};

bool valid_path(const std::string& p) {
  if (p.empty() || p.size() > 200 || p.front() == '.' || p.back() == '.' || p.find("..") != std::string::npos) return false;
  for (char c : p)
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) return false;
  return true;
}

// A value at a path as text: strings as they are, integers in decimal, booleans as true/false; ""
// when absent or another type.
std::string text_at(const json& body, const std::string& path) {
  if (path.empty()) return {};
  const json* v = at(body, path);
  if (!v) return {};
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number_integer()) return std::to_string(v->get<long long>());
  if (v->is_number_unsigned()) return std::to_string(v->get<unsigned long long>());
  if (v->is_boolean()) return v->get<bool>() ? "true" : "false";  // a status mapped from "success": true
  return {};
}

// RFC 3339 text as is (the record validator checks it); a number as epoch milliseconds, or
// seconds when it is too small to be milliseconds of this century.
json time_at(const json& body, const std::string& path) {
  const json* v = at(body, path);
  if (!v) throw Bad{path, "required (the event's time) but absent"};
  if (v->is_string()) return *v;
  if (v->is_number()) {
    double n = v->get<double>();
    if (!std::isfinite(n) || n < 0 || n > 1e15) throw Bad{path, "not a time"};
    auto ms = static_cast<Timestamp>(n < 1e11 ? n * 1000 : n);
    return format_timestamp(ms);
  }
  throw Bad{path, "expected an RFC 3339 time or epoch milliseconds, got " + std::string(v->type_name())};
}

std::string required_text(const json& body, const std::string& path, const char* what) {
  std::string s = text_at(body, path);
  if (s.empty()) throw Bad{path, fmt::format("required ({}) but absent or not a string", what)};
  return s;
}

}  // namespace

void parse_webhook_mapping(const json& source, const std::string& where, const std::string& default_alias,
                           WebhookMapping& out, std::vector<std::string>& problems) {
  auto bad = [&](const std::string& path, const std::string& why) { problems.push_back(fmt::format("{}: {}: {}", where, path, why)); };
  out.alias = default_alias;
  if (auto it = source.find("event_type"); it != source.end()) {
    if (!it->is_string() || !valid_path(it->get<std::string>())) bad("event_type", "expected a dotted path (\"type\")");
    else out.event_type = it->get<std::string>();
  }
  if (auto it = source.find("alias"); it != source.end()) {
    std::string a = it->is_string() ? it->get<std::string>() : "";
    if (!valid_alias(a + ":x")) bad("alias", "expected a-z, 0-9, '-' or '_' (at most 32): the learner alias prefix");
    else out.alias = a;
  }
  auto events = source.find("events");
  if (events == source.end() || !events->is_object() || events->empty()) {
    bad("events", "required: an object from event type to its mapping");
    return;
  }
  for (const auto& item : events->items()) {  // (not a structured binding: lambdas below capture m)
    const std::string type = item.key();
    const json& m = item.value();
    const std::string here = "events." + type;
    if (!m.is_object()) {
      bad(here, "expected an object");
      continue;
    }
    EventMapping e;
    auto path_of = [&](const char* field, bool required) -> std::string {
      auto it = m.find(field);
      if (it == m.end()) {
        if (required) bad(here + "." + field, "required: a dotted path into the body");
        return {};
      }
      if (!it->is_string() || !valid_path(it->get<std::string>())) {
        bad(here + "." + field, "expected a dotted path into the body (\"data.userId\")");
        return {};
      }
      return it->get<std::string>();
    };
    e.record = m.value("record", "");
    std::set<std::string> known = {"record", "person", "email"};
    if (e.record == "completion") {
      known.insert({"content", "ts", "status", "score"});
      e.person = path_of("person", true);
      e.email = path_of("email", false);
      e.content = path_of("content", true);
      e.ts = path_of("ts", true);
      e.score = path_of("score", false);
      if (auto st = m.find("status"); st != m.end()) {
        if (st->is_string()) {
          if (!kStatuses.count(st->get<std::string>())) bad(here + ".status", "expected started, completed, passed or failed");
          else e.status = st->get<std::string>();
        } else if (st->is_object() && st->contains("field") && (*st)["field"].is_string() && st->contains("values") &&
                   (*st)["values"].is_object()) {
          e.status_field = (*st)["field"].get<std::string>();
          if (!valid_path(e.status_field)) bad(here + ".status.field", "expected a dotted path");
          for (const auto& [from, to] : (*st)["values"].items()) {
            if (!to.is_string() || !kStatuses.count(to.get<std::string>()))
              bad(here + ".status.values." + from, "expected started, completed, passed or failed");
            else e.status_values[from] = to.get<std::string>();
          }
          if (e.status_values.empty()) bad(here + ".status.values", "map at least one value to a status");
        } else {
          bad(here + ".status", "expected a status, or {\"field\": PATH, \"values\": {VALUE: STATUS}}");
        }
      }
    } else if (e.record == "event") {
      known.insert({"name", "ts", "props"});
      e.person = path_of("person", true);
      e.email = path_of("email", false);
      e.ts = path_of("ts", true);
      auto n = m.find("name");
      if (n == m.end() || !n->is_string() || n->get<std::string>().empty() || n->get<std::string>().size() > 128)
        bad(here + ".name", "required: the event name (a constant, at most 128 characters)");
      else e.name = n->get<std::string>();
      if (auto p = m.find("props"); p != m.end()) {
        if (!p->is_object()) bad(here + ".props", "expected an object from prop name to path");
        else
          for (const auto& [k, v] : p->items()) {
            if (!v.is_string() || !valid_path(v.get<std::string>())) bad(here + ".props." + k, "expected a dotted path");
            else e.props[k] = v.get<std::string>();
          }
      }
    } else if (e.record == "alias") {
      e.person = path_of("person", true);
      e.email = path_of("email", true);
    } else {
      bad(here + ".record", "expected completion, event or alias");
      continue;
    }
    for (const auto& [k, _] : m.items())
      if (!known.count(k)) bad(here + "." + k, fmt::format("unknown key for a {} mapping", e.record));
    out.events[type] = std::move(e);
  }
}

AdapterResult map_webhook(const json& body, const WebhookMapping& mapping, const std::string& source,
                          std::string_view message_id) {
  AdapterResult out;
  out.items = 1;
  if (!body.is_object()) {
    out.errors.push_back({0, "", "expected a JSON object, got " + std::string(body.type_name())});
    return out;
  }
  const std::string type = text_at(body, mapping.event_type);
  auto it = mapping.events.find(type);
  if (it == mapping.events.end()) {
    ++out.ignored;
    out.ignored_reasons.push_back(type.empty() ? fmt::format("no event type at {}", mapping.event_type)
                                               : fmt::format("{} is not mapped", type.substr(0, 64)));
    return out;
  }
  const EventMapping& e = it->second;
  try {
    const std::string person = required_text(body, e.person, "the person's id");
    ActorRef who;
    who.source = source;
    who.aliases.push_back(mapping.alias + ":" + person);
    std::string email = text_at(body, e.email);
    if (!email.empty()) who.aliases.push_back(email_alias(email));
    who.display = email.empty() ? person : email;
    for (const auto& a : who.aliases)
      if (!valid_alias(a)) throw Bad{a.rfind("email:", 0) == 0 ? e.email : e.person, "not usable as an id (control characters, or over 320 characters)"};
    const std::size_t before = out.records.size();
    if (e.record == "alias") {
      if (email.empty()) throw Bad{e.email, "required (the person's email) but absent or not a string"};
      json l = {{"kind", "learner"}, {"id", kAliasOnlyLearner}, {"account", kAliasOnlyLearner},
                {"aliases", {who.aliases.front()}}};
      who.aliases.erase(who.aliases.begin());  // found by the email; taught the id
      adapter_detail::finish(l, 0, {{"aliases", e.person.c_str()}}, out);
    } else if (e.record == "completion") {
      std::string status = e.status;
      if (!e.status_field.empty()) {
        const std::string value = text_at(body, e.status_field);
        auto s = e.status_values.find(value);
        if (s == e.status_values.end()) {
          ++out.ignored;
          out.ignored_reasons.push_back(fmt::format("{} with {} {} is not mapped", type.substr(0, 64), e.status_field, value.substr(0, 32)));
          return out;
        }
        status = s->second;
      }
      json c = {{"kind", "completion"}, {"id", mapping.alias + ":" + std::string(message_id)}, {"learner", "?"},
                {"content", required_text(body, e.content, "the content id")}, {"ts", time_at(body, e.ts)}, {"status", status}};
      if (message_id.empty()) c.erase("id");
      if (!e.score.empty())
        if (const json* s = at(body, e.score); s && s->is_number()) c["score"] = *s;
      adapter_detail::finish(c, 0, {{"content", e.content}, {"ts", e.ts}, {"score", e.score}, {"id", "webhook-id"}}, out);
    } else {
      json props = json::object();
      for (const auto& [k, path] : e.props)
        if (const json* v = at(body, path)) props[k] = *v;
      json ev = {{"kind", "event"}, {"id", mapping.alias + ":" + std::string(message_id)}, {"account", "?"}, {"learner", "?"},
                 {"name", e.name}, {"ts", time_at(body, e.ts)}, {"props", props}};
      if (message_id.empty()) throw Bad{"webhook-id", "required: an event's id is the delivery's message id"};
      adapter_detail::finish(ev, 0, {{"ts", e.ts}, {"id", "webhook-id"}}, out);
      if (out.records.size() > before) std::get<Event>(out.records.back()).account.clear();  // the learner's, once known
    }
    if (out.records.size() > before) {
      out.actors.resize(out.records.size());
      out.actors.back() = std::move(who);
    }
  } catch (const Bad& b) {
    out.errors.push_back({0, b.field, b.reason});
  }
  return out;
}

}  // namespace uplift::ingest
