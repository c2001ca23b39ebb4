// RecordSource: a stream of parsed input lines, one canonical record or one rejection each.
//
// The NDJSON and CSV readers implement it; the importer drains it without knowing the format.
// A source reads its input in chunks and holds at most one record (plus the reader's buffer) at a
// time, so files of any size stream through in bounded memory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/record_json.h"
#include "core/records.h"
#include "core/status.h"
#include "ingest/identity.h"

namespace uplift::ingest {

// One line's outcome. Exactly one of `record` or (`field`, `reason`) is meaningful.
struct ParsedItem {
  std::int64_t line = 0;
  std::optional<Record> record;
  std::optional<RecordKind> kind;  // also known for many rejected lines (from "kind" or --kind)
  std::string field, reason;       // why the line was rejected
  FieldSet fields = kAllFields;    // of an account or learner: the fields the line named
  // Set by sources that filter or resolve identities (the mapped CSV, ingest/csv_map.h); a source
  // that sets them resets them on every item.
  bool skipped = false;            // a row the input's own rules leave out: counted, not rejected
  std::optional<ActorRef> waiting; // with `record`: its person is not known yet (`reason` says
                                   // why); it goes to the unresolved queue, not the records
  bool ok() const { return record.has_value(); }
};

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // The next non-blank item; false at the end of input or on a read error (see status()).
  virtual bool next(ParsedItem& out) = 0;
  virtual const Status& status() const = 0;
  virtual std::uint64_t bytes_read() const = 0;
};

enum class InputFormat { kNdjson, kCsv };
// "ndjson", "csv" (`uplift import --format`), and back; nullopt for any other name.
std::string_view input_format_name(InputFormat f);
std::optional<InputFormat> parse_input_format(std::string_view name);

// .csv (any case) is CSV, everything else NDJSON.
InputFormat format_for_path(std::string_view path);

// A source over an open descriptor (not owned). `forced` supplies the kind of every record.
std::unique_ptr<RecordSource> make_source(InputFormat format, int fd, std::optional<RecordKind> forced);

}  // namespace uplift::ingest
