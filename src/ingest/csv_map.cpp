// Map files (ingest/csv_map.h): parsing, validation with every problem listed, header binding.
#include "ingest/csv_map.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace uplift::ingest {
namespace {

using json = nlohmann::json;
using Type = FieldRule::Type;

struct FieldInfo {
  std::string_view name;
  Type type;
  bool required;
};

// The canonical fields of each kind (DESIGN.md "Canonical records"), in RecordKind order.
const std::array<std::vector<FieldInfo>, kRecordKindCount> kKindFields = {{
    {{"id", Type::kText, true}, {"name", Type::kText, false}, {"plan", Type::kText, false},
     {"tier", Type::kText, false}, {"arr", Type::kNumber, false}, {"csm", Type::kText, false},
     {"renewal_date", Type::kDate, false}, {"created_at", Type::kTime, false}, {"audience", Type::kEnum, false},
     {"aliases", Type::kList, false}},
    {{"id", Type::kText, true}, {"account", Type::kText, true}, {"email", Type::kText, false},
     {"role", Type::kText, false}, {"access_level", Type::kText, false}, {"created_at", Type::kTime, false},
     {"audience", Type::kEnum, false}, {"departed_at", Type::kTime, false}, {"aliases", Type::kList, false}},
    {{"id", Type::kText, true}, {"account", Type::kText, true}, {"name", Type::kText, true},
     {"ts", Type::kTime, true}, {"learner", Type::kText, false}, {"qty", Type::kNumber, false}},
    {{"id", Type::kText, false}, {"learner", Type::kText, true}, {"content", Type::kText, true},
     {"ts", Type::kTime, true}, {"status", Type::kEnum, false}, {"score", Type::kNumber, false}},
    {{"learner", Type::kText, true}, {"program", Type::kText, true}, {"session", Type::kNumber, true},
     {"ts", Type::kTime, true}, {"cohort", Type::kText, false}, {"attended", Type::kBool, false}},
    {{"account", Type::kText, true}, {"date", Type::kDate, true}, {"arr", Type::kNumber, true}},
    {{"account", Type::kText, true}, {"date", Type::kDate, true}, {"outcome", Type::kEnum, true},
     {"arr_before", Type::kNumber, false}, {"arr_after", Type::kNumber, false}},
}};

std::optional<FieldInfo> field_info(RecordKind kind, std::string_view name) {
  for (const auto& f : kKindFields[static_cast<std::size_t>(kind)])
    if (f.name == name) return f;
  if (kind == RecordKind::kEvent && name.size() > 6 && name.substr(0, 6) == "props.")
    return FieldInfo{name, Type::kText, false};
  return std::nullopt;
}

std::string field_names(RecordKind kind) {
  std::vector<std::string> names;
  for (const auto& f : kKindFields[static_cast<std::size_t>(kind)]) names.emplace_back(f.name);
  if (kind == RecordKind::kEvent) names.emplace_back("props.NAME");
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string lower_trim(std::string_view s) {
  std::string out(trim_cell(s));
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool valid_source(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// An enum value as the record wants it, or nullopt when `field`'s enum has no such value.
std::optional<std::string> canonical_enum(std::string_view field, std::string_view value) {
  std::string v = lower_trim(value);
  bool ok = field == "audience"  ? parse_audience(v).has_value()
            : field == "status"  ? parse_completion_status(v).has_value()
            : field == "outcome" ? parse_renewal_outcome(v).has_value()
                                 : false;
  if (!ok) return std::nullopt;
  return v;
}

// Collects problems under one file, each with its JSON pointer.
struct Problems {
  const std::string& file;
  std::vector<std::string>& list;
  void add(const std::string& path, const std::string& why) { list.push_back(fmt::format("{}: {}: {}", file, path, why)); }
};

// Whether a constant suits its field; the reason when it does not.
std::optional<std::string> check_constant(const FieldInfo& info, const json& v) {
  switch (info.type) {
    case Type::kNumber:
      if (!v.is_number()) return "must be a number";
      break;
    case Type::kBool:
      if (!v.is_boolean()) return "must be true or false";
      break;
    case Type::kDate:
      if (!v.is_string() || !parse_date(v.get<std::string>()).ok()) return "must be a date \"YYYY-MM-DD\"";
      break;
    case Type::kTime:
      if (!v.is_string() || !parse_timestamp(v.get<std::string>()).ok()) return "must be an RFC 3339 time";
      break;
    case Type::kEnum:
      if (!v.is_string() || !canonical_enum(info.name, v.get<std::string>())) return "is not a value of this field";
      break;
    case Type::kList:
      if (!v.is_array()) return "must be a list";
      break;
    case Type::kText:
      if (!v.is_string()) return "must be a string";
      break;
  }
  return std::nullopt;
}

void parse_rule(const std::string& name, const json& spec, const FieldInfo& info, const std::string& path, Problems& p,
                FieldRule& rule) {
  rule.field = name;
  rule.type = info.type;
  if (spec.is_string()) {
    rule.columns.push_back(std::string(trim_cell(spec.get<std::string>())));
    if (rule.columns.back().empty()) p.add(path, "the column name is empty");
    return;
  }
  if (!spec.is_object()) {
    p.add(path, "must be a column name or an object with \"column\"");
    return;
  }
  for (auto it = spec.begin(); it != spec.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    const std::string at = path + "/" + key;
    if (key == "column") {
      std::vector<json> cols = v.is_array() ? std::vector<json>(v.begin(), v.end()) : std::vector<json>{v};
      if (cols.empty()) p.add(at, "names no column");
      for (const auto& c : cols) {
        if (!c.is_string() || trim_cell(c.get<std::string>()).empty()) {
          p.add(at, "must be a column name or a list of them");
          break;
        }
        rule.columns.push_back(std::string(trim_cell(c.get<std::string>())));
      }
    } else if (key == "format") {
      if (info.type != Type::kDate && info.type != Type::kTime) p.add(at, "only dates and times have a format");
      else if (!v.is_string() || (v != "iso" && v.get<std::string>().find('%') == std::string::npos))
        p.add(at, "must be \"iso\" or a strptime pattern such as \"%m/%d/%Y\"");
      else rule.format = v == "iso" ? "" : v.get<std::string>();
    } else if (key == "timezone") {
      if (info.type != Type::kTime) p.add(at, "only times have a timezone");
      else if (!v.is_string() || !parse_utc_offset(v.get<std::string>()))
        p.add(at, "must be \"UTC\" or an offset such as \"-05:00\"");
      else rule.tz_minutes = parse_utc_offset(v.get<std::string>());
    } else if (key == "decimal_comma") {
      if (info.type != Type::kNumber) p.add(at, "only numbers have a decimal comma");
      else if (!v.is_boolean()) p.add(at, "must be true or false");
      else rule.decimal_comma = v.get<bool>();
    } else if (key == "identity") {
      if (name != "account" && name != "learner") p.add(at, "only account and learner fields have an identity");
      else if (!v.is_string() || !valid_source(v.get<std::string>()))
        p.add(at, "must be an alias source such as \"salesforce\" or \"email\" (lower case letters, digits, _ or -)");
      else rule.identity = v.get<std::string>();
    } else if (key == "values") {
      if (!v.is_object() || v.empty()) {
        p.add(at, "must be an object of cell value → field value");
        continue;
      }
      for (auto m = v.begin(); m != v.end(); ++m) {
        const json& target = m.value();
        if (info.type == Type::kEnum && !target.is_null() &&
            (!target.is_string() || !canonical_enum(name, target.get<std::string>()))) {
          p.add(at + "/" + m.key(), fmt::format("{} is not a value of {}", target.dump(), name));
          continue;
        }
        if (!target.is_null()) {
          if (auto why = check_constant(info, info.type == Type::kEnum ? json(lower_trim(target.get<std::string>())) : target)) {
            p.add(at + "/" + m.key(), *why);
            continue;
          }
        }
        rule.values.emplace_back(lower_trim(m.key()),
                                 info.type == Type::kEnum && target.is_string() ? json(lower_trim(target.get<std::string>())) : target);
      }
    } else {
      p.add(at, "unknown key (column, format, timezone, decimal_comma, values, identity)");
    }
  }
  if (rule.columns.empty() && !spec.contains("column")) p.add(path, "has no \"column\"");
}

void parse_skip(const json& list, Problems& p, std::vector<SkipRule>& out) {
  if (!list.is_array()) {
    p.add("/skip", "must be a list of {\"column\", \"in\" | \"not_in\" | \"empty\"}");
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& r = list[i];
    const std::string at = fmt::format("/skip/{}", i);
    if (!r.is_object() || !r.contains("column") || !r["column"].is_string()) {
      p.add(at, "must be an object with a \"column\"");
      continue;
    }
    SkipRule rule;
    rule.column = std::string(trim_cell(r["column"].get<std::string>()));
    int ops = 0;
    for (auto it = r.begin(); it != r.end(); ++it) {
      const std::string& key = it.key();
      if (key == "column") continue;
      if (key == "in" || key == "not_in") {
        ++ops;
        rule.op = key == "in" ? SkipRule::Op::kIn : SkipRule::Op::kNotIn;
        if (!it.value().is_array() || !std::all_of(it.value().begin(), it.value().end(), [](const json& x) { return x.is_string(); })) {
          p.add(at + "/" + key, "must be a list of cell values");
          continue;
        }
        for (const auto& x : it.value()) rule.values.push_back(lower_trim(x.get<std::string>()));
      } else if (key == "empty") {
        ++ops;
        rule.op = SkipRule::Op::kEmpty;
        if (it.value() != true) p.add(at + "/empty", "must be true");
      } else {
        p.add(at + "/" + key, "unknown key (column, in, not_in, empty)");
      }
    }
    if (ops != 1) p.add(at, "needs exactly one of \"in\", \"not_in\" or \"empty\"");
    out.push_back(std::move(rule));
  }
}

// "field=value" → (field, value): a number or boolean when it reads as one, else the text.
std::optional<std::pair<std::string, json>> split_assignment(std::string_view a) {
  auto eq = a.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  std::string field(trim_cell(a.substr(0, eq)));
  std::string text(a.substr(eq + 1));
  json v = json::parse(text, nullptr, false);
  if (v.is_discarded() || !(v.is_number() || v.is_boolean())) v = text;
  return std::make_pair(field, v);
}

}  // namespace

const FieldRule* CsvMap::identity_rule() const {
  for (const auto& r : fields)
    if (!r.identity.empty()) return &r;
  return nullptr;
}

std::optional<CsvMap> parse_csv_map(const json& doc, const std::string& file, const std::vector<std::string>& sets,
                                    std::vector<std::string>& problems) {
  const std::size_t before = problems.size();
  Problems p{file, problems};
  if (!doc.is_object()) {
    p.add("/", "expected an object with \"kind\" and \"fields\"");
    return std::nullopt;
  }
  CsvMap map;
  map.file = file;
  std::string stem = file.substr(file.find_last_of('/') + 1);
  map.source = stem.substr(0, stem.rfind(".json"));
  static const std::set<std::string> kKeys = {"kind", "source", "description", "header_after", "stop_at_empty_row",
                                              "empty_values", "timezone", "decimal_comma", "fields", "constants", "skip",
                                              "outcome_by_arr"};
  for (auto it = doc.begin(); it != doc.end(); ++it)
    if (!kKeys.count(it.key()))
      p.add("/" + it.key(), fmt::format("unknown key ({})", fmt::join(kKeys, ", ")));
  std::optional<RecordKind> kind;
  if (doc.contains("kind") && doc["kind"].is_string()) kind = parse_kind(doc["kind"].get<std::string>());
  if (!kind) {
    p.add("/kind", "must be one of account, learner, event, completion, attendance, arr, renewal");
    // The fields cannot be checked without a kind: report what else is wrong and stop.
    return std::nullopt;
  }
  map.kind = *kind;
  auto text = [&](const char* key, std::string& out) {
    if (!doc.contains(key)) return;
    if (doc[key].is_string()) out = doc[key].get<std::string>();
    else p.add(std::string("/") + key, "must be a string");
  };
  text("description", map.description);
  text("header_after", map.header_after);
  if (doc.contains("source")) {
    if (doc["source"].is_string() && valid_source(doc["source"].get<std::string>())) map.source = doc["source"];
    else p.add("/source", "must be a system name such as \"zoom\" (lower case letters, digits, _ or -)");
  }
  if (!valid_source(map.source)) map.source = "csv";
  if (doc.contains("stop_at_empty_row")) {
    if (doc["stop_at_empty_row"].is_boolean()) map.stop_at_empty_row = doc["stop_at_empty_row"];
    else p.add("/stop_at_empty_row", "must be true or false");
  }
  if (doc.contains("outcome_by_arr")) {
    if (!doc["outcome_by_arr"].is_boolean()) p.add("/outcome_by_arr", "must be true or false");
    else if (map.kind != RecordKind::kRenewal) p.add("/outcome_by_arr", "only renewal maps have outcomes");
    else map.outcome_by_arr = doc["outcome_by_arr"];
  }
  if (doc.contains("decimal_comma")) {
    if (doc["decimal_comma"].is_boolean()) map.decimal_comma = doc["decimal_comma"];
    else p.add("/decimal_comma", "must be true or false");
  }
  if (doc.contains("timezone")) {
    auto tz = doc["timezone"].is_string() ? parse_utc_offset(doc["timezone"].get<std::string>()) : std::nullopt;
    if (tz) map.tz_minutes = *tz;
    else p.add("/timezone", "must be \"UTC\" or an offset such as \"-05:00\"");
  }
  if (doc.contains("empty_values")) {
    const json& e = doc["empty_values"];
    if (e.is_array() && std::all_of(e.begin(), e.end(), [](const json& x) { return x.is_string(); }))
      for (const auto& x : e) map.empty_values.push_back(lower_trim(x.get<std::string>()));
    else p.add("/empty_values", "must be a list of strings");
  }

  // Fields, then constants, then --set (each replaces an earlier rule for its field).
  auto place = [&](FieldRule rule) {
    auto it = std::find_if(map.fields.begin(), map.fields.end(), [&](const FieldRule& r) { return r.field == rule.field; });
    if (it != map.fields.end()) *it = std::move(rule);
    else map.fields.push_back(std::move(rule));
  };
  if (!doc.contains("fields") || !doc["fields"].is_object()) {
    p.add("/fields", "must be an object of field → column rule");
  } else {
    for (auto it = doc["fields"].begin(); it != doc["fields"].end(); ++it) {
      const std::string path = "/fields/" + it.key();
      auto info = field_info(map.kind, it.key());
      if (!info) {
        p.add(path, fmt::format("{} records have no field \"{}\" (they have {})", kind_name(map.kind), it.key(),
                                field_names(map.kind)));
        continue;
      }
      FieldRule rule;
      parse_rule(it.key(), it.value(), *info, path, p, rule);
      place(std::move(rule));
    }
  }
  auto constant = [&](const std::string& field, const json& v, const std::string& where, bool is_set) {
    auto info = field_info(map.kind, field);
    auto add = [&](const std::string& why) {
      if (is_set) problems.push_back(fmt::format("--set {}: {}", where, why));
      else p.add(where, why);
    };
    if (!info) return add(fmt::format("{} records have no field \"{}\" (they have {})", kind_name(map.kind), field,
                                      field_names(map.kind)));
    json value = info->type == Type::kEnum && v.is_string() ? json(lower_trim(v.get<std::string>())) : v;
    if (is_set && info->type == Type::kText && !v.is_string()) value = v.dump();  // --set cohort=2026
    if (auto why = check_constant(*info, value)) return add(*why);
    FieldRule rule;
    rule.field = field;
    rule.type = info->type;
    rule.constant = value;
    place(std::move(rule));
  };
  if (doc.contains("constants")) {
    if (!doc["constants"].is_object()) p.add("/constants", "must be an object of field → value");
    else
      for (auto it = doc["constants"].begin(); it != doc["constants"].end(); ++it) {
        if (doc.contains("fields") && doc["fields"].is_object() && doc["fields"].contains(it.key()))
          p.add("/constants/" + it.key(), "the field also comes from a column (/fields/" + it.key() + ")");
        else constant(it.key(), it.value(), "/constants/" + it.key(), false);
      }
  }
  for (const auto& s : sets) {
    auto a = split_assignment(s);
    if (!a) problems.push_back(fmt::format("--set {}: expected FIELD=VALUE", s));
    else constant(a->first, a->second, s, true);
  }
  if (doc.contains("skip")) parse_skip(doc["skip"], p, map.skip);

  for (const auto& f : kKindFields[static_cast<std::size_t>(map.kind)]) {
    if (!f.required) continue;
    if (std::none_of(map.fields.begin(), map.fields.end(), [&](const FieldRule& r) { return r.field == f.name; }))
      p.add("/fields", fmt::format("{} records need \"{}\": map it from a column, give it in \"constants\", or pass "
                                   "--set {}=VALUE", kind_name(map.kind), f.name, f.name));
  }
  int identities = 0;
  for (const auto& r : map.fields) identities += !r.identity.empty();
  if (identities > 1) p.add("/fields", "only one field may have an identity");
  if (problems.size() != before) return std::nullopt;
  return map;
}

Result<CsvMap> load_csv_map(const std::string& path, const std::vector<std::string>& sets) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument(fmt::format("{}: cannot be read", path));
  std::stringstream ss;
  ss << in.rdbuf();
  json doc;
  try {
    doc = json::parse(ss.str());
  } catch (const json::parse_error& e) {
    return Status::InvalidArgument(fmt::format("{}: not valid JSON: {}", path, e.what()));
  }
  std::vector<std::string> problems;
  auto map = parse_csv_map(doc, path, sets, problems);
  if (!map) return Status::InvalidArgument(fmt::format("{}", fmt::join(problems, "\n")));
  return std::move(*map);
}

std::optional<std::string> bind_header(CsvMap& map, const std::vector<std::string>& header) {
  std::vector<std::string> names;
  for (const auto& h : header) names.push_back(lower_trim(h));
  std::vector<std::string> missing;
  auto position = [&](const std::string& column) {
    auto it = std::find(names.begin(), names.end(), lower_trim(column));
    return it == names.end() ? -1 : static_cast<int>(it - names.begin());
  };
  auto note_missing = [&](const std::string& what) {
    if (std::find(missing.begin(), missing.end(), what) == missing.end()) missing.push_back(what);
  };
  for (auto& r : map.fields) {
    r.index.clear();
    for (const auto& c : r.columns) r.index.push_back(position(c));
    // Of several columns, those the export has are read; one at least must be there.
    if (!r.columns.empty() && std::all_of(r.index.begin(), r.index.end(), [](int i) { return i < 0; }))
      note_missing(fmt::format("\"{}\"", fmt::join(r.columns, "\" or \"")));
  }
  for (auto& s : map.skip) {
    s.index = position(s.column);
    if (s.index < 0) note_missing("\"" + s.column + "\"");
  }
  if (missing.empty()) return std::nullopt;
  std::vector<std::string> quoted_header;
  for (const auto& h : header) quoted_header.push_back("\"" + std::string(trim_cell(h)) + "\"");
  return fmt::format("{} names column{} not in the header: {}; the header has {}", map.file,
                     missing.size() > 1 ? "s" : "", fmt::join(missing, ", "), fmt::join(quoted_header, ", "));
}

}  // namespace uplift::ingest
