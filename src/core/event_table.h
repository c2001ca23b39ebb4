// EventTable: every event a Dataset holds, compactly (issue 24: the server keeps millions).
//
// An event is held as an EventRow of 32 bytes: its time, the 64-bit hash of its id, and codes for
// its name, learner (its owner's code: a Dataset's learner table), props' JSON text and quantity.
// Each distinct name, props text and quantity is kept once (a handful of names, props mostly `{}`,
// quantities mostly 1), so an event costs its row and a slot in the set of id hashes, plus its
// props' text when they are new — about 50 bytes instead of the ~450 of an `Event` with four
// strings and a JSON object. The ids' texts stay in the store: nothing that
// reads events in memory needs them (criteria read names, learners, props, times, quantities).
//
// Promises: per account, rows are kept by (ts, id hash) — an order that does not depend on
// arrival; ids are unique across accounts (a second event with an id already held is refused:
// held means its hash is, so of two different ids with the same 64-bit hash the second is taken
// for a duplicate — about one chance in 20,000 over 40 M events arriving live; the store, which
// compares the texts, keeps both, and a start-up reads both back); codes never change once handed out, and name codes are
// dense (0 … name_count() - 1) in order of first arrival. Nothing is ever removed.
// Not thread-safe for writers; concurrent const readers are fine.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
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
  std::uint64_t id = 0;       // its id's hash (EventTable::id_hash)
  std::uint32_t name = 0;     // code of its name (EventTable::name_code)
  std::uint32_t learner = 0;  // code of its learner (the owner's); kNoLearner when none
  std::uint32_t props = 0;    // code + 1 of its props' JSON text in the table's props texts; kEmptyProps for {}
  std::uint32_t qty = 0;      // code of its quantity (EventTable::qty: each distinct value kept once); 0 is 1
};
static_assert(sizeof(EventRow) == 32);

// Texts kept end to end in blocks that never move (each a varint length and its bytes): a text
// costs its bytes and a length byte or two. A text's place never changes; copies keep places.
class TextArena {
 public:
  std::uint64_t append(std::string_view text);  // its place (< 2^48)
  std::string_view text(std::uint64_t place) const;

 private:
  std::vector<std::string> blocks_;
};

// The open-addressing index of a table of distinct values with dense codes (StringCodes, TextSet)
// and of the learners' aliases: slots of (hash's high 32 bits << 32 | code + 1), 0 empty, linear
// probing over a power-of-two size. The values stay in their table; lookups compare through it.
class CodeSlots {
 public:
  // The hash every user of CodeSlots places and finds values under.
  static std::uint64_t hash_of(std::string_view value) { return std::hash<std::string_view>{}(value); }
  // Every code placed under `hash` whose tag matches, in probe order, until `visit` returns true
  // (then that code) or an empty slot (then UINT32_MAX).
  template <typename Visit>
  std::uint32_t find(std::uint64_t hash, Visit visit) const {
    if (slots_.empty()) return UINT32_MAX;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const std::uint64_t slot = slots_[i];
      if (slot == 0) return UINT32_MAX;
      const auto code = static_cast<std::uint32_t>((slot & 0xffffffffu) - 1);
      if ((slot >> 32) == (hash >> 32) && visit(code)) return code;
    }
  }
  // Whether `hash` already has a slot for `code`.
  bool holds(std::uint64_t hash, std::uint32_t code) const {
    return find(hash, [&](std::uint32_t c) { return c == code; }) != UINT32_MAX;
  }
  // Places `code` under `hash`; the caller keeps the load under 7 in 10 (needs_room).
  void place(std::uint64_t hash, std::uint32_t code) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = ((hash >> 32) << 32) | (static_cast<std::uint64_t>(code) + 1);
    ++count_;
  }
  bool needs_room() const { return (count_ + 1) * 10 > slots_.size() * 7; }
  // Empties the index to `slots` (a power of two); the caller places the codes again.
  void reset(std::size_t slots) {
    slots_.assign(slots, 0);
    count_ = 0;
  }
  std::size_t slots() const { return slots_.size(); }

 private:
  std::vector<std::uint64_t> slots_;
  std::size_t count_ = 0;
};

// Distinct texts in a TextArena with dense codes (0, 1, … in order of first arrival), and an
// open-addressing set over them: a text costs its bytes, a length byte or two, its place (8
// bytes) and a slot. Codes never change; copies keep them.
class TextSet {
 public:
  static constexpr std::uint32_t kAbsent = UINT32_MAX;
  std::uint32_t find(std::string_view text) const;  // its code, or kAbsent
  // Adds a text the set does not hold (the caller checked, or knows), returns its code.
  std::uint32_t add_new(std::string_view text);
  // find(), else add_new().
  std::uint32_t intern(std::string_view text);
  std::string_view text(std::uint32_t code) const { return texts_.text(places_[code]); }
  void reserve(std::size_t texts);
  std::size_t size() const { return places_.size(); }

