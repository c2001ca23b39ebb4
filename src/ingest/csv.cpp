#include "ingest/csv.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/record_json.h"
#include "ingest/ndjson.h"
#include "ingest/utf8.h"

namespace uplift::ingest {
namespace {

using json = nlohmann::json;

const std::array<std::set<std::string, std::less<>>, kRecordKindCount> kFields = {{
    {"id", "name", "plan", "tier", "arr", "csm", "renewal_date", "created_at", "audience", "aliases"},
    {"id", "account", "email", "role", "access_level", "created_at", "audience", "departed_at", "aliases"},
    {"id", "account", "name", "ts", "learner", "qty"},
    {"id", "learner", "content", "ts", "status", "score"},
    {"learner", "program", "session", "ts", "cohort", "attended"},
    {"account", "date", "arr"},
    {"account", "date", "outcome", "arr_before", "arr_after"},
}};

bool is_numeric_field(std::string_view f) {
  return f == "qty" || f == "arr" || f == "score" || f == "session" || f == "arr_before" || f == "arr_after";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string quote_cell(std::string_view s) {
  return "\"" + std::string(s.substr(0, 40)) + (s.size() > 40 ? "…" : "") + "\"";
}

// Converts one cell to the JSON value record_from_json expects; returns a reason on failure.
std::optional<std::string> convert(std::string_view field, const std::string& cell, json& out) {
  if (field == "attended") {
    std::string v(trim(cell));
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    if (v == "true" || v == "yes" || v == "1") out = true;
    else if (v == "false" || v == "no" || v == "0") out = false;
    else return "expected true or false, got " + quote_cell(cell);
    return std::nullopt;
  }
  if (field == "aliases") {  // "skilljar:123|docebo:7": aliases separated by '|'
    out = json::array();
    std::string_view rest = cell;
    while (!rest.empty()) {
      auto bar = rest.find('|');
      std::string_view one = trim(rest.substr(0, bar));
      if (!one.empty()) out.push_back(std::string(one));
      rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
    }
    return std::nullopt;
  }
  if (is_numeric_field(field)) {
    std::string_view v = trim(cell);
    double d = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
    if (ec != std::errc() || p != v.data() + v.size() || v.empty() || !std::isfinite(d))
      return "expected a number, got " + quote_cell(cell);
    out = d;
    return std::nullopt;
  }
  out = cell;
  return std::nullopt;
}

}  // namespace

std::string_view trim_cell(std::string_view s) { return trim(s); }

std::string quoted_cell(std::string_view s) {
  return "\"" + std::string(s.substr(0, 40)) + (s.size() > 40 ? "…" : "") + "\"";
}

bool CsvRecordReader::read(std::vector<std::string>& cells, std::int64_t& start_line, std::string& error) {
  cells.clear();
  error.clear();
  Line line;
  // Skip blank lines between records.
  do {
    if (!reader_.next(line)) return false;
  } while (!line.too_long && trim(line.text).empty());
  start_line = line.number;
  if (line.too_long) {
    error = line_too_long_reason(reader_.max_line());
    return true;
  }
  std::string cell;
  std::size_t total = 0;
  bool quoted = false, in_quotes = false;
  for (;;) {
    std::string_view t = line.text;
    total += t.size() + 1;
    if (total > reader_.max_line() + 1) {
      error = fmt::format("record longer than {} bytes", reader_.max_line());
      return true;
    }
    std::size_t i = 0;
    while (i < t.size()) {
      char c = t[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 < t.size() && t[i + 1] == '"') {
            cell += '"';
            i += 2;
            continue;
          }
          in_quotes = false;
          ++i;
          if (i < t.size() && t[i] != ',') {
            error = fmt::format("unexpected character after the closing quote of cell {}", cells.size() + 1);
            return true;
          }
          continue;
        }
        cell += c;
        ++i;
      } else if (c == ',') {
        cells.push_back(std::move(cell));
        cell.clear();
        quoted = false;
        ++i;
      } else if (c == '"') {
        if (!cell.empty() || quoted) {
          error = fmt::format("stray quote inside unquoted cell {}", cells.size() + 1);
          return true;
        }
        quoted = in_quotes = true;
        ++i;
      } else {
        cell += c;
        ++i;
      }
    }
    if (!in_quotes) break;
    // A quoted cell continues on the next physical line.
    cell += '\n';
    if (!reader_.next(line)) {
      error = fmt::format("unterminated quoted cell {} (the quote opened on line {} is never closed)",
                           cells.size() + 1, start_line);
      return true;
    }
    if (line.too_long) {
      error = fmt::format("record longer than {} bytes", reader_.max_line());
      return true;
    }
  }
  cells.push_back(std::move(cell));
  return true;
}

