// Fuzz target: the NDJSON record parser (line reader, UTF-8 check, JSON, record validation).
// Invariant beyond "no crash": every accepted record survives a canonical JSON round trip.
#include <cstdlib>

#include "core/record_json.h"
#include "fuzz_input.h"
#include "ingest/source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace uplift;
  fuzz::MemFile file(data, size);
  auto source = ingest::make_source(ingest::InputFormat::kNdjson, file.fd(), std::nullopt);
  ingest::ParsedItem item;
  std::int64_t last_line = 0;
  while (source->next(item)) {
    if (item.line <= last_line) std::abort();  // line numbers must increase
    last_line = item.line;
    if (item.ok()) {
      auto again = record_from_json(record_to_json(*item.record));
      if (!again.ok() || !(*again.record == *item.record)) std::abort();
    } else if (item.reason.empty()) {
      std::abort();  // a rejection must say why
    }
  }
  return 0;
}
