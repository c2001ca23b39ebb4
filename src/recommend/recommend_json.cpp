#include <iterator>

#include <fmt/format.h>

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
  return {{"learner", r.learner}, {"account", r.account}, {"audience", audience_name(r.audience)},
          {"stage", r.stage},     {"segments", r.segments}, {"frontier", r.frontier},
          {"as_of", format_timestamp(r.as_of)}, {"items", std::move(items)}};
}

namespace {

// Appends `s` as a JSON string exactly as nlohmann's dump (error handler "replace") writes it:
// the two-character escapes it uses, \u00xx for other control characters, everything else
// verbatim. A string with a non-ASCII byte goes through nlohmann itself, so invalid UTF-8 is
// replaced the same way.
void put_string(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) {
      out += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
      return;
    }
  }
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
  }
  out += '"';
}

// "key": (keys are plain ASCII literals)
void put_key(std::string& out, const char* key) {
  out += '"';
  out += key;
  out += "\":";
}

void put_int(std::string& out, long long v) { fmt::format_to(std::back_inserter(out), "{}", v); }

void put_strings(std::string& out, const std::vector<std::string>& list) {
  out += '[';
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i) out += ',';
    put_string(out, list[i]);
  }
  out += ']';
}

// Object keys in the order nlohmann's std::map keeps them (byte-wise sorted).
void put_reason(std::string& out, const Reason& r) {
  switch (r.kind) {
    case Reason::Kind::kFrontier:
      put_key(out, "frontier");
      put_string(out, r.id);
      if (!r.progress.empty()) {
        out += ',';
        put_key(out, "progress");
        put_string(out, r.progress);
      }
      return;
    case Reason::Kind::kPath:
      if (r.next) out += "\"next\":true,";
      put_key(out, "path");
      put_string(out, r.id);
      out += ',';
      put_key(out, "position");
      put_int(out, r.position);
      out += ',';
      put_key(out, "segment");
      put_string(out, r.segment);
      return;
    case Reason::Kind::kCollection:
      put_key(out, "collection");
      put_string(out, r.id);
      return;
    case Reason::Kind::kInProgress: out += "\"in_progress\":true"; return;
  }
}

void put_item(std::string& out, const Recommendation& rec, int rank) {
  out += '{';
  if (rec.badge) {
    out += "\"badge\":{";
    put_key(out, "id");
    put_string(out, rec.badge->id);
    out += ',';
    put_key(out, "name");
    put_string(out, rec.badge->name);
    out += ',';
    put_key(out, "remaining");
    put_int(out, rec.badge->remaining);
    out += ',';
    put_key(out, "source");
    put_string(out, rec.badge->source);
    out += "},";
  }
  put_key(out, "id");
  put_string(out, rec.item->id);
  out += ',';
  put_key(out, "minutes");
  put_int(out, rec.item->minutes);
  out += ',';
  put_key(out, "rank");
  put_int(out, rank);
  out += ",\"reasons\":[";
  for (std::size_t i = 0; i < rec.reasons.size(); ++i) {
    out += i ? ",{" : "{";
    put_reason(out, rec.reasons[i]);
    out += '}';
  }
  out += "],";
  put_key(out, "score");
  put_int(out, rec.score);
  out += ',';
  put_key(out, "title");
  put_string(out, rec.item->title);
  out += ',';
  put_key(out, "type");
  put_string(out, item_type_name(rec.item->type));
  out += '}';
}

}  // namespace

std::string to_json_text(const Recommendations& r) {
  std::string out;
  out.reserve(512 + 320 * r.items.size());
  out += '{';
  put_key(out, "account");
  put_string(out, r.account);
  out += ',';
  put_key(out, "as_of");
  put_string(out, format_timestamp(r.as_of));
  out += ',';
  put_key(out, "audience");
  put_string(out, audience_name(r.audience));
  out += ',';
  put_key(out, "frontier");
  put_strings(out, r.frontier);
  out += ",\"items\":[";
  int rank = 0;
  for (const auto& rec : r.items) {
    if (rank) out += ',';
    put_item(out, rec, ++rank);
  }
  out += "],";
  put_key(out, "learner");
  put_string(out, r.learner);
  out += ',';
  put_key(out, "segments");
  put_strings(out, r.segments);
  out += ',';
  put_key(out, "stage");
  put_string(out, r.stage);
  out += '}';
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
