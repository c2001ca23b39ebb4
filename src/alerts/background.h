// Alert judging and delivery are background work: on a machine the service shares between its
// requests and its alerts (two cores, say), a burst of alerts must not slow the answers to an
// LMS or a console. A background thread runs at a lower CPU priority, so a request thread that
// wakes gets the CPU first; it still gets all the CPU nobody else wants.
#pragma once

namespace uplift::alerts {

// Raises the calling thread's nice value by kBackgroundNice (Linux sets it per thread; raising it
// needs no privilege). Best effort: a refusal leaves the thread as it was.
inline constexpr int kBackgroundNice = 10;
void run_in_background();

}  // namespace uplift::alerts
