#include "milestones/topology.h"

#include <algorithm>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/topological_sort.hpp>

namespace uplift::milestones {
namespace {

using DepGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
using Vertex = boost::graph_traits<DepGraph>::vertex_descriptor;
using Edge = boost::graph_traits<DepGraph>::edge_descriptor;

// Records DFS tree parents and the first back edge, which closes a cycle.
struct CycleFinder : boost::default_dfs_visitor {
  std::vector<Vertex>* parent;
  std::optional<std::pair<Vertex, Vertex>>* back;
  void tree_edge(Edge e, const DepGraph& g) const { (*parent)[boost::target(e, g)] = boost::source(e, g); }
  void back_edge(Edge e, const DepGraph& g) const {
    if (!*back) *back = std::make_pair(boost::source(e, g), boost::target(e, g));
  }
};

}  // namespace

std::optional<std::vector<int>> find_cycle_and_order(const std::vector<std::vector<int>>& deps,
                                                     std::vector<int>& order) {
  DepGraph g(deps.size());
  for (std::size_t v = 0; v < deps.size(); ++v)
    for (int d : deps[v]) boost::add_edge(v, static_cast<Vertex>(d), g);

  std::vector<Vertex> parent(deps.size());
  for (std::size_t v = 0; v < deps.size(); ++v) parent[v] = v;
  std::optional<std::pair<Vertex, Vertex>> back;
  CycleFinder finder;
  finder.parent = &parent;
  finder.back = &back;
  boost::depth_first_search(g, boost::visitor(finder));
  if (back) {
    // back edge u → v: v is an ancestor of u in the DFS tree; the cycle is v → … → u → v.
    auto [u, v] = *back;
    std::vector<int> path;
    for (Vertex x = u; x != v; x = parent[x]) path.push_back(static_cast<int>(x));
    path.push_back(static_cast<int>(v));
    std::reverse(path.begin(), path.end());
    path.push_back(static_cast<int>(v));
    return path;
  }
  // topological_sort emits vertices in reverse topological order of the edges (v before the
  // vertices that point at it), which is exactly "requirements first".
  std::vector<Vertex> out;
  boost::topological_sort(g, std::back_inserter(out));
  order.assign(out.begin(), out.end());
  return std::nullopt;
}

}  // namespace uplift::milestones
