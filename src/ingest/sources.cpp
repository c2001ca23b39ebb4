#include "ingest/sources.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace uplift::ingest {

using nlohmann::json;

const Source* SourceSet::find(std::string_view name) const {
  for (const auto& s : sources)
    if (s.name == name) return &s;
  return nullptr;
}

void parse_sources(const json& doc, const std::string& file, const SourceEnv& env, SourceSet& out,
                   std::vector<std::string>& problems) {
  if (!doc.is_object() || !doc.contains("sources") || !doc["sources"].is_array()) {
    problems.push_back(file + ": expected {\"sources\": [...]}");
    return;
  }
  for (auto it = doc.begin(); it != doc.end(); ++it)
    if (it.key() != "sources" && it.key() != "description")
      problems.push_back(fmt::format("{}: unknown key '{}' (sources, description)", file, it.key()));
  const json& list = doc["sources"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& j = list[i];
    std::string name = j.is_object() && j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>()
                                                                                  : fmt::format("#{}", i + 1);
    auto bad = [&](std::string_view field, std::string_view why) {
      problems.push_back(fmt::format("{}: source \"{}\": {}: {}", file, name, field, why));
    };
    if (!j.is_object()) {
      bad("", "must be an object");
      continue;
    }
    const std::size_t before = problems.size();
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "name" && it.key() != "type" && it.key() != "token" && it.key() != "description")
        bad(it.key(), "unknown key (known: name, type, token, description)");
    if (name.empty() || name.size() > 64 || !std::all_of(name.begin(), name.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        }))
      bad("name", "required: a-z, 0-9, '-' or '_' (at most 64)");
    const std::string type = j.value("type", "");
    if (type != "skilljar" && type != "docebo")
      bad("type", fmt::format("must be skilljar or docebo, got {}", j.contains("type") ? j["type"].dump() : "nothing"));
    std::string token;
    if (!j.contains("token") || !j["token"].is_string()) {
      bad("token", "required: a string of at least 32 characters, or \"env:NAME\"");
    } else {
      token = j["token"].get<std::string>();
      if (token.rfind("env:", 0) == 0) {
        auto v = env ? env(token.substr(4)) : std::nullopt;
        if (!v || v->empty()) bad("token", fmt::format("environment variable {} is not set", token.substr(4)));
        token = v.value_or("");
      }
      if (!token.empty() && (token.size() < 32 || token.size() > 256 ||
                             !std::all_of(token.begin(), token.end(), [](char c) {
                               return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
                             })))
        bad("token", "must be 32 to 256 letters, digits, '-' or '_' (it travels in the URL path): `openssl rand -hex 24`");
    }
    if (out.find(name)) bad("name", "defined twice");
    if (problems.size() == before) out.sources.push_back({name, type, token, file});
  }
}

Result<SourceSet> load_sources(const std::filesystem::path& dir, const SourceEnv& env_lookup) {
  namespace fs = std::filesystem;
  const SourceEnv env = env_lookup ? env_lookup : [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  if (ec) return Status::InvalidArgument(fmt::format("{}: cannot be listed: {}", dir.string(), ec.message()));
  std::sort(files.begin(), files.end());
  SourceSet out;
  std::vector<std::string> problems;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in) {
      problems.push_back(f.string() + ": cannot be read");
      continue;
    }
    json doc;
    try {
      doc = json::parse(ss.str());
    } catch (const json::parse_error& e) {  // its message names the line and column
      problems.push_back(fmt::format("{}: {}", f.string(), e.what()));
      continue;
    }
    parse_sources(doc, f.string(), env, out, problems);
  }
  if (!problems.empty()) return Status::InvalidArgument(fmt::format("{}", fmt::join(problems, "\n")));
  return out;
}

bool token_matches(std::string_view presented, std::string_view configured) {
  unsigned char diff = presented.size() == configured.size() ? 0 : 1;
  for (std::size_t i = 0; i < configured.size(); ++i)
    diff |= static_cast<unsigned char>(configured[i] ^ (i < presented.size() ? presented[i] : 0));
  return diff == 0 && !configured.empty();
}

}  // namespace uplift::ingest
