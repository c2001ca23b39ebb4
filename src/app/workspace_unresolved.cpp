// The unresolved queue inside the Workspace (app/unresolved.h): applying what became resolvable.
#include "app/unresolved.h"
#include "app/workspace.h"

#include <algorithm>
#include <map>

namespace uplift::app {

Result<std::size_t> Workspace::resolve_unresolved(bool force) {
  const std::uint64_t version = view().data().identity_version();
  const std::uint64_t queued = unresolved_queued_.load();
  if (!force && version == unresolved_checked_.load() && queued == unresolved_seen_queued_.load()) return std::size_t{0};
  std::vector<Document> docs;
  UPLIFT_RETURN_IF_ERROR(store_->scan_documents(kUnresolvedCollection, [&](const Document& d) {
    docs.push_back(d);
    return true;
  }));
  std::vector<Record> records;
  std::vector<const Document*> done;
  {
    const View view = this->view();
    for (const Document& d : docs) {
      auto e = unresolved_from_document(d);
      if (!e.ok()) continue;  // unreadable: stays for an operator (GET /v1/unresolved shows it)
      ingest::Resolution r = ingest::resolve_actor(view.data(), e->actor);
      if (!r.learner) continue;
      records.push_back(credited(e->record, r.learner->record()));
      done.push_back(&d);
    }
  }
  // Several entries teaching one learner ids (alias-only records) become one record carrying
  // all of them: written one by one, each copy of the learner would drop the other's ids.
  {
    std::map<std::string, std::size_t> first;
    std::vector<Record> merged;
    for (Record& r : records) {
      if (auto* l = std::get_if<Learner>(&r)) {
        auto [it, fresh] = first.emplace(l->id, merged.size());
        if (!fresh) {
          Learner& into = std::get<Learner>(merged[it->second]);
          into.aliases.insert(into.aliases.end(), l->aliases.begin(), l->aliases.end());
          std::sort(into.aliases.begin(), into.aliases.end());
          into.aliases.erase(std::unique(into.aliases.begin(), into.aliases.end()), into.aliases.end());
          continue;
        }
      }
      merged.push_back(std::move(r));
    }
    records = std::move(merged);
  }
  if (!records.empty()) {
    auto written = ingest_concurrently([&](const View&) { return std::span<const Record>(records); });
    if (!written.ok()) return written.status();
  }
  // Only now that the records are stored does an entry go (at least once, never lost). If the
  // same delivery was queued again meanwhile, its record is the one just stored: it goes too.
  Store::DocumentChanges gone;
  for (const Document* d : done) gone.erase.emplace_back(d->collection, d->key);
  if (!gone.erase.empty())
    if (auto r = store_->apply_documents(gone); !r.ok()) return r.status();
  // Entries queued while we looked move unresolved_queued_ past `queued`: the next call looks again.
  unresolved_checked_ = version;
  unresolved_seen_queued_ = queued;
  return records.size();
}

}  // namespace uplift::app
