#include "ingest/sources.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace uplift::ingest {

using nlohmann::json;

namespace {
// "whsec_" and base64 of at least 16 bytes (Standard Webhooks secrets are 24 to 64 bytes).
bool valid_whsec(const std::string& s) {
  if (s.rfind("whsec_", 0) != 0 || s.size() < 6 + 24) return false;
  return std::all_of(s.begin() + 6, s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
  });
}
}  // namespace

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
    const std::string type = j.value("type", "");
    const bool signed_source = type == "standard-webhooks";
    static const std::set<std::string> kKeys = {"name", "type", "token", "description", "fields"};
    static const std::set<std::string> kSignedKeys = {"name", "type", "token", "description", "secret",
                                                      "tolerance_seconds", "event_type", "alias", "events"};
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!(signed_source ? kSignedKeys : kKeys).count(it.key()))
        bad(it.key(), signed_source ? "unknown key (known: name, type, token, description, secret, tolerance_seconds, "
                                      "event_type, alias, events)"
                                    : "unknown key (known: name, type, token, description, fields)");
    if (name.empty() || name.size() > 64 || !std::all_of(name.begin(), name.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        }))
      bad("name", "required: a-z, 0-9, '-' or '_' (at most 64)");
    if (type != "skilljar" && type != "docebo" && !signed_source)
      bad("type", fmt::format("must be skilljar, docebo or standard-webhooks, got {}", j.contains("type") ? j["type"].dump() : "nothing"));
    if (signed_source && (name == "skilljar" || name == "docebo"))
      bad("name", "skilljar and docebo are the built-in endpoints' paths; name this source otherwise");
    auto from_env = [&](std::string value, const char* field) {
      if (value.rfind("env:", 0) != 0) return value;
      auto v = env ? env(value.substr(4)) : std::nullopt;
      if (!v || v->empty()) bad(field, fmt::format("environment variable {} is not set", value.substr(4)));
      return v.value_or("");
    };
    std::string token;
    if (!j.contains("token") && signed_source) {
      // optional: the signature authenticates
    } else if (!j.contains("token") || !j["token"].is_string()) {
      bad("token", "required: a string of at least 32 characters, or \"env:NAME\"");
    } else {
      token = from_env(j["token"].get<std::string>(), "token");
      if (!token.empty() && (token.size() < 32 || token.size() > 256 ||
                             !std::all_of(token.begin(), token.end(), [](char c) {
                               return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
                             })))
        bad("token", "must be 32 to 256 letters, digits, '-' or '_' (it travels in the URL path): `openssl rand -hex 24`");
    }
    Source src;
    src.name = name;
    src.type = type;
    src.token = token;
    src.file = file;
    if (auto f = j.find("fields"); f != j.end() && !signed_source) {
      static const std::set<std::string> kSkilljar = {"content", "account", "COURSE_COMPLETION.content",
                                                      "LESSON_COMPLETION.content", "PATH_COMPLETION.content",
                                                      "COURSE_ENROLLMENT.content"};
      static const std::set<std::string> kDocebo = {"content"};
      const auto& known = type == "docebo" ? kDocebo : kSkilljar;
      if (!f->is_object()) {
        bad("fields", "expected an object from field to a dotted path in the payload");
      } else {
        for (const auto& item : f->items()) {
          if (!known.count(item.key())) {
            bad("fields." + item.key(), fmt::format("not a field a {} payload can override (known: {})", type,
                                                     fmt::join(known, ", ")));
            continue;
          }
          const std::string path = item.value().is_string() ? item.value().get<std::string>() : std::string();
          if (path.empty() || path.size() > 200 || path.front() == '.' || path.back() == '.' ||
              path.find("..") != std::string::npos ||
              std::any_of(path.begin(), path.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; }))
            bad("fields." + item.key(), "expected a dotted path in the payload (\"course.published_course_id\")");
          else
            src.fields.paths[item.key()] = path;
        }
      }
    }
    if (signed_source) {
      std::vector<std::string> secrets;
      if (j.contains("secret") && j["secret"].is_string()) secrets.push_back(j["secret"].get<std::string>());
      else if (j.contains("secret") && j["secret"].is_array())
        for (const auto& v : j["secret"]) secrets.push_back(v.is_string() ? v.get<std::string>() : std::string());
      if (secrets.empty()) bad("secret", "required: the signing secret (\"whsec_…\" or \"env:NAME\"), or a list of them");
      if (j.contains("secret") && j["secret"].is_array())
        for (const auto& v : j["secret"])
          if (!v.is_string() || v.get<std::string>().empty()) bad("secret", "every entry must be a non-empty string");
      if (j.contains("secret") && j["secret"].is_string() && j["secret"].get<std::string>().empty())
        bad("secret", "must not be empty: a signed source without a secret would accept anything");
      for (auto& sec : secrets) {
        if (sec.empty()) continue;
        sec = from_env(sec, "secret");
        if (sec.empty()) continue;
        if (!valid_whsec(sec)) bad("secret", "must be \"whsec_\" followed by base64 (as the LMS shows it)");
        else src.secrets.push_back(sec);
      }
      if (auto t = j.find("tolerance_seconds"); t != j.end()) {
        if (!t->is_number_integer() || t->get<long long>() < 1 || t->get<long long>() > 3600)
          bad("tolerance_seconds", "expected an integer from 1 to 3600");
        else src.tolerance_seconds = t->get<long long>();
      }
      parse_webhook_mapping(j, fmt::format("{}: source \"{}\"", file, name), name, src.mapping, problems);
    }
    if (out.find(name)) bad("name", "defined twice");
    if (problems.size() == before) out.sources.push_back(std::move(src));
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
