// Fuzz target: the content map loader (catalog items, paths, collections, segment paths) and its
// reference validation and index building.
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "recommend/content_map.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace uplift::recommend;
  auto doc = nlohmann::json::parse(data, data + size, nullptr, false);
  if (doc.is_discarded()) return 0;
  ContentRefs refs;
  if (size > 0 && data[size - 1] % 2 == 0) {
    refs.milestones = {"workspace_created", "first_workflow", "workflow_published"};
    refs.segments = {"new_admins", "legal_only"};
  }
  auto map = build_content_map({{"fuzz.json", doc}}, refs);
  if (!map.ok()) {
    if (map.status().message().find("fuzz.json") == std::string::npos) std::abort();
    return 0;
  }
  // The precomputed indexes must point inside the map.
  const auto& items = map->items();
  for (std::uint32_t i = 0; i < items.size(); ++i) {
    if (map->item_index(items[i].id) != i) std::abort();
    for (auto p : items[i].prerequisite_idx)
      if (p >= items.size()) std::abort();
    for (const auto& m : items[i].teaches)
      for (auto t : map->items_teaching(m))
        if (t >= items.size()) std::abort();
  }
  for (const auto& path : map->paths())
    for (auto idx : path.item_idx)
      if (idx >= items.size()) std::abort();
  for (const auto& [segment, paths] : map->segment_paths())
    for (auto p : map->paths_for_segment(segment))
      if (p >= map->paths().size()) std::abort();
  return 0;
}
