#include "recommend/content_map.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "segments/json_source.h"

namespace uplift::recommend {

using nlohmann::json;

std::string_view item_type_name(ItemType t) {
  switch (t) {
    case ItemType::kCourse: return "course";
    case ItemType::kPath: return "path";
    case ItemType::kLive: return "live";
    case ItemType::kArticle: return "article";
  }
  return "?";
}

std::optional<ItemType> parse_item_type(std::string_view s) {
  for (ItemType t : {ItemType::kCourse, ItemType::kPath, ItemType::kLive, ItemType::kArticle})
    if (item_type_name(t) == s) return t;
  return std::nullopt;
}

namespace {
const std::vector<std::uint32_t> kNone;

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
}  // namespace

std::uint32_t ContentMap::item_index(std::string_view id) const {
  auto it = item_by_id_.find(id);
  return it == item_by_id_.end() ? npos : it->second;
}
std::uint32_t ContentMap::path_index(std::string_view id) const {
  auto it = path_by_id_.find(id);
  return it == path_by_id_.end() ? npos : it->second;
}
const std::vector<std::uint32_t>& ContentMap::items_teaching(std::string_view milestone) const {
  auto it = teaching_.find(milestone);
  return it == teaching_.end() ? kNone : it->second;
}
const std::vector<std::uint32_t>& ContentMap::paths_for_segment(std::string_view segment) const {
  auto it = segment_path_idx_.find(segment);
  return it == segment_path_idx_.end() ? kNone : it->second;
}

// Reads the documents into a ContentMap, collecting every problem.
class ContentMapBuilder {
 public:
  explicit ContentMapBuilder(const ContentRefs& refs) : refs_(refs) {}

  void read(const std::string& file, const json& doc) {
    file_ = file;
    if (!doc.is_object()) return error(file, "expected a JSON object");
    for (const auto& [key, v] : doc.items()) {
      if (key == "items") list(v, key, [&](const json& o, const std::string& at) { item(o, at); });
      else if (key == "paths") list(v, key, [&](const json& o, const std::string& at) { path(o, at); });
      else if (key == "collections") list(v, key, [&](const json& o, const std::string& at) { collection(o, at); });
      else if (key == "segment_paths") segment_paths(v);
      else if (key == "programs" || key == "id" || key == "title" || key == "description") continue;  // programs: cohorts module
      else error(file, fmt::format("unknown top-level field '{}' (expected items, paths, collections, "
                                   "segment_paths, programs)", key));
    }
  }

