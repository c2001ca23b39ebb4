// Fuzz target: the xAPI statement adapter (statements → completions, attendance and learning events).
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "adapter_check.h"
#include "ingest/xapi.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace uplift;
  auto payload = nlohmann::json::parse(data, data + size, nullptr, false);
  if (payload.is_discarded()) return 0;
  auto result = ingest::xapi_to_records(payload, {1'700'000'000'000});
  fuzz::check_adapter_result(result);
  if (result.actors.size() != result.records.size()) std::abort();  // every record says who
  for (const auto& a : result.actors)
    if (!a) std::abort();
  return 0;
}
