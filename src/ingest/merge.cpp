#include "ingest/merge.h"

namespace uplift::ingest {

RecordOrError merge_upsert(const Record* stored, const nlohmann::json& sent) {
  if (!stored || !sent.is_object()) return record_from_json(sent);
  nlohmann::json merged = record_to_json(*stored);
  for (auto it = sent.begin(); it != sent.end(); ++it)
    if (it.key() != "kind") merged[it.key()] = it.value();
  return record_from_json(merged);
}

RecordOrError merge_upsert(const Record* stored, const Record& sent, FieldSet carried) {
  if (!stored || carried == kAllFields) {
    RecordOrError whole;
    whole.record = sent;
    return whole;
  }
  return merge_upsert(stored, carried_json(sent, carried));
}

}  // namespace uplift::ingest
