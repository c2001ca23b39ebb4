#include "store/scan.h"

#include <algorithm>
#include <limits>

namespace uplift::store {

std::vector<StoredRecord> merge_pages(std::vector<StoredRecord> a, bool a_full,
                                      std::vector<StoredRecord> b, bool b_full) {
  Sequence bound = std::numeric_limits<Sequence>::max();
  if (a_full && !a.empty()) bound = std::min(bound, a.back().seq);
  if (b_full && !b.empty()) bound = std::min(bound, b.back().seq);
  std::vector<StoredRecord> out;
  out.reserve(a.size() + b.size());
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    bool take_a = j >= b.size() || (i < a.size() && a[i].seq < b[j].seq);
    StoredRecord& r = take_a ? a[i++] : b[j++];
    if (r.seq > bound) break;
    out.push_back(std::move(r));
  }
  return out;
}

Status scan_in_pages(Sequence after, std::size_t limit, const PageFetch& fetch,
                     const std::function<bool(const StoredRecord&)>& visit) {
  std::size_t seen = 0;
  for (;;) {
    std::size_t n = kScanPage;
    if (limit > 0) n = std::min(n, limit - seen);
    if (n == 0) return Status::OK();
    auto page = fetch(after, n);
    if (!page.ok()) return page.status();
    if (page->empty()) return Status::OK();
    for (const StoredRecord& r : *page) {
      if (!visit(r)) return Status::OK();
      after = r.seq;
      if (limit > 0 && ++seen >= limit) return Status::OK();
    }
  }
}

Status scan_in_key_pages(const KeyPageFetch& fetch, const std::function<bool(const StoredRecord&)>& visit) {
  std::string after;
  for (bool first = true;; first = false) {
    auto page = fetch(first ? nullptr : &after, kScanPage);
    if (!page.ok()) return page.status();
    for (const StoredRecord& r : page->records)
      if (!visit(r)) return Status::OK();
    if (page->records.size() < kScanPage) return Status::OK();
    after = std::move(page->last_key);
  }
}

}  // namespace uplift::store
