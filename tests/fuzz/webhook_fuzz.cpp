// Fuzz target: the Skilljar-style LMS webhook adapter (webhook payload → learner + completion).
#include <nlohmann/json.hpp>

#include "adapter_check.h"
#include "ingest/webhook.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace uplift;
  auto payload = nlohmann::json::parse(data, data + size, nullptr, false);
  if (payload.is_discarded()) return 0;
  fuzz::check_adapter_result(ingest::webhook_to_records(payload));
  return 0;
}
