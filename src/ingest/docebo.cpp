#include "ingest/docebo.h"

#include <fmt/format.h>

namespace uplift::ingest {
namespace {

using json = nlohmann::json;
using adapter_detail::finish;

// "2024-03-20 09:12:44" (Docebo, UTC) → "2024-03-20T09:12:44Z"; other shapes pass unchanged (the
// record validator names them).
std::string docebo_time(const json& v) {
  if (!v.is_string()) return {};
  std::string s = v.get<std::string>();
  if (s.size() == 19 && s[10] == ' ') {
    s[10] = 'T';
    s += 'Z';
  }
  return s;
}

// The string at `key`, or "" when it is absent or not a string (a payload is never trusted).
std::string text(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string id_text(const json& v) {
  if (v.is_number_unsigned()) return std::to_string(v.get<unsigned long long>());
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_string()) return v.get<std::string>();
  return {};
}

void one(const json& p, std::size_t index, const std::string& event, const std::string& message_id,
         const FieldOverrides& fields, AdapterResult& out) {
  if (!p.is_object()) {
    out.errors.push_back({index, "payload", "expected an object, got " + std::string(p.type_name())});
    return;
  }
  const char* status = nullptr;
  const char* when = nullptr;
  if (event == "course.enrollment.completed") status = "completed", when = "completion_date";
  else if (event == "course.enrollment.created") status = "started", when = "enrollment_date";
  else if (event == "course.enrollment.updated") {
    const std::string st = text(p, "status");
    if (st == "completed") status = "completed", when = "completion_date";
    else if (st == "in_progress") status = "started", when = "enrollment_date";
  }
  if (!status) {
    ++out.ignored;
    out.ignored_reasons.push_back(fmt::format("{} ({}) is not used by uplift", event.substr(0, 64), text(p, "status").substr(0, 32)));
    return;
  }
  const std::string user = p.contains("user_id") ? id_text(p["user_id"]) : std::string();
  const std::string username = text(p, "username");
  if (p.contains("user_id") && !p["user_id"].is_null() && user.empty()) {
    out.errors.push_back({index, "payload.user_id", "expected Docebo's user id (an integer or a string), got " + p["user_id"].dump().substr(0, 40)});
    return;
  }
  // Who it is must be something a learner can hold: Docebo's user id, or a username that is an email.
  if (user.empty() && username.find('@') == std::string::npos) {
    out.errors.push_back({index, "payload.user_id", "required field is missing (or a payload.username that is an email)"});
    return;
  }
  const std::string* content_path = fields.find("content");  // a source's override: the content id as is
  const json* content_value = content_path ? adapter_detail::at(p, *content_path) : nullptr;
  const std::string course = content_path ? (content_value ? id_text(*content_value) : std::string())
                                          : p.contains("course_id") ? id_text(p["course_id"]) : std::string();
  std::string ts = p.contains(when) ? docebo_time(p[when]) : std::string();
  if (ts.empty() && p.contains("fired_at")) ts = docebo_time(p["fired_at"]);
  json c = {{"kind", "completion"},
            {"id", fmt::format("docebo:{}:{}", message_id, index)},
            {"learner", user.empty() ? username : "docebo:" + user},  // a placeholder until resolved
            {"status", status}};
  if (!course.empty()) c["content"] = content_path ? course : "docebo-course-" + course;
  if (!ts.empty()) c["ts"] = ts;
  const std::size_t before = out.records.size();
  const std::string content_field = content_path ? "payload." + *content_path : "payload.course_id";
  finish(c, index, {{"content", content_field}, {"ts", std::string("payload.") + when}, {"id", "message_id"}}, out);
  if (out.records.size() == before) return;
  ActorRef who;
  who.source = "docebo";
  if (!user.empty()) who.aliases.push_back("docebo:" + user);
  if (username.find('@') != std::string::npos) who.aliases.push_back(email_alias(username));
  who.display = username.empty() ? "docebo user " + user : username;
  out.actors.resize(out.records.size());
  out.actors.back() = std::move(who);
}

}  // namespace

AdapterResult docebo_to_records(const json& d, const FieldOverrides& fields) {
  AdapterResult out;
  if (!d.is_object()) {
    out.items = 1;
    out.errors.push_back({0, "", "expected a JSON object, got " + std::string(d.type_name())});
    return out;
  }
  const std::string event = text(d, "event");
  const std::string message_id = d.contains("message_id") ? id_text(d["message_id"]) : std::string();
  if (event.empty()) {
    out.items = 1;
    out.errors.push_back({0, "event", "required field is missing"});
    return out;
  }
  if (message_id.empty()) {
    out.items = 1;
    out.errors.push_back({0, "message_id", "required field is missing (it is the dedupe key)"});
    return out;
  }
  if (d.contains("payloads")) {
    const json& list = d["payloads"];
    if (!list.is_array()) {
      out.items = 1;
      out.errors.push_back({0, "payloads", "expected a list of event payloads"});
      return out;
    }
    out.items = list.size();
    for (std::size_t i = 0; i < list.size(); ++i) one(list[i], i, event, message_id, fields, out);
    return out;
  }
  out.items = 1;
  if (!d.contains("payload")) {
    out.errors.push_back({0, "payload", "required field is missing (or payloads)"});
    return out;
  }
  one(d["payload"], 0, event, message_id, fields, out);
  return out;
}

}  // namespace uplift::ingest
