// Mapped CSV import: a CRM or webinar export whose columns are not uplift's, turned into canonical
// records by a map file (maps/*.json; `uplift import --map maps/NAME.json FILE.csv`).
//
// A map says which record kind every row becomes and where each field comes from:
//
//   {"kind": "renewal",                       // account learner event completion attendance arr renewal
//    "source": "salesforce",                  // names the system (unresolved-queue entries); default: file stem
//    "description": "…",                      // free text
//    "header_after": "Attendee Details",      // the header is the row after the first row whose first
//                                             //   cell is this (Zoom reports open with summary tables)
//    "stop_at_empty_row": true,               // a row of empty cells ends the data (Salesforce's footer)
//    "empty_values": ["--"],                  // cells that mean "absent", like a blank cell
//    "timezone": "-05:00",                    // default for times written without an offset: "UTC" or ±HH:MM
//    "decimal_comma": false,                  // default for numbers: "12.000,00" when true
//    "outcome_by_arr": true,                  // renewal maps: a "renewed" row whose arr_after is above
//                                             //   (below) its arr_before is "expanded" ("contracted")
//    "fields": {
//      "account":    {"column": "Account ID", "identity": "salesforce"},
//      "date":       {"column": "Close Date", "format": "%m/%d/%Y"},
//      "arr_after":  "Amount",                // a string is {"column": …}
//      "outcome":    {"column": "Stage", "values": {"Closed Won": "renewed", "Closed Lost": "churned"}},
//      "ts":         {"column": ["Join Time", "Registration Time"], "format": "%m/%d/%Y %I:%M:%S %p"}},
//    "constants": {"program": "webinar_series"},   // fields set to a fixed value (`--set` overrides)
//    "skip": [{"column": "Stage", "not_in": ["Closed Won", "Closed Lost"]},
//             {"column": "Type", "in": ["New Business"]}, {"column": "Amount", "empty": true}]}
//
// Columns are matched by header name, case-insensitively and trimmed; a list of columns takes the
// first non-blank cell of those the header has (one at least must be there: exports name the same
// column differently, "Email" / "User Email"). A field rule may carry:
//  * `format`: for dates and times, a strptime pattern ("%m/%d/%Y", "%d.%m.%Y",
//    "%Y-%m-%d %H:%M:%S"; %b and %p read English month names and AM/PM) or "iso" (the default:
//    "2026-03-01", RFC 3339, or an ISO time without an offset, which then takes the timezone);
//    `timezone` per field overrides the map's. A date-only value of a time field is midnight.
//  * `decimal_comma`: numbers (arr, arr_before, arr_after, score, qty, session) are cleaned of
//    currency symbols and codes ($ € £ ¥ ₹ USD…), spaces and grouping separators; "(1,200.00)"
//    and "-1,200.00" are negative; blank is absent.
//  * `values`: cell → value (keys case-insensitive), e.g. Salesforce stages to outcomes or Zoom's
//    "Yes"/"No" to attended. An enum cell matching no key is used as is when it is a canonical
//    value, else rejected naming the keys.
//  * `identity` (on `account` or `learner`): the cell names the record by another system's id. It
//    resolves to the account or learner with that id, else to the one holding the alias
//    "<identity>:<cell>" — "salesforce:0015g00000XyZabAAB" (a 15-character Salesforce id is
//    widened to its 18-character form), "email:jane@example.com" (lower-cased). Resolving reads
//    the database's accounts and learners (the Dataset given to MappedCsvSource):
//      - an account that cannot be resolved rejects the row ("no account has id or alias …"):
//        the unresolved queue (app/unresolved.h) waits for people only;
//      - a learner that cannot be resolved sends the record to the unresolved queue, where it is
//        applied once a learner gains that id or alias (`uplift unresolved list|retry`).
//  * rows that a `skip` rule matches are counted as skipped, not rejected.
//
// Problems are reported in the import's FILE:LINE: field: reason form, naming the column:
// `renewals.csv:14: arr_after (column "Amount"): "12,0x0" is not a number`. A map column missing
// from the CSV's header rejects the file at the header's line, listing the header's columns. A map
// that cannot be used is refused whole, every problem listed with the map file and JSON path.
// Pure apart from load_csv_map (reads the file) and MappedCsvSource (reads its descriptor).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dataset.h"
#include "core/records.h"
#include "core/status.h"
#include "ingest/csv.h"
#include "ingest/source.h"