 private:
  std::uint32_t find(std::string_view text, std::uint64_t hash) const;
  std::uint32_t add_new(std::string_view text, std::uint64_t hash);
  void rehash(std::size_t slots);  // a power of two
  TextArena texts_;
  std::vector<std::uint64_t> places_;  // code → place in texts_
  CodeSlots index_;
};

// Distinct strings and their dense codes (0, 1, … in order of first arrival). Codes and the
// strings' addresses never change. The lookup is an open-addressing table of (hash tag, code)
// slots over the strings themselves: a string costs itself and about 11 bytes (a node-based map
// cost 56 more, and a cache miss more per lookup). Copies copy both as they are.
class StringCodes {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  std::uint32_t intern(std::string_view s);
  std::uint32_t find(std::string_view s) const;  // kNone when absent
  const std::string& operator[](std::uint32_t code) const { return values_[code]; }
  std::size_t size() const { return values_.size(); }

 private:
  std::uint32_t find(std::string_view s, std::uint64_t hash) const;
  void rehash(std::size_t slots);  // a power of two
  std::deque<std::string> values_;
  CodeSlots index_;
};

class EventTable {
 public:
  // Learner codes are the owner's (a Dataset's LearnerTable, where "" is code 0).
  static constexpr std::uint32_t kNoLearner = 0;   // the code of ""
  static constexpr std::uint32_t kEmptyProps = 0;  // EventRow::props of {}

  // Adds `e`, whose learner has the code `learner` (the owner's), unless an event with its id is
  // held (then returns false). Set aside when `append` (bulk loads: call sort() before reading),
  // else inserted at its (ts, id hash) place. `id_is_new`: the caller knows no held event has the
  // id (not looked up).
  bool add(const Event& e, std::uint32_t learner, bool append, bool id_is_new = false);
  // The same from views; `e.props` must be a JSON object's text (a store's, as it wrote it).
  bool add(const EventFields& e, std::uint32_t learner, bool append, bool id_is_new = false);
  // Completes the set of held ids, which a bulk load of known-new ids (append and id_is_new)
  // leaves to this (any other add calls it first). It touches only that set: const readers of the
  // rows may run beside it.
  void hold_ids();
  // Gives every event the learner code to[old code] (the owner's codes changed: a load that
  // staged its own).
  void recode_learners(const std::vector<std::uint32_t>& to);
  // Puts the rows set aside into their accounts, each account's in (ts, id) order.
  void sort();
  void reserve(std::size_t events);
  // Room for `events` rows set aside by a bulk load, made once: the rows are not copied as they
  // grow. An overestimate costs address space, not memory (pages are touched as rows arrive).
  void expect_appended(std::size_t events) { appended_.reserve(events); }

  const std::vector<EventRow>& of(std::string_view account) const;
  std::vector<std::string> accounts() const;  // sorted
  std::size_t size() const { return size_; }

  // The hash an event's id is held as (EventRow::id).
  static std::uint64_t id_hash(std::string_view id);
  const std::string& name(const EventRow& e) const { return names_[e.name]; }
  double qty(const EventRow& e) const { return qtys_[e.qty]; }
  // The props as minified JSON text ("{}" when none). Props are kept as text, not as JSON
  // objects: real props carry ids (groups, sessions, URLs) that make most objects distinct, and
  // a parsed object costs ten times its text. props() parses it.
  std::string_view props_text(const EventRow& e) const;
  nlohmann::json props(const EventRow& e) const;
  // The event as a record again, without its id (not held) and with the learner given (tests).
  Event event(std::string_view account, const EventRow& e, std::string_view learner) const;


  std::uint32_t name_code(std::string_view name) const { return names_.find(name); }
  std::size_t name_count() const { return names_.size(); }

 private:
  bool less(const EventRow& x, const EventRow& y) const;

  StringCodes names_;
  TextSet props_;
  std::vector<double> qtys_{1.0};  // distinct quantities by code (0 is 1)
  std::unordered_map<std::uint64_t, std::uint32_t> qty_codes_;  // a quantity's bits → its code (not 1)
  std::uint32_t qty_code(double qty);
  // The held ids' hashes: open addressing, 0 is empty (a hash of 0 is held as 1).
  std::vector<std::uint64_t> id_slots_;
  std::size_t id_count_ = 0;
  bool ids_pending_ = false;  // rows whose ids are not in id_slots_ yet (hold_ids)
  bool holds_id(std::uint64_t hash) const;
  void hold_id(std::uint64_t hash);
  void rehash_ids(std::size_t slots);  // a power of two
  StringCodes accounts_;                   // account id → index into rows_
  std::vector<std::vector<EventRow>> rows_;  // per account, by (ts, id) outside a bulk load
  // A bulk load's rows in arrival order, with their accounts: sort() hands each account exactly
  // the room it needs at once (growing each account's vector event by event leaves most of the
  // memory it ever held unused or in holes).
  std::vector<std::pair<std::uint32_t, EventRow>> appended_;
  std::size_t size_ = 0;
};

}  // namespace uplift
