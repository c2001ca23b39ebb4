#include "ingest/webhook.h"

#include <fmt/format.h>

namespace uplift::ingest {
namespace {

using json = nlohmann::json;
using adapter_detail::at;
using adapter_detail::finish;
using adapter_detail::first_string;

void error(WebhookResult& out, std::string field, std::string reason) {
  out.errors.push_back(ItemError{0, std::move(field), std::move(reason)});
}

}  // namespace

WebhookResult webhook_to_records(const json& p, const FieldOverrides& fields) {
  WebhookResult out;
  out.items = 1;
  if (!p.is_object()) {
    error(out, "", "expected a JSON object, got " + std::string(p.type_name()));
    return out;
  }
  const json* type = at(p, "event_type");
  if (!type || !type->is_string()) {
    error(out, "event_type", "required field is missing");
    return out;
  }
  const std::string& t = type->get_ref<const std::string&>();
  const char* status = nullptr;
  const char* content_path = nullptr;
  if (t == "COURSE_COMPLETION") status = "completed", content_path = "course.id";
  else if (t == "LESSON_COMPLETION") status = "completed", content_path = "lesson.id";
  else if (t == "PATH_COMPLETION") status = "completed", content_path = "path.id";
  else if (t == "COURSE_ENROLLMENT") status = "started", content_path = "course.id";
  // A source may say where its payloads carry the content id (per event type, or for all).
  if (content_path) {
    if (const std::string* o = fields.find(t + ".content")) content_path = o->c_str();
    else if (const std::string* o2 = fields.find("content")) content_path = o2->c_str();
  }
  else {
    out.ignored = 1;
    out.ignored_reasons.push_back(fmt::format("event_type {} is not used by uplift (used: COURSE_COMPLETION, "
                                              "LESSON_COMPLETION, PATH_COMPLETION, COURSE_ENROLLMENT)",
                                              t.substr(0, 64)));
    return out;
  }
  const json* user_id = at(p, "user.id");
  // Without Skilljar's user id, the email alone says who it is (the learner holding it).
  const std::string email_only = user_id ? std::string() : first_string(p, {"user.email"});
  if (!user_id && email_only.empty()) {
    error(out, "user.id", "required field is missing (or give user.email)");
    return out;
  }
  if (user_id && user_id->is_string()) {
    WebhookLearner l;
    l.id = user_id->get<std::string>();
    l.email = first_string(p, {"user.email"});
    l.first_name = first_string(p, {"user.first_name"});
    l.last_name = first_string(p, {"user.last_name"});
    const std::string* account_path = fields.find("account");
    l.account = account_path ? first_string(p, {*account_path})
                             : first_string(p, {"user.account", "user.company_id", "account.id", "group.id"});
    if (!l.account.empty()) {
      json learner = {{"kind", "learner"}, {"id", l.id}, {"account", l.account},
                      {"aliases", json::array({"skilljar:" + l.id})}};
      if (!l.email.empty()) learner["email"] = l.email;
      finish(learner, 0, {{"id", "user.id"}, {"account", "user.account"}, {"email", "user.email"}}, out);
    }
    out.learner = std::move(l);
  }
  json c = {{"kind", "completion"}, {"learner", user_id ? *user_id : json(email_only)}, {"status", status}};
  if (const json* content = at(p, content_path)) c["content"] = *content;
  if (const json* ts = at(p, "timestamp")) c["ts"] = *ts;
  finish(c, 0, {{"learner", "user.id"}, {"content", content_path}, {"ts", "timestamp"}}, out);
  // Every record here is about the one person: the learner record (a known person under another
  // id gains the Skilljar id instead of a twin) and the completion.
  ActorRef who;
  who.source = "skilljar";
  if (user_id && user_id->is_string()) {
    who.learner_id = user_id->get<std::string>();
    who.aliases = {"skilljar:" + who.learner_id};
    if (out.learner && !out.learner->email.empty()) who.aliases.push_back(email_alias(out.learner->email));
    who.display = out.learner && !out.learner->email.empty() ? out.learner->email : who.learner_id;
  } else if (!email_only.empty()) {
    who.aliases = {email_alias(email_only)};
    who.display = email_only;
  }
  if (!who.aliases.empty()) out.actors.assign(out.records.size(), who);
  return out;
}

}  // namespace uplift::ingest
