#include "ingest/merge.h"

namespace uplift::ingest {

RecordOrError merge_upsert(const Record* stored, const nlohmann::json& sent) {
  if (!stored || !sent.is_object()) return record_from_json(sent);
  nlohmann::json merged = record_to_json(*stored);
  for (auto it = sent.begin(); it != sent.end(); ++it)
    if (it.key() != "kind") merged[it.key()] = it.value();
  return record_from_json(merged);
}

}  // namespace uplift::ingest
