#include <iterator>

#include <fmt/format.h>

#include "core/json_text.h"
#include "core/time.h"
#include "recommend/recommend.h"

namespace uplift::recommend {

using nlohmann::json;

json to_json(const Reason& r) {
  switch (r.kind) {
    case Reason::Kind::kFrontier: {
      json j = {{"frontier", r.id}};
      if (!r.progress.empty()) j["progress"] = r.progress;
      return j;
    }
    case Reason::Kind::kPath: {
      json j = {{"path", r.id}, {"position", r.position}, {"segment", r.segment}};
      if (r.next) j["next"] = true;
      return j;
    }
    case Reason::Kind::kCollection: return {{"collection", r.id}};
    case Reason::Kind::kInProgress: return {{"in_progress", true}};
    case Reason::Kind::kFallback: return {{"fallback", r.fallback}, {"id", r.id}};
  }
  return json::object();
}

json to_json(const Recommendations& r) {
  json items = json::array();
  int rank = 0;
  for (const auto& rec : r.items) {
    json reasons = json::array();
    for (const auto& reason : rec.reasons) reasons.push_back(to_json(reason));
    json j = {{"rank", ++rank},
              {"id", rec.item->id},
              {"title", rec.item->title},
              {"type", item_type_name(rec.item->type)},
              {"minutes", rec.item->minutes},
              {"score", rec.score},
              {"reasons", std::move(reasons)}};
    if (rec.badge) {
      j["badge"] = {{"name", rec.badge->name}, {"source", rec.badge->source}, {"id", rec.badge->id},
                    {"remaining", rec.badge->remaining}};
    }
    items.push_back(std::move(j));
  }
  json out = {{"learner", r.learner}, {"account", r.account}, {"audience", audience_name(r.audience)},
              {"stage", r.stage},     {"segments", r.segments}, {"frontier", r.frontier},
              {"as_of", format_timestamp(r.as_of)}, {"items", std::move(items)}};
  if (r.items.empty() && !r.empty_reason.empty())
    out["empty"] = {{"reason", r.empty_reason}, {"detail", r.empty_detail}};
  return out;
}

namespace {

// Writes one JSON object's members in the order given (callers give nlohmann's byte-wise sorted
// order), each after a comma but the first.
class Members {
 public:
  explicit Members(std::string& out) : out_(out) { out_ += '{'; }
  void key(std::string_view k) {  // keys are plain ASCII literals
    out_.append(first_ ? "\"" : ",\"", first_ ? 1 : 2);
    first_ = false;
    out_.append(k);
    out_.append("\":", 2);
  }
  void str(std::string_view k, std::string_view v) {
    key(k);
    append_json_string(out_, v);
  }
  void num(std::string_view k, long long v) {
    key(k);
    const fmt::format_int digits(v);
    out_.append(digits.data(), digits.size());
  }
  void timestamp(std::string_view k, Timestamp ts) {  // never needs escaping
    key(k);
    out_ += '"';
    append_timestamp(out_, ts);
    out_ += '"';
  }
  void yes(std::string_view k) {
    key(k);
    out_.append("true", 4);
  }
  template <typename Strings>
  void strs(std::string_view k, const Strings& list) {
    key(k);
    out_ += '[';
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (i) out_ += ',';
      append_json_string(out_, list[i]);
    }
    out_ += ']';
  }
  // An array member whose elements `put(i)` writes.
  template <typename Put>
  void array(std::string_view k, std::size_t n, Put&& put) {
    key(k);
    out_ += '[';
    for (std::size_t i = 0; i < n; ++i) {
      if (i) out_ += ',';
      put(i);
    }
    out_ += ']';
  }
  void close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

void put_reason(std::string& out, const Reason& r) {
  Members m(out);
  switch (r.kind) {
    case Reason::Kind::kFrontier:
      m.str("frontier", r.id);
      if (!r.progress.empty()) m.str("progress", r.progress);
      break;
    case Reason::Kind::kPath:
      if (r.next) m.yes("next");
      m.str("path", r.id);
      m.num("position", r.position);
      m.str("segment", r.segment);
      break;
    case Reason::Kind::kCollection: m.str("collection", r.id); break;
    case Reason::Kind::kInProgress: m.yes("in_progress"); break;
    case Reason::Kind::kFallback:
      m.str("fallback", r.fallback);
      m.str("id", r.id);
      break;
  }
  m.close();
}

void put_item(std::string& out, const Recommendation& rec, int rank) {
  Members m(out);
  if (rec.badge) {
    m.key("badge");
    Members b(out);
    b.str("id", rec.badge->id);
    b.str("name", rec.badge->name);
    b.num("remaining", rec.badge->remaining);
    b.str("source", rec.badge->source);
    b.close();
  }
  m.str("id", rec.item->id);
  m.num("minutes", rec.item->minutes);
  m.num("rank", rank);
  m.array("reasons", rec.reasons.size(), [&](std::size_t i) { put_reason(out, rec.reasons[i]); });
  m.num("score", rec.score);
  m.str("title", rec.item->title);
  m.str("type", item_type_name(rec.item->type));
  m.close();
}

}  // namespace

std::string to_json_text(const Recommendations& r) {
  std::string out;
  out.reserve(512 + 320 * r.items.size());
  Members m(out);
  m.str("account", r.account);
  m.timestamp("as_of", r.as_of);
  m.str("audience", audience_name(r.audience));
  if (r.items.empty() && !r.empty_reason.empty()) {
    m.key("empty");
    Members e(out);
    e.str("detail", r.empty_detail);
    e.str("reason", r.empty_reason);
    e.close();
  }
  m.strs("frontier", r.frontier);
  m.array("items", r.items.size(), [&](std::size_t i) { put_item(out, r.items[i], static_cast<int>(i) + 1); });
  m.str("learner", r.learner);
  m.strs("segments", r.segments);
  m.str("stage", r.stage);
  m.close();
  return out;
}

json to_json(const PathView& v) {
  json paths = json::array();
  for (const auto& p : v.paths) {
    json steps = json::array();
    for (const auto& s : p.steps)
      steps.push_back({{"id", s.item->id}, {"title", s.item->title}, {"position", s.position}, {"status", s.status}});
    json j = {{"path", p.path->id}, {"title", p.path->title}, {"segment", p.segment},
              {"done", p.done}, {"total", p.steps.size()}, {"items", std::move(steps)}};
    if (!p.path->badge.empty()) j["badge"] = p.path->badge;
    paths.push_back(std::move(j));
  }
  return {{"learner", v.learner}, {"account", v.account}, {"segments", v.segments}, {"paths", std::move(paths)}};
}

json to_json(const LearnerSegments& s) {
  json list = json::array();
  for (const auto& m : s.segments) list.push_back(segments::to_json(m));
  return {{"learner", s.learner}, {"account", s.account}, {"segments", std::move(list)}};
}

}  // namespace uplift::recommend
