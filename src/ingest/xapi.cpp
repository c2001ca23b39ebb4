#include "ingest/xapi.h"

#include <charconv>

#include <fmt/format.h>

namespace uplift::ingest {
namespace {

using json = nlohmann::json;
using adapter_detail::at;
using adapter_detail::finish;

struct Bad {
  std::string field, reason;
};

std::string last_segment(std::string iri) {
  auto cut = iri.find_first_of("?#");
  if (cut != std::string::npos) iri.resize(cut);
  while (!iri.empty() && iri.back() == '/') iri.pop_back();
  auto slash = iri.rfind('/');
  return slash == std::string::npos ? iri : iri.substr(slash + 1);
}

const json* extension(const json& st, const char* iri) {
  for (const char* base : {"context.extensions", "object.definition.extensions"}) {
    const json* ext = at(st, base);
    if (!ext || !ext->is_object()) continue;
    auto it = ext->find(iri);
    if (it != ext->end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

// Learner id and (for mbox actors) email.
std::pair<std::string, std::string> actor_of(const json& st) {
  const json* actor = at(st, "actor");
  if (!actor || !actor->is_object()) throw Bad{"actor", "required field is missing"};
  if (const json* t = at(*actor, "objectType"); t && t->is_string() && *t == "Group")
    throw Bad{"actor", "a Group actor cannot be mapped to one learner"};
  if (const json* name = at(*actor, "account.name")) {
    if (!name->is_string() || name->get_ref<const std::string&>().empty())
      throw Bad{"actor.account.name", "expected a non-empty string"};
    return {name->get<std::string>(), ""};
  }
  if (const json* mbox = at(*actor, "mbox")) {
    std::string m = mbox->is_string() ? mbox->get<std::string>() : "";
    if (m.rfind("mailto:", 0) != 0 || m.size() <= 7) throw Bad{"actor.mbox", "expected \"mailto:address\""};
    return {m.substr(7), m.substr(7)};
  }
  throw Bad{"actor", "identify the learner with mbox or account (mbox_sha1sum and openid cannot be mapped)"};
}

std::optional<double> score_of(const json& st) {
  const json* score = at(st, "result.score");
  if (!score || !score->is_object()) return std::nullopt;
  auto num = [&](const char* f) -> std::optional<double> {
    const json* v = at(*score, f);
    if (!v) return std::nullopt;
    if (!v->is_number()) throw Bad{std::string("result.score.") + f, "expected a number"};
    return v->get<double>();
  };
  if (auto scaled = num("scaled")) return *scaled * 100;
  auto raw = num("raw"), min = num("min"), max = num("max");
  if (raw && min && max && *max > *min) return (*raw - *min) / (*max - *min) * 100;
  return raw;
}

void statement(const json& st, std::size_t index, XapiResult& out) {
  if (!st.is_object()) throw Bad{"", "expected a statement object, got " + std::string(st.type_name())};
  auto [learner, email] = actor_of(st);
  const json* verb = at(st, "verb.id");
  if (!verb || !verb->is_string()) throw Bad{"verb.id", "required field is missing"};
  std::string v = last_segment(verb->get<std::string>());
  json ts;
  if (const json* t = at(st, "timestamp")) ts = *t;
  else if (const json* s = at(st, "stored")) ts = *s;
  else throw Bad{"timestamp", "required field is missing (and no stored time)"};
  std::size_t before = out.records.size();
  if (v == "completed" || v == "passed" || v == "failed") {
    json c = {{"kind", "completion"}, {"learner", learner}, {"status", v}, {"ts", ts}};
    if (const json* id = at(st, "id")) c["id"] = *id;
    if (const json* content = extension(st, kXapiContent)) {
      c["content"] = *content;
    } else {
      const json* obj = at(st, "object.id");
      if (!obj || !obj->is_string()) throw Bad{"object.id", "required field is missing"};
      c["content"] = last_segment(obj->get<std::string>());
    }
    if (auto s = score_of(st)) c["score"] = *s;
    finish(c, index, {{"id", "id"}, {"learner", "actor"}, {"content", "object.id"}, {"ts", "timestamp"}}, out);
  } else if (v == "attended") {
    json a = {{"kind", "attendance"}, {"learner", learner}, {"ts", ts}};
    const json* program = extension(st, kXapiProgram);
    if (!program) throw Bad{"context.extensions", fmt::format("attended needs the program under \"{}\"", kXapiProgram)};
    a["program"] = *program;
    const json* session = extension(st, kXapiSession);
    if (!session) throw Bad{"context.extensions", fmt::format("attended needs the session under \"{}\"", kXapiSession)};
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
    if (const json* success = at(st, "result.success"); success && success->is_boolean())
      a["attended"] = success->get<bool>();
    finish(a, index,
           {{"learner", "actor"}, {"program", kXapiProgram}, {"session", kXapiSession}, {"cohort", kXapiCohort},
            {"ts", "timestamp"}},
           out);
  } else {
    throw Bad{"verb.id", fmt::format("unsupported verb \"{}\" (supported: completed, passed, failed, attended)",
                                     verb->get<std::string>())};
  }
  if (out.records.size() > before) out.actor_emails.push_back(email);
}

}  // namespace

XapiResult xapi_to_records(const json& statements) {
  XapiResult out;
  auto one = [&](const json& st, std::size_t i) {
    try {
      statement(st, i, out);
    } catch (const Bad& b) {
      out.errors.push_back(ItemError{i, b.field, b.reason});
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
