// Paged, sequence-ordered scans shared by both backends.
//
// Records live in two tables (events, entities), each with its own seq index. A page is read as
// "the next n rows of each table after the cursor"; only rows up to the smaller last seq of a
// full page are certainly complete, so merge_pages keeps those and the next page starts after
// them. Pages are materialised before the visitor runs, so a backend never holds a lock or a
// cursor while user code (which may call back into the store) executes.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace uplift::store {

inline constexpr std::size_t kScanPage = 2048;
// Rows per page of Store::scan_event_times (two small columns per row).
inline constexpr std::size_t kTimesPage = 8 * kScanPage;

// A page of (account, ts) rows kept in one buffer, so a page costs no allocation per row.
class EventTimesPage {
 public:
  void clear() {
    accounts_.clear();
    rows_.clear();
  }
  void add(std::string_view account, Timestamp ts, std::size_t name = 0) {
    rows_.push_back({accounts_.size(), account.size(), ts, name});
    accounts_.append(account);
  }
  std::size_t size() const { return rows_.size(); }
  // Visits the rows in order; false when the visitor stopped.
  bool visit(const Store::EventTimeVisitor& fn) const {
    const std::string_view all(accounts_);
    for (const Row& r : rows_)
      if (!fn(all.substr(r.offset, r.size), r.ts)) return false;
    return true;
  }
  // The same with each row's name index (pages of Store::scan_event_times_of).
  bool visit(const Store::NamedEventTimeVisitor& fn) const {
    const std::string_view all(accounts_);
    for (const Row& r : rows_)
      if (!fn(r.name, all.substr(r.offset, r.size), r.ts)) return false;
    return true;
  }

 private:
  struct Row {
    std::size_t offset, size;
    Timestamp ts;
    std::size_t name;  // index into the scanned names (scan_event_times_of)
  };
  std::string accounts_;
  std::vector<Row> rows_;
};

// A page of event rows (Store::scan_event_fields) kept in one text buffer: no allocation per row.
class EventFieldsPage {
 public:
  void clear() {
    text_.clear();
    rows_.clear();
  }
  void add(Sequence seq, std::string_view id, std::string_view account, std::string_view name,
           std::string_view learner, std::string_view props, Timestamp ts, double qty) {
    Row r{seq, text_.size(), {id.size(), account.size(), name.size(), learner.size(), props.size()}, ts, qty};
    for (std::string_view part : {id, account, name, learner, props}) text_.append(part);
    rows_.push_back(r);
  }
  std::size_t size() const { return rows_.size(); }
  Sequence last_sequence() const { return rows_.empty() ? 0 : rows_.back().seq; }
  // Visits the rows in order; false when the visitor stopped.
  bool visit(const Store::EventFieldsVisitor& fn) const {
    const std::string_view all(text_);
    for (const Row& r : rows_) {
      std::string_view parts[5];
      std::size_t at = r.offset;
      for (int i = 0; i < 5; ++i) {
        parts[i] = all.substr(at, r.sizes[i]);
        at += r.sizes[i];
      }
      if (!fn(EventFields{parts[0], parts[1], parts[2], parts[3], parts[4], r.ts, r.qty})) return false;
    }
    return true;
  }

 private:
  struct Row {
    Sequence seq;
    std::size_t offset;
    std::size_t sizes[5];  // id, account, name, learner, props
    Timestamp ts;
    double qty;
  };
  std::string text_;
  std::vector<Row> rows_;
};

// a and b are each in ascending seq order and were fetched with LIMIT n (full = size()==n).
std::vector<StoredRecord> merge_pages(std::vector<StoredRecord> a, bool a_full,
                                      std::vector<StoredRecord> b, bool b_full);

// Calls fetch(after, n) until it returns an empty page, the limit is reached or visit says stop.
using PageFetch = std::function<Result<std::vector<StoredRecord>>(Sequence after, std::size_t n)>;
Status scan_in_pages(Sequence after, std::size_t limit, const PageFetch& fetch,
                     const std::function<bool(const StoredRecord&)>& visit);

// A page of a scan in key order: its records and the key of its last row (where the next starts).
struct KeyPage {
  std::vector<StoredRecord> records;
  std::string last_key;
};
// Calls fetch(after, n) — the first time with no key (from the start) — until a page is short or
// visit says stop.
using KeyPageFetch = std::function<Result<KeyPage>(const std::string* after, std::size_t n)>;
Status scan_in_key_pages(const KeyPageFetch& fetch, const std::function<bool(const StoredRecord&)>& visit);

}  // namespace uplift::store
