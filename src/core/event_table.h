// EventTable: every event a Dataset holds, compactly (issue 24: the server keeps millions).
//
// An event is held as an EventRow of 40 bytes: its time and quantity, codes for its name, learner
// and props, and the place of its id in an arena of ids. Each distinct name, learner and props
// object is kept once (most events share them: a handful of names, a few learners an account,
// props mostly `{}`), so an event costs its row, its id's bytes and a slot in the id set — about
// 80 bytes instead of the ~450 of an `Event` with four strings and a JSON object.
//
// Promises: per account, rows are kept by (ts, id); ids are unique across accounts (a second
// event with an id already held is refused); codes never change once handed out, and name codes
// are dense (0 … name_count() - 1) in order of first arrival. Nothing is ever removed.
// Not thread-safe for writers; concurrent const readers are fine.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/records.h"

namespace uplift {

// One event as an EventTable holds it. Read its strings through the table (or the Dataset).
struct EventRow {
  Timestamp ts = 0;
  double qty = 1;
  std::uint64_t id = 0;       // where its id is in the table's arena
  std::uint32_t name = 0;     // code of its name (EventTable::name_code)
  std::uint32_t learner = 0;  // code of its learner; kNoLearner when none
  std::uint32_t props = 0;    // code of its props; kEmptyProps for {}
};

// Distinct strings and their dense codes (0, 1, … in order of first arrival). Codes and the
// strings' addresses never change; copies rebuild the lookup over their own strings.
class StringCodes {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  StringCodes() = default;
  StringCodes(const StringCodes& other);
  StringCodes& operator=(const StringCodes& other);
  StringCodes(StringCodes&&) noexcept = default;
  StringCodes& operator=(StringCodes&&) noexcept = default;

  std::uint32_t intern(std::string_view s);
  std::uint32_t find(std::string_view s) const;  // kNone when absent
  const std::string& operator[](std::uint32_t code) const { return values_[code]; }
  std::size_t size() const { return values_.size(); }

 private:
  std::deque<std::string> values_;
  std::unordered_map<std::string_view, std::uint32_t> codes_;  // views into values_
};

class EventTable {
 public:
  static constexpr std::uint32_t kNoLearner = 0;   // the code of ""
  static constexpr std::uint32_t kEmptyProps = 0;  // the code of {}

  EventTable();

  // Adds `e` unless an event with its id is held (then returns false). Appended at the end of
  // its account's rows when `append` (bulk loads: call sort() before reading), else inserted at
  // its (ts, id) place. `id_is_new`: the caller knows no held event has the id (not looked up).
  bool add(const Event& e, bool append, bool id_is_new = false);
  // Orders every account's rows by (ts, id) after appends.
  void sort();
  void reserve(std::size_t events);

  const std::vector<EventRow>& of(std::string_view account) const;
  std::vector<std::string> accounts() const;  // sorted
  std::size_t size() const { return size_; }

  std::string_view id(const EventRow& e) const;
  const std::string& name(const EventRow& e) const { return names_[e.name]; }
  const std::string& learner(const EventRow& e) const { return learners_[e.learner]; }
  const nlohmann::json& props(const EventRow& e) const { return props_[e.props]; }
  // The event as a record again (tests, exports).
  Event event(std::string_view account, const EventRow& e) const;

  std::uint32_t name_code(std::string_view name) const { return names_.find(name); }
  std::size_t name_count() const { return names_.size(); }

 private:
  bool less(const EventRow& x, const EventRow& y) const;
  std::uint64_t store_id(std::string_view id);
  // The id set: open addressing over arena places (slot = tag << 48 | place + 1; 0 is empty).
  void insert_id(std::uint64_t hash, std::uint64_t place);
  bool holds_id(std::string_view id, std::uint64_t hash) const;
  void rehash_ids(std::size_t slots);  // a power of two

  StringCodes names_, learners_, props_text_;
  std::deque<nlohmann::json> props_;  // props_[code] is the object props_text_[code] spells
  // Ids, each as a varint length and its bytes, in blocks that never move.
  std::vector<std::string> id_blocks_;
  std::vector<std::uint64_t> id_slots_;
  std::size_t id_count_ = 0;
  std::unordered_map<std::string, std::vector<EventRow>> rows_;
  std::size_t size_ = 0;
};

}  // namespace uplift