  Result<ContentMap> finish() {
    auto& m = map_;
    std::sort(m.items_.begin(), m.items_.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    for (std::uint32_t i = 0; i < m.items_.size(); ++i) m.item_by_id_[m.items_[i].id] = i;
    for (std::uint32_t i = 0; i < m.items_.size(); ++i) {
      auto& it = m.items_[i];
      std::string where = fmt::format("{}: item '{}'", item_file_[it.id], it.id);
      for (const auto& p : it.prerequisites) {
        auto idx = m.item_index(p);
        if (idx == ContentMap::npos) error(where, fmt::format("prerequisite '{}' is not a catalog item", p));
        else if (idx == i) error(where, "lists itself as a prerequisite");
        else it.prerequisite_idx.push_back(idx);
      }
      for (const auto& ms : it.teaches) {
        if (!refs_.milestones.empty() && !contains(refs_.milestones, ms))
          error(where, fmt::format("teaches '{}', which is not a milestone of the graph", ms));
        auto& v = m.teaching_[ms];
        if (v.empty() || v.back() != i) v.push_back(i);
      }
    }
    check_prerequisite_cycles();
    link(m.paths_, "path", [](CatalogItem& it) -> auto& { return it.in_paths; });
    link(m.collections_, "collection", [](CatalogItem& it) -> auto& { return it.in_collections; });
    for (std::uint32_t i = 0; i < m.paths_.size(); ++i) {
      if (m.path_by_id_.count(m.paths_[i].id)) error(container_file_["path:" + m.paths_[i].id],
                                                     fmt::format("path '{}': duplicate path id", m.paths_[i].id));
      m.path_by_id_.emplace(m.paths_[i].id, i);
    }
    for (const auto& [seg, paths] : m.segment_paths_) {
      std::string where = fmt::format("{}: segment_paths '{}'", segment_file_[seg], seg);
      if (!refs_.segments.empty() && !contains(refs_.segments, seg)) error(where, "unknown segment");
      auto& idx = m.segment_path_idx_[seg];
      for (const auto& p : paths) {
        auto pi = m.path_index(p);
        if (pi == ContentMap::npos) error(where, fmt::format("path '{}' is not defined", p));
        else idx.push_back(pi);
      }
    }
    if (!errors_.empty()) {
      std::string msg;
      for (const auto& e : errors_) msg += (msg.empty() ? "" : "\n") + e;
      return Status::InvalidArgument(msg);
    }
    return std::move(map_);
  }

 private:
  const ContentRefs& refs_;
  ContentMap map_;
  std::string file_;
  std::vector<std::string> errors_;
  std::unordered_map<std::string, std::string> item_file_, container_file_, segment_file_;

  void error(const std::string& where, const std::string& msg) { errors_.push_back(where + ": " + msg); }

  template <typename F>
  void list(const json& v, const std::string& key, F each) {
    if (!v.is_array()) return error(file_, fmt::format("{}: expected a list", key));
    for (std::size_t i = 0; i < v.size(); ++i) each(v[i], fmt::format("{}[{}]", key, i));
  }

  // The required id of an object, or empty after reporting the problem.
  std::string id_of(const json& o, const std::string& at) {
    if (!o.is_object()) {
      error(file_, at + ": expected an object");
      return {};
    }
    if (!o.contains("id") || !o["id"].is_string() || o["id"].get_ref<const std::string&>().empty()) {
      error(file_, at + ": required field 'id' is missing or not a non-empty string");
      return {};
    }
    return o["id"].get<std::string>();
  }

  std::string text(const json& v, const std::string& where, const std::string& key) {
    if (!v.is_string()) {
      error(where, fmt::format("{}: expected a string, got {}", key, config::brief(v)));
      return {};
    }
    return v.get<std::string>();
  }

  std::vector<std::string> texts(const json& v, const std::string& where, const std::string& key) {
    std::vector<std::string> out;
    if (!v.is_array()) {
      error(where, fmt::format("{}: expected a list of strings, got {}", key, config::brief(v)));
      return out;
    }
    for (const auto& s : v) {
      if (!s.is_string() || s.get_ref<const std::string&>().empty())
        error(where, fmt::format("{}: expected non-empty strings, got {}", key, config::brief(s)));
      else out.push_back(s.get<std::string>());
    }
    return out;
  }

  void item(const json& o, const std::string& at) {
    std::string id = id_of(o, at);
    if (id.empty()) return;
    std::string where = fmt::format("{}: item '{}'", file_, id);
    if (item_file_.count(id)) return error(where, fmt::format("duplicate item id (first defined in {})", item_file_[id]));
    item_file_[id] = file_;
    CatalogItem it;
    it.id = id;
    bool has_audiences = false;
    for (const auto& [key, v] : o.items()) {
      if (key == "id" || key == "description" || key == "url" || key == "tags") continue;
      if (key == "title") it.title = text(v, where, key);
      else if (key == "badge") it.badge = text(v, where, key);
      else if (key == "type") {
        auto t = parse_item_type(text(v, where, key));
        if (!t) error(where, fmt::format("type: unknown item type {} (expected course, path, live, article)", config::brief(v)));
        else it.type = *t;
      } else if (key == "minutes") {
        if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 100000)
          error(where, fmt::format("minutes: expected a whole number of minutes >= 0, got {}", config::brief(v)));
        else it.minutes = v.get<int>();
      } else if (key == "teaches") it.teaches = texts(v, where, key);
      else if (key == "roles") it.roles = texts(v, where, key);
      else if (key == "prerequisites") it.prerequisites = texts(v, where, key);
      else if (key == "audiences") {
        has_audiences = true;
        for (const auto& a : texts(v, where, key)) {
          if (auto aud = parse_audience(a)) it.audiences.push_back(*aud);
          else error(where, fmt::format("audiences: unknown audience '{}' (expected customer, trial, partner, employee)", a));
        }
        if (v.is_array() && v.empty()) error(where, "audiences: an empty list would hide the item from everyone");
      } else {
        error(where, fmt::format("unknown field '{}'", key));
      }
    }
    if (it.title.empty()) it.title = it.id;
    if (!has_audiences) it.audiences = {Audience::kCustomer};
    for (Audience a : it.audiences) it.audience_mask |= audience_bit(a);
    map_.items_.push_back(std::move(it));
  }

  template <typename C>
  void container_common(C& c, const json& o, const std::string& where, const std::string& key) {
    if (key == "title") c.title = text(o[key], where, key);
    else if (key == "badge") c.badge = text(o[key], where, key);
    else if (key == "items") {
      c.items = texts(o[key], where, key);
      if (c.items.empty()) error(where, "items: expected at least one item");
    } else error(where, fmt::format("unknown field '{}'", key));
  }

