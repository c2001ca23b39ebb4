#include "catalog.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace catalog {
namespace fs = std::filesystem;

fs::path source_dir() {
  if (const char* env = std::getenv("UPLIFT_SOURCE_DIR")) return env;
  return UPLIFT_SOURCE_DIR;
}

static std::map<std::string, long long> parse_counts(const std::string& rest) {
  std::map<std::string, long long> out;
  std::istringstream in(rest);
  std::string tok;
  while (in >> tok) {
    auto eq = tok.find('=');
    if (eq == std::string::npos) throw std::runtime_error("bad count: " + tok);
    out[tok.substr(0, eq)] = std::stoll(tok.substr(eq + 1));
  }
  return out;
}

std::vector<Case> load_cases(const fs::path& dir) {
  std::vector<Case> cases;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".expected") continue;
    Case c;
    c.name = entry.path().stem().string();
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("# kind: ", 0) == 0) c.kind = line.substr(8);
      else if (line.rfind("# generate: long_line ", 0) == 0) c.long_line = std::stoul(line.substr(22));
      else if (line.empty() || line[0] == '#') continue;
      else if (line.rfind("accepted:", 0) == 0) c.accepted = parse_counts(line.substr(9));
      else if (line.rfind("duplicates:", 0) == 0) c.duplicates = parse_counts(line.substr(11));
      else if (line.rfind("rejected:", 0) == 0) {
        c.rejected_by_kind = parse_counts(line.substr(9));
        c.has_rejected_by_kind = true;
      } else if (line.rfind("warning ", 0) == 0) c.warnings.push_back(line.substr(8));
      else if (std::isdigit(static_cast<unsigned char>(line[0]))) c.rejections.push_back(line);
      else throw std::runtime_error(entry.path().string() + ": cannot read line: " + line);
    }
    for (const char* ext : {"ndjson", "csv"}) {
      fs::path p = entry.path().parent_path() / (c.name + "." + ext);
      if (fs::exists(p)) {
        c.input = p;
        c.ext = ext;
      }
    }
    if (c.long_line) c.ext = "ndjson";
    if (c.input.empty() && !c.long_line) throw std::runtime_error(c.name + ": no input file");
    cases.push_back(std::move(c));
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

void generate_input(const Case& c, const fs::path& path) {
  std::ofstream out(path, std::ios::binary);
  out << R"({"kind":"event","id":"g1","account":"acme","name":"login","ts":"2026-03-01T12:00:00Z"})" << "\n";
  std::string pad(c.long_line, 'x');
  out << R"({"kind":"event","id":"g2","account":"acme","name":"login","ts":"2026-03-01T12:00:00Z","pad":")" << pad
      << "\"}\n";
  out << R"({"kind":"event","id":"g3","account":"acme","name":"login","ts":"2026-03-01T12:00:00Z"})" << "\n";
}

}  // namespace catalog
