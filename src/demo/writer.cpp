#include "demo/writer.h"

#include <cerrno>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace uplift::demo {
namespace {

constexpr std::size_t kFlushAt = 8 << 20;

void key(std::string& out, const char* k, bool& first) {
  out += first ? "{\"" : ",\"";
  first = false;
  out += k;
  out += "\":";
}
void str_field(std::string& out, const char* k, std::string_view v, bool& first) {
  key(out, k, first);
  append_json_string(out, v);
}
void opt_str_field(std::string& out, const char* k, std::string_view v, bool& first) {
  if (!v.empty()) str_field(out, k, v, first);
}
void num_field(std::string& out, const char* k, double v, bool& first) {
  key(out, k, first);
  append_json_number(out, v);
}
void ts_field(std::string& out, const char* k, Timestamp t, bool& first) { str_field(out, k, format_timestamp(t), first); }
void date_field(std::string& out, const char* k, Date d, bool& first) { str_field(out, k, format_date(d), first); }
void end_line(std::string& out) { out += "}\n"; }

}  // namespace

void append_line(std::string& out, const Account& a) {
  bool first = true;
  if (a.arr) num_field(out, "arr", *a.arr, first);
  str_field(out, "audience", audience_name(a.audience), first);
  if (a.created_at) ts_field(out, "created_at", *a.created_at, first);
  opt_str_field(out, "csm", a.csm, first);
  str_field(out, "id", a.id, first);
  str_field(out, "kind", "account", first);
  opt_str_field(out, "name", a.name, first);
  opt_str_field(out, "plan", a.plan, first);
  if (a.renewal_date) date_field(out, "renewal_date", *a.renewal_date, first);
  opt_str_field(out, "tier", a.tier, first);
  end_line(out);
}

void append_line(std::string& out, const Learner& l) {
  bool first = true;
  opt_str_field(out, "access_level", l.access_level, first);
  str_field(out, "account", l.account, first);
  if (l.audience) str_field(out, "audience", audience_name(*l.audience), first);
  if (l.created_at) ts_field(out, "created_at", *l.created_at, first);
  opt_str_field(out, "email", l.email, first);
  str_field(out, "id", l.id, first);
  str_field(out, "kind", "learner", first);
  opt_str_field(out, "role", l.role, first);
  end_line(out);
}

void append_line(std::string& out, const Completion& c) {
  bool first = true;
  str_field(out, "content", c.content, first);
  opt_str_field(out, "id", c.id, first);
  str_field(out, "kind", "completion", first);
  str_field(out, "learner", c.learner, first);
  if (c.score) num_field(out, "score", *c.score, first);
  str_field(out, "status", completion_status_name(c.status), first);
  ts_field(out, "ts", c.ts, first);
  end_line(out);
}

void append_line(std::string& out, const Attendance& a) {
  bool first = true;
  key(out, "attended", first);
  out += a.attended ? "true" : "false";
  opt_str_field(out, "cohort", a.cohort, first);
  str_field(out, "kind", "attendance", first);
  str_field(out, "learner", a.learner, first);
  str_field(out, "program", a.program, first);
  key(out, "session", first);
  out += std::to_string(a.session);
  ts_field(out, "ts", a.ts, first);
  end_line(out);
}

void append_line(std::string& out, const ArrSnapshot& s) {
  bool first = true;
  str_field(out, "account", s.account, first);
  num_field(out, "arr", s.arr, first);
  date_field(out, "date", s.date, first);
  str_field(out, "kind", "arr", first);
  end_line(out);
}

void append_line(std::string& out, const Renewal& r) {
  bool first = true;
  str_field(out, "account", r.account, first);
  if (r.arr_after) num_field(out, "arr_after", *r.arr_after, first);
  if (r.arr_before) num_field(out, "arr_before", *r.arr_before, first);
  date_field(out, "date", r.date, first);
  str_field(out, "kind", "renewal", first);
  str_field(out, "outcome", renewal_outcome_name(r.outcome), first);
  end_line(out);
}

void append_event_line(std::string& out, std::string_view account, std::string_view id, std::string_view name,
                       Timestamp ts, std::string_view learner, double qty, std::string_view props) {
  bool first = true;
  str_field(out, "account", account, first);
  str_field(out, "id", id, first);
  str_field(out, "kind", "event", first);
  opt_str_field(out, "learner", learner, first);
  str_field(out, "name", name, first);
  key(out, "props", first);
  out += props;
  num_field(out, "qty", qty, first);
  ts_field(out, "ts", ts, first);
  end_line(out);
}

NdjsonFile::~NdjsonFile() {
  if (file_) std::fclose(file_);
}

Status NdjsonFile::open(const std::string& path) {
  path_ = path;
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) return Status::InvalidArgument(fmt::format("{}: cannot create: {}", path, std::strerror(errno)));
  buf_.reserve(kFlushAt + (1 << 16));
  return Status::OK();
}

Status NdjsonFile::flush() {
  if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size())
    return Status::Unavailable(fmt::format("{}: write failed: {}", path_, std::strerror(errno)));
  buf_.clear();
  return Status::OK();
}

Status NdjsonFile::maybe_flush() { return buf_.size() >= kFlushAt ? flush() : Status::OK(); }

Status NdjsonFile::close() {
  if (!file_) return Status::OK();
  Status s = flush();
  if (std::fclose(file_) != 0 && s.ok())
    s = Status::Unavailable(fmt::format("{}: close failed: {}", path_, std::strerror(errno)));
  file_ = nullptr;
  return s;
}

}  // namespace uplift::demo
