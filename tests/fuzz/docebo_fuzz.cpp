// Fuzz target: the Docebo webhook adapter (single and batch deliveries → completions with their actors).
#include <nlohmann/json.hpp>

#include "adapter_check.h"
#include "ingest/docebo.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace uplift;
  auto payload = nlohmann::json::parse(data, data + size, nullptr, false);
  if (payload.is_discarded()) return 0;
  fuzz::check_adapter_result(ingest::docebo_to_records(payload));
  return 0;
}
