// Fuzz target: the generic Standard-Webhooks source's mapping (ingest/mapped_webhook.h) over any
// body, with the 360Learning mapping the README shows: every record valid, every actor named.
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "adapter_check.h"
#include "ingest/mapped_webhook.h"

namespace {
const uplift::ingest::WebhookMapping& mapping() {
  static const uplift::ingest::WebhookMapping m = [] {
    uplift::ingest::WebhookMapping out;
    std::vector<std::string> problems;
    uplift::ingest::parse_webhook_mapping(nlohmann::json::parse(R"({"events": {
      "user.created": {"record": "alias", "person": "data.userId", "email": "data.mail"},
      "course.attempt.closed": {"record": "completion", "person": "data.userId", "content": "data.courseId", "ts": "data.closedAt",
                                "score": "data.score", "email": "data.mail"},
      "path.session.user.status.updated": {"record": "completion", "person": "data.userId", "content": "data.pathId",
        "ts": "data.updatedAt", "status": {"field": "data.status", "values": {"successful": "passed", "unsuccessful": "failed"}}},
      "user.certificate.awarded": {"record": "event", "name": "certificate_awarded", "person": "data.userId",
        "ts": "data.deliveryDate", "props": {"path": "data.pathId", "all": "data"}}}})"),
                                          "fuzz", "360learning", out, problems);
    if (!problems.empty()) std::abort();
    return out;
  }();
  return m;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace uplift;
  auto payload = nlohmann::json::parse(data, data + size, nullptr, false);
  if (payload.is_discarded()) return 0;
  auto r = ingest::map_webhook(payload, mapping(), "360learning", "msg_fuzz");
  fuzz::check_adapter_result(r);
  if (r.records.size() > 1 || r.records.size() + r.errors.size() + r.ignored != 1) std::abort();  // one event, one outcome
  if (r.actors.size() != r.records.size()) std::abort();
  return 0;
}
