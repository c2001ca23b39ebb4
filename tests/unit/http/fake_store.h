// An in-memory Store with only documents implemented: enough for the key ring and the API
// dispatcher tests, which must not depend on a database backend. `down` simulates an outage.
#pragma once

#include <map>
#include <mutex>

#include "store/store.h"

namespace uplift::http::testing {

class FakeStore : public Store {
 public:
  bool down = false;
  int document_reads = 0;

  Result<WriteResult> write(std::span<const Record>) override { return Status::Internal("not in fake"); }
  Status scan_since(Sequence, std::size_t, const std::function<bool(const StoredRecord&)>&) override {
    return Status::Internal("not in fake");
  }
  Status scan_kind(RecordKind, const std::function<bool(const StoredRecord&)>&) override {
    return Status::Internal("not in fake");
  }
  Result<Sequence> last_sequence() override { return Sequence{0}; }
  Result<StoredRecord> get(RecordKind, std::string_view) override { return Status::NotFound("fake"); }
  Status put_document(const Document& doc) override {
    std::lock_guard l(mu_);
    if (down) return Status::Unavailable("down");
    docs_[{doc.collection, doc.key}] = doc;
    return Status::OK();
  }
  Status put_documents(std::span<const Document> docs) override {
    std::lock_guard l(mu_);
    if (down) return Status::Unavailable("down");
    for (const auto& doc : docs) docs_[{doc.collection, doc.key}] = doc;
    return Status::OK();
  }
  Result<bool> apply_documents(const DocumentChanges& ch) override {
    std::lock_guard l(mu_);
    if (down) return Status::Unavailable("down");
    for (const auto& e : ch.expect) {
      auto it = docs_.find({e.collection, e.key});
      if ((it == docs_.end() ? std::optional<std::string>() : it->second.body) != e.body) return false;
    }
    for (const auto& d : ch.put) docs_[{d.collection, d.key}] = d;
    for (const auto& k : ch.erase) docs_.erase(k);
    return true;
  }
  Result<Document> get_document(std::string_view c, std::string_view k) override {
    std::lock_guard l(mu_);
    ++document_reads;
    if (down) return Status::Unavailable("down");
    auto it = docs_.find({std::string(c), std::string(k)});
    if (it == docs_.end()) return Status::NotFound("no document");
    return it->second;
  }
  Status delete_document(std::string_view c, std::string_view k) override {
    std::lock_guard l(mu_);
    docs_.erase({std::string(c), std::string(k)});
    return Status::OK();
  }
  Status scan_documents(std::string_view c, const std::function<bool(const Document&)>& visit) override {
    std::lock_guard l(mu_);
    if (down) return Status::Unavailable("down");
    for (const auto& [key, d] : docs_)
      if (key.first == c && !visit(d)) break;
    return Status::OK();
  }
  Result<std::vector<std::string>> document_collections() override {
    std::lock_guard l(mu_);
    std::vector<std::string> out;
    for (const auto& [key, d] : docs_)
      if (out.empty() || out.back() != key.first) out.push_back(key.first);
    return out;
  }
  Result<StoreCounts> counts() override { return StoreCounts{}; }
  Result<int> schema_version() override { return kSchemaVersion; }
  Status ping() override { return down ? Status::Unavailable("down") : Status::OK(); }
  std::string describe() const override { return "fake:"; }

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Document> docs_;
};

}  // namespace uplift::http::testing