namespace uplift::ingest {

struct FieldRule {
  enum class Type { kText, kNumber, kDate, kTime, kBool, kEnum, kList };
  std::string field;                    // canonical field name ("props.NAME" for an event's props)
  Type type = Type::kText;              // how its cells are read
  std::vector<std::string> columns;     // header names; empty for a constant
  std::optional<nlohmann::json> constant;
  std::string format;                   // strptime pattern; "" = ISO
  std::optional<int> tz_minutes;        // offset for times without one (map default when unset)
  std::optional<bool> decimal_comma;
  std::vector<std::pair<std::string, nlohmann::json>> values;  // keys lower-cased and trimmed
  std::string identity;                 // alias source ("salesforce", "email"), account/learner only
  std::vector<int> index;               // columns' positions in the header (bind_header)
};

struct SkipRule {
  enum class Op { kIn, kNotIn, kEmpty };
  std::string column;
  Op op = Op::kIn;
  std::vector<std::string> values;  // lower-cased and trimmed
  int index = -1;
};

struct CsvMap {
  std::string file, source, description;
  RecordKind kind = RecordKind::kArr;
  std::string header_after;
  bool stop_at_empty_row = false;
  std::vector<std::string> empty_values;
  int tz_minutes = 0;
  bool decimal_comma = false;
  bool outcome_by_arr = false;  // renewal: "renewed" with arr_after above/below arr_before is expanded/contracted
  std::vector<FieldRule> fields;  // by field name (a field appears once)
  std::vector<SkipRule> skip;

  const FieldRule* identity_rule() const;  // the account/learner rule with an identity, if any
};

// Parses a map document with `sets` applied: each "field=value" (`--set`) is a constant replacing
// the field's rule (the value is a number or boolean when it reads as one, else the text). Every
// problem goes to `problems` as "FILE: /json/pointer: reason" (or "--set ASSIGNMENT: reason"),
// including a required field of the kind that comes from no column or constant.
std::optional<CsvMap> parse_csv_map(const nlohmann::json& doc, const std::string& file,
                                    const std::vector<std::string>& sets, std::vector<std::string>& problems);
// Reads and parses a map file; InvalidArgument lists every problem, one per line.
Result<CsvMap> load_csv_map(const std::string& path, const std::vector<std::string>& sets = {});

// Positions of the map's columns in `header` (trimmed names); a reason naming the missing columns
// and listing the header's when some are absent.
std::optional<std::string> bind_header(CsvMap& map, const std::vector<std::string>& header);

// One row through a bound map: the record (still naming its account or learner as the export
// does when the rule has an identity), a skip, or the field and reason it was rejected for.
struct MappedRow {
  enum class Outcome { kRecord, kSkipped, kRejected } outcome = Outcome::kRejected;
  std::optional<Record> record;
  FieldSet fields = kAllFields;
  std::string field, reason;
  std::string identity_value;  // the cell the identity rule read ("" when none)
  std::string identity_label;  // `account (column "Account ID")`: how problems name it
};
MappedRow map_row(const CsvMap& map, const std::vector<std::string>& cells);

// Conversions, exposed for tests: "$12,000.00", "12.000,00 €", "(1,200.00)" → number; nullopt with
// `why` set when the text is not a number, nullopt with `why` empty when blank.
std::optional<double> parse_money(std::string_view text, bool decimal_comma, std::string& why);
// A date or time read with `format` ("" = ISO); `tz_minutes` east of UTC for local times.
Result<Date> parse_date_as(std::string_view text, const std::string& format);
Result<Timestamp> parse_time_as(std::string_view text, const std::string& format, int tz_minutes);
// "UTC", "Z", "+02:00", "-0500" → minutes east of UTC.
std::optional<int> parse_utc_offset(std::string_view text);
// The 18-character, case-safe form of a 15-character Salesforce id (others are returned as is).
std::string salesforce_id18(std::string_view id);

// A RecordSource over a CSV export read through a map. With `known` it resolves identities (see
// above); without it every identity is unknown. Neither the map nor the dataset is owned.
class MappedCsvSource : public RecordSource {
 public:
  MappedCsvSource(int fd, CsvMap map, const Dataset* known)
      : reader_(fd), map_(std::move(map)), known_(known) {}
  bool next(ParsedItem& out) override;
  const Status& status() const override { return reader_.status(); }
  std::uint64_t bytes_read() const override { return reader_.bytes_read(); }

 private:
  bool find_header(ParsedItem& out);  // true when `out` holds the header's rejection
  void resolve(ParsedItem& out, const MappedRow& row) const;

  CsvRecordReader reader_;
  CsvMap map_;
  const Dataset* known_;
  std::vector<std::string> cells_;
  std::string error_;
  std::size_t header_cells_ = 0;
  bool header_done_ = false, done_ = false;
};

}  // namespace uplift::ingest
