// EventDedupe: notices an event id seen earlier in the same import.
//
// Events are deduplicated by id (the first version wins, as in the store). Seeing the same id
// with the same content again is an ordinary duplicate (a re-sent message); seeing it with
// DIFFERENT content means two sources disagree, which the importer reports as a warning naming
// where the first version was. To stay small on 10M-event imports it keeps 16 bytes per event in
// an open-addressing table: a 64-bit hash of the id, a 32-bit hash of the content and a 32-bit
// position (the caller's running line ordinal). A false report needs two ids whose 64-bit hashes
// collide (about 3e-6 over 10M events).
// The table lives in memory straight from the kernel (zeroed, no fill pass) with transparent huge
// pages asked for before the first touch: lookups land on random slots, and on a VM a 4 KiB page
// fault costs ~15 µs — 8k of them (a 32 MiB table for 1M events) were ~5% of an import's CPU.
#pragma once

#include <cstdint>

#include "core/records.h"

namespace uplift::ingest {

class EventDedupe {
 public:
  enum class Seen { kNew, kSameContent, kDifferentContent };
  struct Check {
    Seen seen = Seen::kNew;
    std::uint32_t first_position = 0;  // position given when the first version was seen
  };
  // Remembers the event (when new) and says whether and how it was seen before.
  Check check(const Event& e, std::uint32_t position) { return check(e, position, prefetch(e)); }
  // The same in two steps, for checking events in groups: prefetch() hashes the id and starts
  // loading its slot (a cache miss); check() with that hash, in input order, a few events later.
  std::uint64_t prefetch(const Event& e) const;
  Check check(const Event& e, std::uint32_t position, std::uint64_t id_hash);
  // Makes room for about `events` ids up front (one allocation instead of repeated doubling).
  void reserve(std::size_t events);
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t id = 0;  // 0 = empty
    std::uint32_t content = 0;
    std::uint32_t position = 0;
  };
  // Zeroed slots from mmap, unmapped by the destructor.
  class Table {
   public:
    Table() = default;
    explicit Table(std::size_t count);
    ~Table();
    Table(Table&& o) noexcept { swap(o); }
    Table& operator=(Table&& o) noexcept {
      swap(o);
      return *this;
    }
    Slot& operator[](std::size_t i) { return slots_[i]; }
    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    Slot* begin() { return slots_; }
    const Slot* data() const { return slots_; }
    Slot* end() { return slots_ + count_; }

   private:
    void swap(Table& o) noexcept;
    Slot* slots_ = nullptr;
    std::size_t count_ = 0;
    void* map_ = nullptr;
    std::size_t map_bytes_ = 0;
  };
  void grow();
  void rehash(std::size_t slots);
  Table slots_;
  std::size_t size_ = 0;
};

std::uint64_t event_content_hash(const Event& e);

}  // namespace uplift::ingest
