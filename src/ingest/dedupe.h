// EventDedupe: notices an event id seen earlier in the same import.
//
// Events are deduplicated by id (the first version wins, as in the store). Seeing the same id
// with the same content again is an ordinary duplicate (a re-sent message); seeing it with
// DIFFERENT content means two sources disagree, which the importer reports as a warning naming
// where the first version was. To stay small on 10M-event imports it keeps 16 bytes per event in
// an open-addressing table: a 64-bit hash of the id, a 32-bit hash of the content and a 32-bit
// position (the caller's running line ordinal). A false report needs two ids whose 64-bit hashes
// collide (about 3e-6 over 10M events).
#pragma once

#include <cstdint>
#include <vector>

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
  Check check(const Event& e, std::uint32_t position);
  // Makes room for about `events` ids up front (one allocation instead of repeated doubling).
  void reserve(std::size_t events);
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t id = 0;  // 0 = empty
    std::uint32_t content = 0;
    std::uint32_t position = 0;
  };
  void grow();
  void rehash(std::size_t slots);
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

std::uint64_t event_content_hash(const Event& e);

}  // namespace uplift::ingest