  void path(const json& o, const std::string& at) {
    std::string id = id_of(o, at);
    if (id.empty()) return;
    std::string where = fmt::format("{}: path '{}'", file_, id);
    container_file_["path:" + id] = file_;
    LearningPath p;
    p.id = id;
    for (const auto& [key, v] : o.items())
      if (key != "id" && key != "description") container_common(p, o, where, key);
    if (!o.contains("items")) error(where, "required field 'items' is missing");
    map_.paths_.push_back(std::move(p));
  }

  void collection(const json& o, const std::string& at) {
    std::string id = id_of(o, at);
    if (id.empty()) return;
    std::string where = fmt::format("{}: collection '{}'", file_, id);
    if (container_file_.count("collection:" + id)) return error(where, "duplicate collection id");
    container_file_["collection:" + id] = file_;
    Collection c;
    c.id = id;
    for (const auto& [key, v] : o.items()) {
      if (key == "id" || key == "description") continue;
      if (key == "roles") c.roles = texts(v, where, key);
      else container_common(c, o, where, key);
    }
    if (!o.contains("items")) error(where, "required field 'items' is missing");
    map_.collections_.push_back(std::move(c));
  }

  void segment_paths(const json& v) {
    if (!v.is_object()) return error(file_, "segment_paths: expected an object {segment: [path, ...]}");
    for (const auto& [seg, paths] : v.items()) {
      std::string where = fmt::format("{}: segment_paths '{}'", file_, seg);
      if (segment_file_.count(seg)) {
        error(where, fmt::format("segment mapped twice (first in {})", segment_file_[seg]));
        continue;
      }
      segment_file_[seg] = file_;
      map_.segment_paths_.emplace_back(seg, texts(paths, where, "paths"));
    }
  }

  // Fills item_idx of every path/collection and the back-references on the items.
  template <typename C, typename Back>
  void link(std::vector<C>& containers, const char* kind, Back back) {
    for (std::uint32_t ci = 0; ci < containers.size(); ++ci) {
      auto& c = containers[ci];
      std::string where = fmt::format("{}: {} '{}'", container_file_[std::string(kind) + ":" + c.id], kind, c.id);
      std::set<std::string> seen;
      for (std::uint32_t pos = 0; pos < c.items.size(); ++pos) {
        auto idx = map_.item_index(c.items[pos]);
        if (idx == ContentMap::npos) {
          error(where, fmt::format("item '{}' is not a catalog item", c.items[pos]));
          continue;
        }
        if (!seen.insert(c.items[pos]).second) {
          error(where, fmt::format("item '{}' appears twice", c.items[pos]));
          continue;
        }
        back(map_.items_[idx]).push_back(Placement{ci, static_cast<std::uint32_t>(c.item_idx.size())});
        c.item_idx.push_back(idx);
      }
    }
  }

  void check_prerequisite_cycles() {
    // Iterative colouring DFS over prerequisite edges; reports each cycle once by its entry item.
    const auto& items = map_.items_;
    std::vector<int> colour(items.size(), 0);
    for (std::uint32_t start = 0; start < items.size(); ++start) {
      if (colour[start]) continue;
      std::vector<std::pair<std::uint32_t, std::size_t>> stack{{start, 0}};
      colour[start] = 1;
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next < items[node].prerequisite_idx.size()) {
          std::uint32_t to = items[node].prerequisite_idx[next++];
          if (colour[to] == 1) {
            error(fmt::format("{}: item '{}'", item_file_[items[to].id], items[to].id),
                  fmt::format("prerequisite cycle through '{}'", items[node].id));
          } else if (colour[to] == 0) {
            colour[to] = 1;
            stack.emplace_back(to, 0);
          }
        } else {
          colour[node] = 2;
          stack.pop_back();
        }
      }
    }
  }
};

Result<ContentMap> build_content_map(const std::vector<std::pair<std::string, json>>& docs, const ContentRefs& refs) {
  ContentMapBuilder b(refs);
  for (const auto& [name, doc] : docs) b.read(name, doc);
  return b.finish();
}

Result<ContentMap> load_content_map(const std::string& path, const ContentRefs& refs) {
  auto files = config::json_files_at(path);
  if (!files.ok()) return files.status();
  std::vector<std::pair<std::string, json>> docs;
  for (const auto& f : *files) {
    auto doc = config::read_json_file(f);
    if (!doc.ok()) return doc.status();
    docs.emplace_back(f, std::move(*doc));
  }
  return build_content_map(docs, refs);
}

}  // namespace uplift::recommend