bool CsvSource::read_header(ParsedItem& out) {
  header_done_ = true;
  std::int64_t line = 0;
  if (!read_record(line)) return false;  // empty file: no records, nothing wrong
  auto fail = [&](std::string reason) {
    dead_ = true;
    out.line = line;
    out.record.reset();
    out.kind = forced_;
    out.field = "header";
    out.reason = std::move(reason) + "; no row of this file was read";
    return true;
  };
  if (!error_.empty()) return fail(error_);
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < cells_.size(); ++i) {
    std::string name(trim(cells_[i]));
    if (find_invalid_utf8(name)) return fail(fmt::format("column {} is not valid UTF-8", i + 1));
    if (name.empty()) return fail(fmt::format("column {} has no name", i + 1));
    if (!seen.insert(name).second) return fail(fmt::format("column \"{}\" appears twice", name));
    if (name == "kind") kind_column_ = static_cast<int>(i);
    columns_.push_back(std::move(name));
  }
  if (kind_column_ < 0 && !forced_) return fail("no \"kind\" column (add one, or pass --kind)");
  return false;
}

void CsvSource::row_to_item(ParsedItem& out) {
  out.record.reset();
  out.field.clear();
  out.reason.clear();
  out.fields = kAllFields;
  out.kind = forced_;
  if (!forced_ && kind_column_ >= 0 && static_cast<std::size_t>(kind_column_) < cells_.size())
    out.kind = parse_kind(trim(cells_[static_cast<std::size_t>(kind_column_)]));
  if (!error_.empty()) {
    out.reason = error_;
    return;
  }
  if (cells_.size() != columns_.size()) {
    out.reason = fmt::format("row has {} cells but the header has {} columns", cells_.size(), columns_.size());
    return;
  }
  for (std::size_t i = 0; i < cells_.size(); ++i) {
    if (auto bad = find_invalid_utf8(cells_[i])) {
      out.field = columns_[i];
      out.reason = fmt::format("not valid UTF-8 (byte 0x{:02X} at byte {} of the cell)",
                               static_cast<unsigned char>(cells_[i][*bad]), *bad + 1);
      return;
    }
  }
  json obj = json::object();
  json props = json::object();
  for (std::size_t i = 0; i < cells_.size(); ++i) {
    const std::string& col = columns_[i];
    const std::string& cell = cells_[i];
    if (cell.empty()) continue;
    if (static_cast<int>(i) == kind_column_) {
      if (!forced_) obj["kind"] = std::string(trim(cell));
      continue;
    }
    bool is_prop = col.rfind("props.", 0) == 0 && col.size() > 6;
    if (out.kind && *out.kind != RecordKind::kEvent) {
      const auto& known = kFields[static_cast<std::size_t>(*out.kind)];
      if (is_prop || !known.count(col)) {
        out.field = col;
        out.reason = fmt::format("unknown column for {} records (it has a value here)", kind_name(*out.kind));
        return;
      }
    }
    if (is_prop) {
      props[col.substr(6)] = cell;
      continue;
    }
    json v;
    if (auto why = convert(col, cell, v)) {
      out.field = col;
      out.reason = *why;
      return;
    }
    obj[col] = std::move(v);
  }
  if (!props.empty()) obj["props"] = std::move(props);
  RecordOrError r = record_from_json(obj, forced_);
  out.fields = r.fields;
  if (r.ok()) {
    out.record = std::move(r.record);
  } else {
    out.field = std::move(r.error.field);
    out.reason = std::move(r.error.reason);
  }
}

bool CsvSource::next(ParsedItem& out) {
  if (dead_) return false;
  if (!header_done_ && read_header(out)) return true;
  if (dead_) return false;
  std::int64_t line = 0;
  if (!read_record(line)) return false;
  out.line = line;
  row_to_item(out);
  return true;
}

}  // namespace uplift::ingest
