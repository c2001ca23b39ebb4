// Cohorts as the Store keeps them: one document per cohort in the "cohorts" collection, shared
// by the CLI (`uplift cohorts`, `uplift report`) and the HTTP server (/v1/cohorts…), so every
// process over one database sees the same cohorts.
//
// Promises: writes are compare-and-swap on the stored document, so a cohort another process
// sent or closed meanwhile is never overwritten by a stale copy; a sent or closed cohort never
// changes (cohorts::check_replace); a malformed document is an error naming its key. Errors are
// values; nothing here throws. Thread-safe as far as the Store is.
#pragma once

#include <mutex>
#include <string_view>
#include <vector>

#include "cohorts/cohort.h"
#include "core/status.h"
#include "core/time.h"
#include "store/store.h"

namespace uplift::app {

// Every cohort document, ordered by id. A malformed document is an error naming its key.
Result<std::vector<cohorts::Cohort>> load_cohorts(Store& store);
Result<cohorts::Cohort> get_cohort(Store& store, std::string_view id);
// Saves (creates or replaces) a cohort; replacing a sent/closed cohort with different content
// is FailedPrecondition (cohorts::check_replace).
Status save_cohort(Store& store, const cohorts::Cohort& cohort, Timestamp now);
// Stores a new cohort only where no cohort has its id (atomically, against other processes too):
// false, storing nothing, when the id is taken.
Result<bool> create_cohort(Store& store, const cohorts::Cohort& cohort, Timestamp now);
// Marks a proposed cohort sent (FailedPrecondition when it is closed; sending twice is a no-op).
Result<cohorts::Cohort> send_cohort(Store& store, std::string_view id, Timestamp now);
// Closes a sent cohort (closing again is a no-op): its accounts are free for other cohorts again,
// and the cohort stays as it was — a closed cohort never changes, and the report still reads it.
// A proposed cohort is refused (FailedPrecondition): it was never run; delete it instead.
Result<cohorts::Cohort> close_cohort(Store& store, std::string_view id, Timestamp now);
// Creating or replacing a cohort reads the stored cohorts (an account may be in one open cohort
// only) and writes one document; the compare-and-set covers that document, not the others. So the
// writes of one process go one at a time, from the read to the write: the caller holds this for
// that span (another process may still interleave: README "Cohorts", known limits).
std::unique_lock<std::mutex> cohort_write_turn();
// Deletes a proposed cohort, only if nobody changed it since it was read (a cohort sent meanwhile,
// by this process or another, is never deleted: its holdout is an experiment record). NotFound
// when there is none; FailedPrecondition when it is sent or closed.
Status delete_cohort(Store& store, std::string_view id);

}  // namespace uplift::app
