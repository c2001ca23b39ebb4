#include "segments/json_source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace uplift::config {

namespace fs = std::filesystem;

Result<nlohmann::json> parse_json_text(const std::string& text, const std::string& name) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based; turn it into line:column for the person fixing the file.
    std::size_t byte = e.byte == 0 ? 0 : e.byte - 1;
    if (byte > text.size()) byte = text.size();
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < byte; ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 3, column 4: ".
    if (auto pos = what.find(": "); pos != std::string::npos && what.rfind("[json.exception", 0) == 0)
      what = what.substr(pos + 2);
    return Status::InvalidArgument(fmt::format("{}:{}:{}: invalid JSON: {}", name, line, col, what));
  } catch (const nlohmann::json::exception& e) {  // out_of_range 406: a number no double holds
    return Status::InvalidArgument(fmt::format("{}: invalid JSON: {}", name, e.what()));
  }
}

Result<nlohmann::json> read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("{}: cannot open file", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_json_text(ss.str(), path);
}

Result<std::vector<std::string>> json_files_at(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return std::vector<std::string>{path};
  if (!fs::is_directory(path, ec)) return Status::NotFound(fmt::format("{}: no such file or directory", path));
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  if (ec) return Status::Unavailable(fmt::format("{}: {}", path, ec.message()));
  std::sort(files.begin(), files.end());
  if (files.empty()) return Status::NotFound(fmt::format("{}: no *.json files", path));
  return files;
}

std::string brief(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

}  // namespace uplift::config
