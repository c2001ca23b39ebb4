#include "ingest/xapi.h"

#include <algorithm>
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "ingest/utf8.h"

namespace uplift::ingest {
namespace {

using json = nlohmann::json;
using adapter_detail::at;
using adapter_detail::finish;
using adapter_detail::Bad;

std::string last_segment(std::string iri) {
  auto cut = iri.find_first_of("?#");
  if (cut != std::string::npos) iri.resize(cut);
  while (!iri.empty() && iri.back() == '/') iri.pop_back();
  auto slash = iri.rfind('/');
  return slash == std::string::npos ? iri : iri.substr(slash + 1);
}

// At most `n` bytes of `s`, never ending inside a UTF-8 sequence.
std::string prefix_utf8(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string join(const std::string& path, const char* field) { return path.empty() ? field : path + "." + field; }

// ---- validation (xAPI 1.0.3 Part Two §2.4) --------------------------------------------------

// An IRI as xAPI uses them: a scheme, then something. (The specification's full IRI grammar is
// not checked; "courses/intro" without a scheme is the usual mistake.)
bool is_iri(const json& v) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  auto colon = s.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) return false;
  if (!std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (std::size_t i = 0; i < colon; ++i)
    if (!std::isalnum(static_cast<unsigned char>(s[i])) && s[i] != '+' && s[i] != '-' && s[i] != '.') return false;
  return std::none_of(s.begin(), s.end(), [](unsigned char c) { return c <= 0x20; });
}

void require_object(const json& v, const std::string& path) {
  if (!v.is_object()) throw Bad{path, "expected an object, got " + std::string(v.type_name())};
}

void only_known(const json& obj, const std::string& path, std::initializer_list<std::string_view> known) {
  for (const auto& [k, _] : obj.items())
    if (std::find(known.begin(), known.end(), k) == known.end())
      throw Bad{join(path, k.c_str()), "is not a property xAPI defines here"};
}

void language_map(const json& obj, const std::string& path, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end()) return;
  if (!it->is_object()) throw Bad{join(path, field), "expected a language map (an object of strings)"};
  for (const auto& [lang, text] : it->items())
    if (!text.is_string()) throw Bad{join(join(path, field), lang.c_str()), "expected a string"};
}

void agent_or_group(const json& a, const std::string& path, bool allow_group = true);

// Exactly one of mbox, mbox_sha1sum, openid, account (Agents); at most one (Groups).
int identifiers(const json& a, const std::string& path) {
  int n = 0;
  if (auto it = a.find("mbox"); it != a.end()) {
    ++n;
    const std::string s = it->is_string() ? it->get<std::string>() : "";
    if (s.rfind("mailto:", 0) != 0 || s.find('@') == std::string::npos || s.size() < 10)
      throw Bad{join(path, "mbox"), "expected \"mailto:\" and an email address"};
  }
  if (auto it = a.find("mbox_sha1sum"); it != a.end()) {
    ++n;
    const std::string s = it->is_string() ? it->get<std::string>() : "";
    if (s.size() != 40 || !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); }))
      throw Bad{join(path, "mbox_sha1sum"), "expected 40 hexadecimal digits"};
  }
  if (auto it = a.find("openid"); it != a.end()) {
    ++n;
    if (!is_iri(*it)) throw Bad{join(path, "openid"), "expected a URI"};
  }
  if (auto it = a.find("account"); it != a.end()) {
    ++n;
    const std::string p = join(path, "account");
    require_object(*it, p);
    only_known(*it, p, {"homePage", "name"});
    if (!is_iri(it->value("homePage", json()))) throw Bad{join(p, "homePage"), "required, an IRL (\"https://lms.example.com\")"};
    const json* name = at(*it, "name");
    if (!name || !name->is_string() || name->get_ref<const std::string&>().empty())
      throw Bad{join(p, "name"), "required, a non-empty string"};
  }
  return n;
}

