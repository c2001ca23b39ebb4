// Rows through a map (ingest/csv_map.h): cells → a canonical record, and the source that reads
// an export file with a map and resolves the account or learner it names.
#include <algorithm>

#include <fmt/format.h>

#include "core/record_json.h"
#include "ingest/csv_map.h"
#include "ingest/utf8.h"

namespace uplift::ingest {
namespace {

using json = nlohmann::json;
using Type = FieldRule::Type;

bool blank(const CsvMap& map, std::string_view cell) {
  std::string_view t = trim_cell(cell);
  if (t.empty()) return true;
  if (map.empty_values.empty()) return false;
  std::string l = ascii_lower(t);
  return std::find(map.empty_values.begin(), map.empty_values.end(), l) != map.empty_values.end();
}

// `field (column "Amount")`: how a problem names the rule and the column it read.
std::string label(const FieldRule& r, int which) {
  if (r.columns.empty()) return r.field + " (constant)";
  if (which >= 0) return fmt::format("{} (column \"{}\")", r.field, r.columns[static_cast<std::size_t>(which)]);
  std::vector<std::string> q;
  for (const auto& c : r.columns) q.push_back("\"" + c + "\"");
  return fmt::format("{} (column {})", r.field, fmt::join(q, " or "));
}

// One cell read as the rule's type; a reason when it cannot be.
std::optional<std::string> convert(const CsvMap& map, const FieldRule& r, std::string_view cell, json& out) {
  std::string_view t = trim_cell(cell);
  if (!r.values.empty()) {
    std::string key = ascii_lower(t);
    for (const auto& [from, to] : r.values)
      if (from == key) {
        out = to;
        return std::nullopt;
      }
    if (r.type == Type::kEnum) {
      std::string v = ascii_lower(t);
      bool ok = r.field == "audience"  ? parse_audience(v).has_value()
                : r.field == "status"  ? parse_completion_status(v).has_value()
                                       : parse_renewal_outcome(v).has_value();
      if (ok) {
        out = v;
        return std::nullopt;
      }
      std::vector<std::string> keys;
      for (const auto& [from, to] : r.values) keys.push_back("\"" + from + "\"");
      return fmt::format("{} is not one of {}", quoted_cell(t), fmt::join(keys, ", "));
    }
  }
  switch (r.type) {
    case Type::kNumber: {
      std::string why;
      auto v = parse_money(t, r.decimal_comma.value_or(map.decimal_comma), why);
      if (!v) return why;
      out = *v;
      return std::nullopt;
    }
    case Type::kDate: {
      auto d = parse_date_as(t, r.format);
      if (!d.ok()) return d.status().message();
      out = format_date(*d);
      return std::nullopt;
    }
    case Type::kTime: {
      auto ts = parse_time_as(t, r.format, r.tz_minutes.value_or(map.tz_minutes));
      if (!ts.ok()) return ts.status().message();
      out = format_timestamp(*ts);
      return std::nullopt;
    }
    case Type::kBool: {
      std::string v = ascii_lower(t);
      if (v == "true" || v == "yes" || v == "y" || v == "1") out = true;
      else if (v == "false" || v == "no" || v == "n" || v == "0") out = false;
      else return quoted_cell(t) + " is not yes or no";
      return std::nullopt;
    }
    case Type::kEnum: out = ascii_lower(t); return std::nullopt;
    case Type::kList: {
      out = json::array();
      std::string_view rest = t;
      while (!rest.empty()) {
        auto bar = rest.find('|');
        std::string_view one = trim_cell(rest.substr(0, bar));
        if (!one.empty()) out.push_back(std::string(one));
        rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
      }
      return std::nullopt;
    }
    case Type::kText: out = std::string(t); return std::nullopt;
  }
  return std::nullopt;
}

bool skipped(const CsvMap& map, const std::vector<std::string>& cells) {
  for (const auto& s : map.skip) {
    std::string_view cell = s.index >= 0 && static_cast<std::size_t>(s.index) < cells.size()
                                ? std::string_view(cells[static_cast<std::size_t>(s.index)])
                                : std::string_view();
    if (s.op == SkipRule::Op::kEmpty) {
      if (blank(map, cell)) return true;
      continue;
    }
    bool listed = std::find(s.values.begin(), s.values.end(), ascii_lower(trim_cell(cell))) != s.values.end();
    if (listed == (s.op == SkipRule::Op::kIn)) return true;
  }
  return false;
}

const Dataset& empty_dataset() {
  static const Dataset empty;
  return empty;
}

}  // namespace

MappedRow map_row(const CsvMap& map, const std::vector<std::string>& cells) {
  MappedRow row;
  if (skipped(map, cells)) {
    row.outcome = MappedRow::Outcome::kSkipped;
    return row;
  }
  json obj = json::object();
  std::vector<int> read_from(map.fields.size(), -1);  // the column each rule read, for messages
  for (std::size_t k = 0; k < map.fields.size(); ++k) {
    const FieldRule& r = map.fields[k];
    if (r.constant) {
      obj[r.field] = *r.constant;
      continue;
    }
    int which = -1;
    for (std::size_t i = 0; i < r.index.size(); ++i) {
      int at = r.index[i];
      if (at >= 0 && static_cast<std::size_t>(at) < cells.size() && !blank(map, cells[static_cast<std::size_t>(at)])) {
        which = static_cast<int>(i);
        break;
      }
    }
    read_from[k] = which;
    if (which < 0) continue;  // absent: a required field is reported by record_from_json
    const std::string& cell = cells[static_cast<std::size_t>(r.index[static_cast<std::size_t>(which)])];
    if (auto bad = find_invalid_utf8(cell)) {
      row.field = label(r, which);
      row.reason = fmt::format("not valid UTF-8 (byte 0x{:02X} at byte {} of the cell)",
                               static_cast<unsigned char>(cell[*bad]), *bad + 1);
      return row;
    }
    json v;
    if (auto why = convert(map, r, cell, v)) {
      row.field = label(r, which);
      row.reason = *why;
      return row;
    }
    if (v.is_null()) continue;  // a value mapped to null: absent
    if (!r.identity.empty() && v.is_string()) {
      row.identity_value = v.get<std::string>();
      row.identity_label = label(r, which);
    }
    if (r.field.rfind("props.", 0) == 0) obj["props"][r.field.substr(6)] = std::move(v);
    else obj[r.field] = std::move(v);
  }
  if (map.outcome_by_arr && obj.value("outcome", "") == "renewed" && obj.contains("arr_before") &&
      obj.contains("arr_after") && obj["arr_before"].is_number() && obj["arr_after"].is_number()) {
    double before = obj["arr_before"], after = obj["arr_after"];
    if (after > before) obj["outcome"] = "expanded";
    else if (after < before) obj["outcome"] = "contracted";
  }
  RecordOrError rec = record_from_json(obj, map.kind);
  row.fields = rec.fields;
  if (!rec.ok()) {
    row.field = rec.error.field;
    for (std::size_t k = 0; k < map.fields.size(); ++k)
      if (map.fields[k].field == rec.error.field) row.field = label(map.fields[k], read_from[k]);
    row.reason = std::move(rec.error.reason);
    return row;
  }
  row.record = std::move(rec.record);
  row.outcome = MappedRow::Outcome::kRecord;
  return row;
}

bool MappedCsvSource::find_header(ParsedItem& out) {
  header_done_ = true;
  std::int64_t line = 0;
  auto fail = [&](std::int64_t at, std::string reason) {
    done_ = true;
    out.line = at;
    out.kind = map_.kind;
    out.field = "header";
    out.reason = std::move(reason) + "; no row of this file was read";
    return true;
  };
  if (!map_.header_after.empty()) {
    std::string marker = ascii_lower(map_.header_after);
    for (;;) {
      if (!reader_.read(cells_, line, error_)) {
        done_ = true;
        return fail(1, fmt::format("no row \"{}\" before the table ({} says the header follows it)",
                                   map_.header_after, map_.file));
      }
      if (!cells_.empty() && ascii_lower(trim_cell(cells_[0])) == marker) break;
    }
  }
  if (!reader_.read(cells_, line, error_)) {
    done_ = true;
    return false;  // no header: an empty file has no rows, nothing is wrong
  }
  if (!error_.empty()) return fail(line, error_);
  if (auto why = bind_header(map_, cells_)) return fail(line, *why);
  header_cells_ = cells_.size();
  return false;
}

void MappedCsvSource::resolve(ParsedItem& out, const MappedRow& row) const {
  const FieldRule* rule = map_.identity_rule();
  if (!rule || row.identity_value.empty()) return;
  const Dataset& data = known_ ? *known_ : empty_dataset();
  const std::string& value = row.identity_value;
  const std::string alias =
      rule->identity == "email" ? email_alias(value)
      : rule->identity + ":" + (rule->identity == "salesforce" ? salesforce_id18(value) : value);
  if (rule->field == "account") {
    std::string id;
    bool several = false;
    if (data.account(value)) id = value;
    else if (const Account* a = data.account_by_alias(alias, &several)) id = a->id;
    if (id.empty()) {
      out.record.reset();
      out.field = row.identity_label;
      out.reason = several ? fmt::format("several accounts have the alias \"{}\"", alias)
                           : fmt::format("no account has the id or alias \"{}\"", alias);
      return;
    }
    std::visit([&](auto& r) {
      if constexpr (requires { r.account; }) r.account = id;
    }, *out.record);
    return;
  }
  ActorRef actor{map_.source, rule->identity == "email" ? "" : value, {alias}, value};
  Resolution res = resolve_actor(data, actor);
  if (!res.learner) {
    out.waiting = std::move(actor);
    out.field = row.identity_label;
    out.reason = res.why;
    return;
  }
  std::visit([&](auto& r) {
    if constexpr (requires { r.learner; }) r.learner = std::string(res.learner->id());
  }, *out.record);
}

bool MappedCsvSource::next(ParsedItem& out) {
  out.record.reset();
  out.waiting.reset();
  out.skipped = false;
  out.field.clear();
  out.reason.clear();
  out.fields = kAllFields;
  out.kind = map_.kind;
  if (done_) return false;
  if (!header_done_ && find_header(out)) return true;
  if (done_) return false;
  std::int64_t line = 0;
  if (!reader_.read(cells_, line, error_)) return false;
  out.line = line;
  if (!error_.empty()) {
    out.reason = error_;
    return true;
  }
  if (map_.stop_at_empty_row &&
      std::all_of(cells_.begin(), cells_.end(), [](const std::string& c) { return trim_cell(c).empty(); })) {
    done_ = true;  // the report's footer follows: not data
    return false;
  }
  if (cells_.size() != header_cells_) {
    out.reason = fmt::format("row has {} cells but the header has {} columns", cells_.size(), header_cells_);
    return true;
  }
  MappedRow row = map_row(map_, cells_);
  switch (row.outcome) {
    case MappedRow::Outcome::kSkipped: out.skipped = true; return true;
    case MappedRow::Outcome::kRejected:
      out.field = std::move(row.field);
      out.reason = std::move(row.reason);
      return true;
    case MappedRow::Outcome::kRecord: break;
  }
  out.record = std::move(row.record);
  out.fields = row.fields;
  resolve(out, row);
  return true;
}

}  // namespace uplift::ingest
