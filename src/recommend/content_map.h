// The content map: what the education team can recommend, and how it hangs together.
//
// Catalog items (courses, paths, live sessions, articles) say which milestones they teach, which
// roles and audiences may see them, which items must be completed first, and the badge they
// award. Learning paths order items; role-based collections group them (and may award a badge);
// `segment_paths` sends each segment to its paths. Accelerator `programs` live in the same file
// but belong to the cohorts module; this loader accepts and ignores them.
//
// A loaded ContentMap is immutable and carries indexes precomputed for the recommendation hot
// path (item by id, items teaching a milestone, paths and collections containing an item).
// Audiences are a bitmask; an item without `audiences` is customer-only (the conservative
// default: trial, partner and employee Panoramas see only content marked for them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/records.h"
#include "core/status.h"

namespace uplift::recommend {

enum class ItemType { kCourse, kPath, kLive, kArticle };
// "course", "path", "live", "article" (content maps, the API), and back; nullopt for any other.
std::string_view item_type_name(ItemType t);
std::optional<ItemType> parse_item_type(std::string_view s);

using AudienceMask = std::uint8_t;
inline AudienceMask audience_bit(Audience a) { return static_cast<AudienceMask>(1u << static_cast<int>(a)); }

struct Placement {
  std::uint32_t container;  // index into paths or collections
  std::uint32_t position;   // 0-based position inside it
};

struct CatalogItem {
  std::string id, title;
  ItemType type = ItemType::kCourse;
  int minutes = 0;
  std::vector<std::string> teaches;        // milestone ids
  std::vector<std::string> roles;          // empty: every role
  std::vector<Audience> audiences;         // as written (default: customer)
  std::vector<std::string> prerequisites;  // item ids
  std::string badge;                       // empty: none
  // Precomputed at load.
  AudienceMask audience_mask = 0;
  std::vector<std::uint32_t> prerequisite_idx;
  std::vector<Placement> in_paths, in_collections;
};

struct LearningPath {
  std::string id, title, badge;
  std::vector<std::string> items;
  std::vector<std::uint32_t> item_idx;
};

struct Collection {
  std::string id, title, badge;
  std::vector<std::string> roles;  // empty: every role
  std::vector<std::string> items;
  std::vector<std::uint32_t> item_idx;
};

class ContentMap {
 public:
  static constexpr std::uint32_t npos = static_cast<std::uint32_t>(-1);

  const std::vector<CatalogItem>& items() const { return items_; }      // sorted by id
  const std::vector<LearningPath>& paths() const { return paths_; }     // file order
  const std::vector<Collection>& collections() const { return collections_; }
  // Segment id -> path ids, in the order written.
  const std::vector<std::pair<std::string, std::vector<std::string>>>& segment_paths() const {
    return segment_paths_;
  }

  std::uint32_t item_index(std::string_view id) const;
  std::uint32_t path_index(std::string_view id) const;
  // Items (indices, ascending) that teach a milestone; empty when none.
  const std::vector<std::uint32_t>& items_teaching(std::string_view milestone) const;
  // Path indices for a segment id; empty when the segment has no paths.
  const std::vector<std::uint32_t>& paths_for_segment(std::string_view segment) const;

 private:
  friend class ContentMapBuilder;
  std::vector<CatalogItem> items_;
  std::vector<LearningPath> paths_;
  std::vector<Collection> collections_;
  std::vector<std::pair<std::string, std::vector<std::string>>> segment_paths_;
  // Looked up by string_view without making a string (C++20 heterogeneous lookup).
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <typename V>
  using ById = std::unordered_map<std::string, V, IdHash, std::equal_to<>>;
  ById<std::uint32_t> item_by_id_, path_by_id_;
  ById<std::vector<std::uint32_t>> teaching_, segment_path_idx_;
};

// What references may point at; an empty list means "do not check that kind".
struct ContentRefs {
  std::vector<std::string> milestones;
  std::vector<std::string> segments;
};

// Parses content map documents (one per file; items, paths and collections merge across files),
// validates every reference and builds the indexes. All problems are reported at once, each
// naming the file and the item/path/collection/segment.
Result<ContentMap> build_content_map(const std::vector<std::pair<std::string, nlohmann::json>>& docs,
                                     const ContentRefs& refs);
// A file, or every *.json in a directory (sorted by name).
Result<ContentMap> load_content_map(const std::string& path, const ContentRefs& refs = {});

}  // namespace uplift::recommend
