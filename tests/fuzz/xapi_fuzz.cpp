// Fuzz target: the xAPI statement adapter (statements → completions and attendance).
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "adapter_check.h"
#include "ingest/xapi.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace uplift;
  auto payload = nlohmann::json::parse(data, data + size, nullptr, false);
  if (payload.is_discarded()) return 0;
  auto result = ingest::xapi_to_records(payload);
  fuzz::check_adapter_result(result);
  if (result.actor_emails.size() != result.records.size()) std::abort();  // one per record
  return 0;
}
