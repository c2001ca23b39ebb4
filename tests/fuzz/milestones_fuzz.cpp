// Fuzz target: the milestone graph loader (JSON text → validated graph, every problem reported).
// Invariants: a graph is returned exactly when there are no problems, every problem names the
// source, and a loaded graph renders (JSON view, DOT, Mermaid) without failing.
#include <cstdlib>
#include <string_view>

#include "milestones/graph.h"
#include "milestones/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace uplift::milestones;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto load = parse_graph_text(text, "fuzz.json");
  if (load.graph.has_value() != load.problems.empty()) std::abort();
  for (const auto& p : load.problems)
    if (p.find("fuzz.json") == std::string::npos) std::abort();
  if (load.graph) {
    (void)to_dot(*load.graph);
    (void)to_mermaid(*load.graph);
    (void)to_json(*load.graph).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return 0;
}
