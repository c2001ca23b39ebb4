#include "ingest/adapter.h"

#include "core/record_json.h"

namespace uplift::ingest::adapter_detail {

const nlohmann::json* at(const nlohmann::json& obj, std::string_view dotted) {
  const nlohmann::json* cur = &obj;
  while (true) {
    if (!cur->is_object()) return nullptr;
    auto dot = dotted.find('.');
    std::string key(dotted.substr(0, dot));
    auto it = cur->find(key);
    if (it == cur->end() || it->is_null()) return nullptr;
    cur = &*it;
    if (dot == std::string_view::npos) return cur;
    dotted.remove_prefix(dot + 1);
  }
}

std::string first_string(const nlohmann::json& obj, std::initializer_list<std::string_view> paths,
                         std::string* found) {
  for (auto p : paths) {
    const nlohmann::json* v = at(obj, p);
    if (v && v->is_string() && !v->get_ref<const std::string&>().empty()) {
      if (found) *found = std::string(p);
      return v->get<std::string>();
    }
  }
  return {};
}

void finish(const nlohmann::json& canonical, std::size_t index,
            std::initializer_list<std::pair<std::string_view, std::string_view>> names, AdapterResult& out) {
  RecordOrError r = record_from_json(canonical);
  if (r.ok()) {
    const bool upsert = std::holds_alternative<Account>(*r.record) || std::holds_alternative<Learner>(*r.record);
    out.records.push_back(std::move(*r.record));
    out.record_items.push_back(index);
    out.upserts.push_back(upsert ? std::optional<nlohmann::json>(canonical) : std::nullopt);
    return;
  }
  std::string field = r.error.field;
  for (auto [canon, source] : names)
    if (field == canon) field = source;
  out.errors.push_back(ItemError{index, std::move(field), std::move(r.error.reason)});
}

}  // namespace uplift::ingest::adapter_detail
