// Reading a JSON configuration file (segment catalogs, content maps) with errors that name the
// file, line and column: "segments/default.json:12:5: syntax error ...". Explicit I/O for the
// loaders only; the evaluation code never reads files.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace uplift::config {

// Parses `text` (the contents of `name`); the error names name:line:col.
Result<nlohmann::json> parse_json_text(const std::string& text, const std::string& name);
// Reads and parses one file.
Result<nlohmann::json> read_json_file(const std::string& path);
// `path` itself when it is a file, or every *.json directly inside it, sorted by name.
Result<std::vector<std::string>> json_files_at(const std::string& path);

// A JSON value rendered briefly for messages: "\"foo\"", "12", "[...]".
std::string brief(const nlohmann::json& v);

}  // namespace uplift::config
