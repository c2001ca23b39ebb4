// Dependency order of milestones, with Boost.Graph: a topological order (requirements first) or
// the path of one cycle when there is none. Internal to the loader; exposed for tests.
#pragma once

#include <optional>
#include <vector>

namespace uplift::milestones {

// deps[v] lists the vertices v reads (its requires and gate operands). On success fills `order`
// (every vertex after the ones it reads) and returns nullopt; otherwise returns one cycle as a
// closed path v0 → v1 → … → v0 (v0 repeated at the end), following deps edges.
std::optional<std::vector<int>> find_cycle_and_order(const std::vector<std::vector<int>>& deps,
                                                     std::vector<int>& order);

}  // namespace uplift::milestones
