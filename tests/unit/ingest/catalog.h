// The bad-input catalog (tests/data/bad): each case is an input file plus NN_name.expected:
//   # free text; "# kind: K" forces --kind; "# generate: long_line N" makes the input
//   accepted: event=2 account=1     valid records per kind (kinds not listed: 0)
//   duplicates: event=1             optional: in-input duplicates per kind
//   rejected: learner=1 unknown=1   optional: rejected lines per kind
//   3: ts: reason                   the exact rejections, in order
//   warning 4: id: reason           the exact warnings, in order
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace catalog {

struct Case {
  std::string name;
  std::filesystem::path input;  // empty for generated inputs
  std::string ext;              // "ndjson" or "csv"
  std::optional<std::string> kind;
  std::size_t long_line = 0;  // > 0: generated input with a line this long
  std::map<std::string, long long> accepted, duplicates, rejected_by_kind;
  bool has_rejected_by_kind = false;
  std::vector<std::string> rejections, warnings;
};

std::filesystem::path source_dir();
std::vector<Case> load_cases(const std::filesystem::path& dir);
// Writes the input of a generated case to `path`.
void generate_input(const Case& c, const std::filesystem::path& path);

}  // namespace catalog
