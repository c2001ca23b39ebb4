// Fuzz target: the CSV record parser (RFC 4180 quoting, header handling, type conversion).
#include <cstdlib>

#include "fuzz_input.h"
#include "ingest/source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace uplift;
  fuzz::MemFile file(data, size);
  // The first byte picks between a kind column and a forced kind, so both paths are explored.
  std::optional<RecordKind> forced;
  if (size > 0 && data[0] % 3 == 0) forced = RecordKind::kEvent;
  auto source = ingest::make_source(ingest::InputFormat::kCsv, file.fd(), forced);
  ingest::ParsedItem item;
  while (source->next(item))
    if (!item.ok() && item.reason.empty()) std::abort();
  return 0;
}
