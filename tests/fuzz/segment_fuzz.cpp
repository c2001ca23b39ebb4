// Fuzz target: the Segment adapter (track/identify/group/batch → canonical records).
// The first byte picks the endpoint's call type; the rest is the JSON body.
#include <nlohmann/json.hpp>

#include "adapter_check.h"
#include "ingest/segment.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace uplift;
  if (size == 0) return 0;
  static const char* kTypes[] = {"", "track", "identify", "group", "batch"};
  std::string_view type = kTypes[data[0] % 5];
  auto payload = nlohmann::json::parse(data + 1, data + size, nullptr, false);
  if (payload.is_discarded()) return 0;
  ingest::SegmentOptions options;
  if (data[0] & 0x80) options.received_at = 1'780'000'000'000;
  fuzz::check_adapter_result(ingest::segment_to_records(payload, type, options));
  return 0;
}