void agent_or_group(const json& a, const std::string& path, bool allow_group) {
  require_object(a, path);
  std::string type = "Agent";
  if (auto it = a.find("objectType"); it != a.end()) {
    if (!it->is_string() || (*it != "Agent" && *it != "Group"))
      throw Bad{join(path, "objectType"), "expected \"Agent\" or \"Group\""};
    type = it->get<std::string>();
  }
  if (auto it = a.find("name"); it != a.end() && !it->is_string()) throw Bad{join(path, "name"), "expected a string"};
  const int n = identifiers(a, path);
  if (type == "Agent") {
    only_known(a, path, {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"});
    if (n != 1)
      throw Bad{path, n == 0 ? "an Agent needs one identifier: mbox, mbox_sha1sum, openid or account"
                             : "an Agent has exactly one identifier (mbox, mbox_sha1sum, openid or account), this has several"};
    return;
  }
  if (!allow_group) throw Bad{join(path, "objectType"), "a Group is not allowed here"};
  only_known(a, path, {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", "member"});
  if (n > 1) throw Bad{path, "a Group has at most one identifier"};
  auto m = a.find("member");
  if (n == 0 && (m == a.end() || !m->is_array() || m->empty()))
    throw Bad{join(path, "member"), "an anonymous Group (no identifier) needs a non-empty member array"};
  if (m != a.end()) {
    if (!m->is_array()) throw Bad{join(path, "member"), "expected an array of Agents"};
    for (std::size_t i = 0; i < m->size(); ++i)
      agent_or_group((*m)[i], fmt::format("{}.member[{}]", path, i), false);
  }
}

void verb(const json& st) {
  auto it = st.find("verb");
  if (it == st.end()) throw Bad{"verb", "required property is missing"};
  require_object(*it, "verb");
  only_known(*it, "verb", {"id", "display"});
  if (!is_iri(it->value("id", json()))) throw Bad{"verb.id", "required, an IRI (\"http://adlnet.gov/expapi/verbs/completed\")"};
  language_map(*it, "verb", "display");
}

void statement_object(const json& o, const std::string& path, bool sub);

void activity(const json& o, const std::string& path) {
  only_known(o, path, {"objectType", "id", "definition"});
  if (!is_iri(o.value("id", json()))) throw Bad{join(path, "id"), "required, an IRI identifying the activity"};
  if (auto d = o.find("definition"); d != o.end()) {
    const std::string p = join(path, "definition");
    require_object(*d, p);
    language_map(*d, p, "name");
    language_map(*d, p, "description");
    if (auto t = d->find("type"); t != d->end() && !is_iri(*t)) throw Bad{join(p, "type"), "expected an IRI"};
    if (auto e = d->find("extensions"); e != d->end()) require_object(*e, join(p, "extensions"));
  }
}

void statement_object(const json& o, const std::string& path, bool sub) {
  require_object(o, path);
  std::string type = "Activity";
  if (auto t = o.find("objectType"); t != o.end()) {
    if (!t->is_string()) throw Bad{join(path, "objectType"), "expected a string"};
    type = t->get<std::string>();
  }
  if (type == "Activity") return activity(o, path);
  if (type == "Agent" || type == "Group") return agent_or_group(o, path);
  if (type == "StatementRef") {
    only_known(o, path, {"objectType", "id"});
    if (!o.contains("id") || !o["id"].is_string() || !is_uuid(o["id"].get_ref<const std::string&>()))
      throw Bad{join(path, "id"), "a StatementRef needs the UUID of the statement it refers to"};
    return;
  }
  if (type == "SubStatement" && !sub) {
    for (const char* f : {"id", "stored", "version", "authority"})
      if (o.contains(f)) throw Bad{join(path, f), "a SubStatement does not have this property"};
    for (const char* f : {"actor", "verb", "object"})
      if (!o.contains(f)) throw Bad{join(path, f), "required property of a SubStatement is missing"};
    agent_or_group(o["actor"], join(path, "actor"));
    if (!is_iri(o["verb"].is_object() ? o["verb"].value("id", json()) : json()))
      throw Bad{join(path, "verb.id"), "required, an IRI"};
    statement_object(o["object"], join(path, "object"), true);
    return;
  }
  throw Bad{join(path, "objectType"), sub && type == "SubStatement" ? "a SubStatement cannot hold another"
                                                                       : "expected Activity, Agent, Group, StatementRef or SubStatement"};
}

void result(const json& st) {
  auto it = st.find("result");
  if (it == st.end()) return;
  require_object(*it, "result");
  only_known(*it, "result", {"score", "success", "completion", "response", "duration", "extensions"});
  for (const char* f : {"success", "completion"})
    if (auto b = it->find(f); b != it->end() && !b->is_boolean()) throw Bad{join("result", f), "expected true or false"};
  for (const char* f : {"response", "duration"})
    if (auto b = it->find(f); b != it->end() && !b->is_string()) throw Bad{join("result", f), "expected a string"};
  auto s = it->find("score");
  if (s == it->end()) return;
  require_object(*s, "result.score");
  only_known(*s, "result.score", {"scaled", "raw", "min", "max"});
  std::optional<double> v[4];
  const char* names[4] = {"scaled", "raw", "min", "max"};
  for (int i = 0; i < 4; ++i)
    if (auto f = s->find(names[i]); f != s->end()) {
      if (!f->is_number()) throw Bad{std::string("result.score.") + names[i], "expected a number"};
      v[i] = f->get<double>();
    }
  if (v[0] && (*v[0] < -1 || *v[0] > 1)) throw Bad{"result.score.scaled", "must be between -1 and 1"};
  if (v[2] && v[3] && *v[2] >= *v[3]) throw Bad{"result.score.min", "must be less than max"};
  if (v[1] && v[2] && *v[1] < *v[2]) throw Bad{"result.score.raw", "is below min"};
  if (v[1] && v[3] && *v[1] > *v[3]) throw Bad{"result.score.raw", "is above max"};
}

void validate(const json& st) {
  if (!st.is_object()) throw Bad{"", "expected a statement object, got " + std::string(st.type_name())};
  only_known(st, "", {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
                      "version", "attachments"});
  if (auto id = st.find("id"); id != st.end() && (!id->is_string() || !is_uuid(id->get_ref<const std::string&>())))
    throw Bad{"id", "expected a UUID (\"6f1c3c1e-2a7d-4b8e-9a55-0c7d1f1e2a01\")"};
  if (!st.contains("actor")) throw Bad{"actor", "required property is missing"};
  agent_or_group(st["actor"], "actor");
  verb(st);
  if (!st.contains("object")) throw Bad{"object", "required property is missing"};
  statement_object(st["object"], "object", false);
  result(st);
  if (auto c = st.find("context"); c != st.end()) {
    require_object(*c, "context");
    if (auto e = c->find("extensions"); e != c->end()) require_object(*e, "context.extensions");
    if (auto r = c->find("registration"); r != c->end() && (!r->is_string() || !is_uuid(r->get_ref<const std::string&>())))
      throw Bad{"context.registration", "expected a UUID"};
  }
  for (const char* f : {"timestamp", "stored"})
    if (auto t = st.find(f); t != st.end()) {
      if (!t->is_string() || !parse_timestamp(t->get_ref<const std::string&>()).ok())
        throw Bad{f, "expected an ISO 8601 date and time with a zone (\"2026-03-03T15:00:00Z\")"};
    }
  if (auto v = st.find("version"); v != st.end() && (!v->is_string() || v->get_ref<const std::string&>().rfind("1.0", 0) != 0))
    throw Bad{"version", "expected 1.0.x"};
  if (auto a = st.find("attachments"); a != st.end() && !a->is_array()) throw Bad{"attachments", "expected an array"};
}

// ---- mapping ----------------------------------------------------------------------------------

const json* extension(const json& st, const char* iri) {
  for (const char* base : {"context.extensions", "object.definition.extensions"}) {
    const json* ext = at(st, base);
    if (!ext || !ext->is_object()) continue;
    auto it = ext->find(iri);
    if (it != ext->end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

// Who the statement is about: for an identified Group, the group's own identifier.
ActorRef actor_of(const json& st) {
  const json& a = st["actor"];
  ActorRef who;
  who.source = "xapi";
  if (const json* name = at(a, "name"); name && name->is_string()) who.display = name->get<std::string>();
  if (const json* m = at(a, "mbox")) {
    const std::string address = ascii_lower(m->get<std::string>().substr(7));
    who.aliases = {"xapi:mailto:" + address, "email:" + address};
    if (who.display.empty()) who.display = address;
  } else if (const json* s = at(a, "mbox_sha1sum")) {
    who.aliases = {"xapi:sha1:" + ascii_lower(s->get<std::string>())};
  } else if (const json* o = at(a, "openid")) {
    who.aliases = {"xapi:openid:" + o->get<std::string>()};
  } else if (const json* acc = at(a, "account")) {
    who.learner_id = acc->at("name").get<std::string>();
    who.aliases = {"xapi:account:" + acc->at("homePage").get<std::string>() + "|" + who.learner_id};
    if (who.display.empty()) who.display = who.learner_id;
  }
  who.aliases.erase(std::remove_if(who.aliases.begin(), who.aliases.end(), [](const std::string& s) { return !valid_alias(s); }),
                    who.aliases.end());
  return who;
}

std::optional<double> score_of(const json& st) {
  const json* score = at(st, "result.score");
  if (!score) return std::nullopt;
  if (const json* scaled = at(*score, "scaled")) return scaled->get<double>() * 100;
  const json *raw = at(*score, "raw"), *min = at(*score, "min"), *max = at(*score, "max");
  if (raw && min && max) return (raw->get<double>() - min->get<double>()) / (max->get<double>() - min->get<double>()) * 100;
  if (raw) return raw->get<double>();
  return std::nullopt;
}

std::string content_of(const json& st) {
  if (const json* c = extension(st, kXapiContent); c && c->is_string()) return c->get<std::string>();
  const json* id = at(st, "object.id");
  return id && id->is_string() ? last_segment(id->get<std::string>()) : std::string();
}

void statement(const json& st, std::size_t index, const XapiOptions& opt, XapiResult& out) {
  validate(st);
  const std::string verb_iri = st["verb"]["id"].get<std::string>();
  const std::string v = last_segment(verb_iri);
  json ts = st.contains("timestamp") ? st["timestamp"] : json(format_timestamp(opt.received_at));
  ActorRef who = actor_of(st);
  if (who.aliases.empty() && who.learner_id.empty()) {  // an anonymous Group: several people, none named
    ++out.ignored;
    out.ignored_reasons.push_back("an anonymous Group names no single learner");
    return;
  }
  // A placeholder learner: the resolved one replaces it (identity.h); the record validates meanwhile.
  const std::string learner = who.learner_id.empty() ? "?" : who.learner_id;
  const std::size_t before = out.records.size();
  const std::string content = content_of(st);
  const json* program = extension(st, kXapiProgram);
  const json* session = extension(st, kXapiSession);
  if ((v == "completed" || v == "passed" || v == "failed") && !content.empty()) {
    json c = {{"kind", "completion"}, {"learner", learner}, {"status", v}, {"ts", ts}, {"content", content}};
    if (const json* id = at(st, "id")) c["id"] = *id;
    if (auto s = score_of(st)) c["score"] = *s;
    finish(c, index, {{"id", "id"}, {"learner", "actor"}, {"content", "object.id"}, {"ts", "timestamp"}}, out);
  } else if (v == "attended" && program && session) {
    json a = {{"kind", "attendance"}, {"learner", learner}, {"ts", ts}, {"program", *program}};
    if (session->is_string()) {
      const std::string& s = session->get_ref<const std::string&>();
      int n = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec != std::errc() || p != s.data() + s.size()) throw Bad{kXapiSession, "expected a session number"};
      a["session"] = n;
    } else {
      a["session"] = *session;
    }
    if (const json* cohort = extension(st, kXapiCohort)) a["cohort"] = *cohort;
    if (const json* success = at(st, "result.success")) a["attended"] = success->get<bool>();
    finish(a, index,
           {{"learner", "actor"}, {"program", kXapiProgram}, {"session", kXapiSession}, {"cohort", kXapiCohort},
            {"ts", "timestamp"}},
           out);
  } else {
    json props = {{"verb", verb_iri}};
    if (const json* id = at(st, "object.id"); id && id->is_string()) props["object"] = *id;
    if (!content.empty()) props["content"] = content;
    if (const json* t = at(st, "object.definition.type")) props["type"] = *t;
    if (auto s = score_of(st)) props["score"] = *s;
    for (const char* f : {"success", "completion", "duration"})
      if (const json* r = at(st, std::string("result.") + f)) props[f] = *r;
    // The id: the statement's (the HTTP layer assigns one to a statement sent without).
    const json* id = at(st, "id");
    if (!id) throw Bad{"id", "required to store a learning event (an LRS assigns one before mapping)"};
    json e = {{"kind", "event"}, {"id", *id}, {"account", "?"}, {"learner", learner}, {"ts", ts},
              {"name", "xapi." + prefix_utf8(v, 64)}, {"props", props}};
    finish(e, index, {{"id", "id"}, {"learner", "actor"}, {"name", "verb.id"}, {"ts", "timestamp"}}, out);
    if (out.records.size() > before) std::get<Event>(out.records.back()).account.clear();  // the learner's, once known
  }
  if (out.records.size() > before) {
    out.actors.resize(out.records.size());
    out.actors.back() = std::move(who);
  }
}

}  // namespace

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

XapiResult xapi_to_records(const json& statements, const XapiOptions& opt) {
  XapiResult out;
  auto one = [&](const json& st, std::size_t i) {
    try {
      statement(st, i, opt, out);
    } catch (const Bad& b) {
      out.errors.push_back(ItemError{i, b.field, b.reason});
    } catch (const json::exception& e) {  // a property of the wrong type that validation let by
      out.errors.push_back(ItemError{i, "", std::string("malformed statement: ") + e.what()});
    }
  };
  if (statements.is_array()) {
    out.items = statements.size();
    for (std::size_t i = 0; i < statements.size(); ++i) one(statements[i], i);
  } else {
    out.items = 1;
    one(statements, 0);
  }
  return out;
}

}  // namespace uplift::ingest
