#include "ingest/source.h"

#include <cctype>

#include "ingest/csv.h"
#include "ingest/ndjson.h"

namespace uplift::ingest {

std::string_view input_format_name(InputFormat f) {
  switch (f) {
    case InputFormat::kNdjson: return "ndjson";
    case InputFormat::kCsv: return "csv";
  }
  return "?";
}

std::optional<InputFormat> parse_input_format(std::string_view name) {
  for (InputFormat f : {InputFormat::kNdjson, InputFormat::kCsv})
    if (input_format_name(f) == name) return f;
  return std::nullopt;
}

InputFormat format_for_path(std::string_view path) {
  if (path.size() >= 4) {
    std::string ext(path.substr(path.size() - 4));
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext == ".csv") return InputFormat::kCsv;
  }
  return InputFormat::kNdjson;
}

std::unique_ptr<RecordSource> make_source(InputFormat format, int fd, std::optional<RecordKind> forced) {
  if (format == InputFormat::kCsv) return std::make_unique<CsvSource>(fd, forced);
  return std::make_unique<NdjsonSource>(fd, forced);
}

}  // namespace uplift::ingest
