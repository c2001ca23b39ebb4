#include "milestones/facts.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <forward_list>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>


#include "milestones/key_index.h"

namespace uplift::milestones::detail {
namespace {


// The first override of milestone i whose `when` matches the account wins, whole: the value it
// sets for `has`, or nullptr (the milestone's own value) when it does not set that one. Later
// matching overrides are not consulted (README: "the first matching override per milestone wins").
const Override* find_override(const Params& p, int i, bool (*has)(const Override&)) {
  for (int oi : p.graph.overrides_of[i]) {
    const Override& o = p.graph.overrides[oi];
    if (o.matches(p.account)) return has(o) ? &o : nullptr;
  }
  return nullptr;
}

// An event's props, parsed when read: the Dataset keeps props as JSON text (most events have
// none, and those that do mostly carry distinct ids), so only an event a criterion's `where` or
// distinct field reads is parsed. Each thread keeps the last props it parsed, by their text, so
// the criteria reading one event parse it once.
class EventProps {
 public:
  EventProps(const Dataset& data, const EventRow& e) : data_(data), e_(e) {}
  // The value at "props.a.b"; nullptr when absent. Valid until this thread parses other props.
  const nlohmann::json* field(const std::string& path) {
    if (e_.props == EventTable::kEmptyProps) return nullptr;
    struct LastParsed {
      std::string text;
      nlohmann::json props;
    };
    thread_local LastParsed last;
    const std::string_view text = data_.event_props_text(e_);
    if (last.text != text) {
      last.props = nlohmann::json::parse(text);
      last.text = text;
    }
    const nlohmann::json* cur = &last.props;
    std::size_t start = 6;  // after "props."
    while (true) {
      std::size_t dot = path.find('.', start);
      std::string_view key = std::string_view(path).substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (!cur->is_object()) return nullptr;
      auto it = cur->find(key);
      if (it == cur->end()) return nullptr;
      cur = &*it;
      if (dot == std::string::npos) return cur;
      start = dot + 1;
    }
  }

 private:
  const Dataset& data_;
  const EventRow& e_;
};

bool matches_where(const Dataset& data, const EventRow& e, const std::vector<Condition>& where) {
  EventProps props(data, e);
  for (const auto& c : where) {
    bool ok = false;
    if (c.field == "learner" || c.field == "name") {
      const std::string& v = c.field == "learner" ? data.event_learner(e) : data.event_name(e);
      for (const auto& want : c.values) ok = ok || (want.is_string() && want.get_ref<const std::string&>() == v);
    } else if (const nlohmann::json* v = props.field(c.field)) {
      for (const auto& want : c.values) ok = ok || *v == want;
    }
    if (!ok) return false;
  }
  return true;
}

enum class KeyField { kLearner, kName, kProp };

KeyField key_field(const std::string& field) {
  return field == "learner" ? KeyField::kLearner : field == "name" ? KeyField::kName : KeyField::kProp;
}

// The distinct key of a non-string value. Values are typed, as in `where` (JSON equality): the
// number 1 and the string "1" are two values, 1 and 1.0 one. A leading \x01 keeps every such key
// apart from every string key; integral floats are written as integers.
std::string typed_key(const nlohmann::json& v) {
  std::string key = "\x01";
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
      key += std::to_string(static_cast<std::int64_t>(d));
      return key;
    }
  }
  if (v.is_number_unsigned() && v.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) {
    key += std::to_string(v.get<std::int64_t>());
    return key;
  }
  key += v.dump();
  return key;
}

// The distinct-value key of an event: a view of the learner's or name's text (which the Dataset
// keeps for good), or — for a props value — its text rendered into `storage` (a string as is,
// another value by typed_key), with *rendered set. False when the event has no such value.
bool distinct_key_view(const Dataset& data, const EventRow& e, KeyField kind, const std::string& field,
                       std::string_view& out, std::string& storage, bool& rendered) {
  rendered = false;
  if (kind == KeyField::kLearner) {
    out = data.event_learner(e);
    return !out.empty();
  }
  if (kind == KeyField::kName) {
    out = data.event_name(e);
    return true;
  }
  EventProps props(data, e);
  const nlohmann::json* v = props.field(field);
  if (!v || v->is_null()) return false;
  storage = v->is_string() ? v->get_ref<const std::string&>() : typed_key(*v);
  out = storage;
  rendered = true;
  return true;
}

bool reads(const Dataset& data, const Criterion& c, const EventRow& e) {
  if (!c.events.empty()) {
    bool named = false;
    const std::string& event_name = data.event_name(e);
    for (const auto& name : c.events)
      if (name.size() == event_name.size() && name == event_name) {
        named = true;
        break;
      }
    if (!named) return false;
  }
  return c.where.empty() || matches_where(data, e, c.where);
}

// Running measurement of one criterion during a pass over time-ordered events. Keys are views of
// the Dataset's learner and name texts or of `owned` (props values, rendered), neither of which
// changes during a pass.
struct Accumulator {
  int index = 0;
  const Criterion* c = nullptr;
  KeyField field = KeyField::kProp;
  double threshold = 1;
  std::optional<int> window;
  Facts facts;
  KeySet seen;  // unwindowed distinct: every key so far
  // Windowed distinct: `last[k]` is the sequence number of key k's latest entry (k numbered by
  // `key_numbers`); a key is in the window while that entry is live (seq >= live_from).
  struct KeyEntry {
    Date day;
    std::uint32_t key;
    std::size_t seq;
  };
  KeyIndex key_numbers;
  std::vector<std::size_t> last;
  std::vector<KeyEntry> key_entries;
  std::size_t next_seq = 0, live_from = 0, in_window = 0;
  std::forward_list<std::string> owned;  // rendered non-string keys (stable addresses)
  std::string storage;
  // The window's entries in time order, [head, size) live; vectors (not deques) so that an
  // accumulator that never sees a matching event allocates nothing.
  std::vector<std::pair<Date, double>> amounts;  // windowed count/sum
  std::size_t head = 0;
  double window_sum = 0;

  // Starts a pass for criterion i, keeping the storage of any earlier pass (unless one big
  // account grew it large: a thread's scratch should not hold on to that).
  void reset(const Params& p, int i) {
    constexpr std::size_t kKeep = 1 << 14;
    if (key_entries.capacity() > kKeep) key_entries = {};
    if (amounts.capacity() > kKeep) amounts = {};
    if (last.capacity() > kKeep) last = {};
    index = i;
    c = &*p.graph.milestones[i].criterion;
    field = key_field(c->field);
    threshold = p.threshold(i);
    window = p.window(i);
    facts = {};
    seen = KeySet();
    key_numbers.clear();
    last.clear();
    key_entries.clear();
    next_seq = live_from = in_window = 0;
    owned.clear();
    storage.clear();
    amounts.clear();
    head = 0;
    window_sum = 0;
  }

  template <typename Entries>
  void drop_front(Entries& entries) {
    if (++head == entries.size() || (head >= 64 && head * 2 >= entries.size())) {
      entries.erase(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(head));
      head = 0;
    }
  }

  // `replay` only rebuilds the window contents (priming a resumed scan); facts stay untouched.
  void add(const Dataset& data, const EventRow& e, bool replay = false) {
    if (!replay && !facts.first_use) facts.first_use = e.ts;
    Date day = date_of(e.ts);
    double value = 0;
    if (c->measure == Measure::kDistinct) {
      std::string_view key;
      bool rendered = false;
      if (!distinct_key_view(data, e, field, c->field, key, storage, rendered)) return;
      if (rendered && window) {  // the window's key index keeps views (`seen` keeps copies)
        owned.push_front(std::move(storage));
        storage.clear();
        key = owned.front();
      }
      if (!window) {
        if (seen.find(key) == seen.end()) {
          seen.emplace(key);
          facts.total += 1;
        }
        value = facts.total;
      } else {  // facts.total stays 0: windowed progress reads the current window
        bool inserted = false;
        std::uint32_t k = key_numbers.intern(key, inserted);
        if (inserted) last.push_back(next_seq);
        if (inserted || last[k] < live_from) ++in_window;
        last[k] = next_seq;
        key_entries.push_back({day, k, next_seq++});
        while (head < key_entries.size() && key_entries[head].day <= day - *window) {
          const KeyEntry& f = key_entries[head];
          if (last[f.key] == f.seq) --in_window;  // the key's latest entry leaves: so does the key
          ++live_from;
          drop_front(key_entries);
        }
        value = static_cast<double>(in_window);
      }
    } else {
      double amount = c->measure == Measure::kSum ? data.event_qty(e) : 1.0;
      if (!replay) facts.total += amount;
      value = facts.total;
      if (window) {
        amounts.emplace_back(day, amount);
        window_sum += amount;
        while (head < amounts.size() && amounts[head].first <= day - *window) {
          window_sum -= amounts[head].second;
          drop_front(amounts);
        }
        value = window_sum;
        // The running sum's rounding depends on the history before the window; near the
        // threshold decide on the window's own sum (in order) so a resumed scan decides alike.
        if (std::abs(value + kEps - threshold) < 1e-6 * std::max(1.0, std::abs(threshold))) {
          value = 0;
          for (std::size_t i = head; i < amounts.size(); ++i) value += amounts[i].second;
        }
      }
    }
    if (!replay && !facts.met_at && value + kEps >= threshold) facts.met_at = e.ts;
  }
};

// Which of up to 64 criteria read an event, by its name code (EventRow::name): one
// array index per event instead of a name comparison per criterion (`where` conditions are still
// checked per criterion).
class Router {
 public:
  Router() = default;
  Router(const std::vector<const Criterion*>& criteria, const Dataset& data) { reset(criteria, data); }
  void reset(const std::vector<const Criterion*>& criteria, const Dataset& data) {
    usable_ = criteria.size() <= 64;
    always_ = 0;
    if (!usable_) return;
    by_code_.assign(data.event_name_count(), 0);
    for (std::size_t k = 0; k < criteria.size(); ++k) {
      std::uint64_t bit = std::uint64_t{1} << k;
      if (criteria[k]->events.empty()) always_ |= bit;
      for (const auto& name : criteria[k]->events) {
        Dataset::NameCode code = data.event_name_code(name);
        if (code != Dataset::kNoNameCode) by_code_[code] |= bit;  // else no event has that name
      }
    }
  }
  bool usable() const { return usable_; }
  std::uint64_t route(Dataset::NameCode code) const { return always_ | by_code_[code]; }

 private:
  bool usable_ = true;
  std::uint64_t always_ = 0;
  std::vector<std::uint64_t> by_code_;
};

// Calls fn(k) for every criterion k (index into `criteria`) that reads e.
template <typename Fn>
void for_each_reader(const Dataset& data, const Router& router, const std::vector<const Criterion*>& criteria,
                     const EventRow& e, Fn&& fn) {
  if (!router.usable()) {
    for (std::size_t k = 0; k < criteria.size(); ++k)
      if (reads(data, *criteria[k], e)) fn(k);
    return;
  }
  for (std::uint64_t mask = router.route(e.name); mask != 0; mask &= mask - 1) {
    auto k = static_cast<std::size_t>(std::countr_zero(mask));
    if (criteria[k]->where.empty() || matches_where(data, e, criteria[k]->where)) fn(k);
  }
}

Accumulator make_accumulator(const Params& p, int i) {
  Accumulator a;
  a.reset(p, i);
  return a;
}

bool unwindowed_distinct(const Accumulator& a) { return a.c->measure == Measure::kDistinct && !a.window; }

KeySet* keys_of(ScanMemory& m, int i) {
  for (auto& [index, keys] : m.keys)
    if (index == i) return &keys;
  return nullptr;
}

// Stores the accumulators' results (and, with memory, their key sets and the scanned prefix).
template <typename Accumulators>
void store(Accumulators& accs, const std::vector<EventRow>& events, std::size_t scanned,
           std::vector<Facts>& facts, ScanMemory* memory) {
  for (auto& a : accs) facts[a.index] = std::move(a.facts);
  if (!memory) return;
  memory->scanned = scanned;
  memory->last_id = scanned ? events[scanned - 1].id : 0;
  for (auto& a : accs) {
    auto* keys = keys_of(*memory, a.index);
    if (unwindowed_distinct(a)) {
      if (keys) *keys = std::move(a.seen);
      else memory->keys.emplace_back(a.index, std::move(a.seen));
    } else if (keys) {
      std::erase_if(memory->keys, [&](const auto& k) { return k.first == a.index; });
    }
  }
}

}  // namespace

double Params::threshold(int i) const {
  const Override* o = find_override(*this, i, [](const Override& x) { return x.threshold.has_value(); });
  return o ? *o->threshold : graph.milestones[i].criterion->threshold;
}

std::optional<int> Params::window(int i) const {
  const Override* o = find_override(*this, i, [](const Override& x) { return x.window_days.has_value(); });
  return o ? o->window_days : graph.milestones[i].criterion->window_days;
}

int Params::k(int i) const {
  const Override* o = find_override(*this, i, [](const Override& x) { return x.k.has_value(); });
  return o ? *o->k : graph.milestones[i].gate->k;
}

std::optional<Decline> Params::decline(int i) const {
  const Override* o = find_override(*this, i, [](const Override& x) { return x.decline.has_value(); });
  return o ? o->decline->apply(graph.milestones[i].decline) : graph.milestones[i].decline;
}

namespace {

// What scan_criteria reuses from one account to the next on a thread (a rebuild scans every
// account): the accumulators' tables and vectors keep their storage.
struct ScanScratch {
  std::vector<Accumulator> accs;  // [0, used) belong to the current pass
  std::size_t used = 0;
  std::vector<const Criterion*> read;
  std::vector<int> completions;
  Router router;
};

// A view of the scratch's current accumulators that store() can iterate.
struct InUse {
  ScanScratch& s;
  Accumulator* begin() { return s.accs.data(); }
  Accumulator* end() { return s.accs.data() + s.used; }
};

}  // namespace

void scan_criteria(const Params& p, const Dataset& data, const std::string& account, Timestamp as_of,
                   const std::vector<int>& criteria, std::vector<Facts>& facts, ScanMemory* memory) {
  thread_local ScanScratch scratch;
  ScanScratch& s = scratch;
  s.used = 0;
  s.read.clear();
  s.completions.clear();
  for (int i : criteria) {
    if (p.graph.milestones[i].criterion->source == Source::kCompletions) {
      s.completions.push_back(i);
      continue;
    }
    if (s.used == s.accs.size()) s.accs.emplace_back();
    Accumulator& a = s.accs[s.used++];
    a.reset(p, i);
    s.read.push_back(a.c);
  }
  if (s.used > 0) {
    const auto& events = data.events_of(account);
    s.router.reset(s.read, data);
    std::size_t n = 0;
    for (; n < events.size() && events[n].ts <= as_of; ++n)
      for_each_reader(data, s.router, s.read, events[n], [&](std::size_t k) { s.accs[k].add(data, events[n]); });
    InUse accs{s};
    store(accs, events, n, facts, memory);
  }
  for (int i : s.completions) {
    const Criterion& c = *p.graph.milestones[i].criterion;
    std::vector<Timestamp> firsts;  // first qualifying completion per learner
    for (LearnerRef l : data.learners_of(account)) {
      for (const CompletionRow& comp : data.completions_of(l->id())) {
        if (comp.ts > as_of) break;
        if (comp.status != CompletionStatus::kCompleted && comp.status != CompletionStatus::kPassed) continue;
        if (!c.content.empty() && std::find(c.content.begin(), c.content.end(), data.completion_content(comp)) == c.content.end())
          continue;
        firsts.push_back(comp.ts);
        break;
      }
    }
    std::sort(firsts.begin(), firsts.end());
    Facts f;
    f.total = static_cast<double>(firsts.size());
    if (!firsts.empty()) f.first_use = firsts.front();
    auto need = static_cast<std::size_t>(std::ceil(p.threshold(i) - kEps));
    if (need == 0) need = 1;
    if (firsts.size() >= need) f.met_at = firsts[need - 1];
    facts[i] = f;
  }
}

bool only_appended(const Dataset& data, const std::string& account, const ScanMemory& memory) {
  const auto& events = data.events_of(account);
  if (events.size() < memory.scanned) return false;
  return memory.scanned == 0 || events[memory.scanned - 1].id == memory.last_id;
}

void scan_tail(const Params& p, const Dataset& data, const std::string& account, Timestamp as_of,
               std::vector<Facts>& facts, ScanMemory& memory) {
  const auto& events = data.events_of(account);
  std::size_t from = memory.scanned;
  if (from >= events.size() || events[from].ts > as_of) return;
  std::size_t end = from;
  while (end < events.size() && events[end].ts <= as_of) ++end;
  // Only the criteria that read some new event need any work.
  Date first_day = date_of(events[from].ts);
  std::vector<Accumulator> accs;
  for (std::size_t i = 0; i < p.graph.milestones.size(); ++i) {
    const Milestone& m = p.graph.milestones[i];
    if (!m.criterion || m.criterion->source != Source::kEvents) continue;
    bool fed = false;
    for (std::size_t k = from; k < end && !fed; ++k) fed = reads(data, *m.criterion, events[k]);
    if (!fed) continue;
    Accumulator a = make_accumulator(p, static_cast<int>(i));
    a.facts = facts[i];
    if (unwindowed_distinct(a)) {
      if (auto* keys = keys_of(memory, a.index)) a.seen = std::move(*keys);
    } else if (a.window && !a.facts.met_at) {
      // Re-prime the window as it stood before the first new event: the scanned events on the
      // days it covers (binary search; the rest of the history cannot matter any more).
      Timestamp lo = start_of(first_day - *a.window + 1);
      auto it = std::lower_bound(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(from), lo,
                                 [](const EventRow& e, Timestamp t) { return e.ts < t; });
      for (; it != events.begin() + static_cast<std::ptrdiff_t>(from); ++it)
        if (reads(data, *a.c, *it)) a.add(data, *it, true);
    }
    accs.push_back(std::move(a));
  }
  for (std::size_t k = from; k < end; ++k)
    for (auto& a : accs)
      if (reads(data, *a.c, events[k])) a.add(data, events[k]);
  store(accs, events, end, facts, &memory);
}

TimeValues time_values(const Params& p, const Dataset& data, const std::string& account, Timestamp as_of) {
  TimeValues tv;
  time_values(p, data, account, as_of, tv);
  return tv;
}

namespace {

// A criterion whose value depends on the as-of day: windowed, or with a usage-decline trigger.
struct TimeWant {
  int index;
  std::optional<int> window;
  std::optional<Decline> decline;
};

std::vector<TimeWant> time_wants(const Params& p) {
  std::vector<TimeWant> wants;
  const Graph& g = p.graph;
  for (std::size_t i = 0; i < g.milestones.size(); ++i) {
    const Milestone& m = g.milestones[i];
    if (!m.criterion || m.criterion->source != Source::kEvents) continue;
    auto w = p.window(static_cast<int>(i));
    auto d = p.decline(static_cast<int>(i));
    if (w || d) wants.push_back({static_cast<int>(i), w, d});
  }
  return wants;
}

// Adds events[from, end) (all at or before the as-of, on day `today`) to tv's window values (not
// windowed distinct ones: each key is passed to on_key(milestone index, key, scratch) instead —
// when `scratch`, the key is a rendering of a non-string value, valid during the call only;
// otherwise it points into the event) and decline volumes.
template <typename OnKey>
void fold_time_events(const Params& p, const Dataset& data, const std::string& account, std::size_t from,
                      std::size_t end, Date today, const std::vector<TimeWant>& wants, TimeValues& tv, OnKey on_key) {
  if (from >= end) return;
  const Graph& g = p.graph;
  const auto& events = data.events_of(account);
  std::string storage;
  std::vector<const Criterion*> read;
  for (const auto& w : wants) read.push_back(&*g.milestones[w.index].criterion);
  Router router(read, data);
  for (std::size_t at = from; at < end; ++at) {
    const EventRow& e = events[at];
    Date day = date_of(e.ts);
    for_each_reader(data, router, read, e, [&](std::size_t k) {
      const TimeWant& w = wants[k];
      const Criterion& c = *g.milestones[w.index].criterion;
      if (w.window && day > today - *w.window) {
        if (c.measure == Measure::kDistinct) {
          std::string_view key;
          bool rendered = false;
          if (distinct_key_view(data, e, key_field(c.field), c.field, key, storage, rendered))
            on_key(w.index, key, rendered);
        } else {
          tv.window_value[w.index] += c.measure == Measure::kSum ? data.event_qty(e) : 1.0;
        }
      }
      if (w.decline) {
        double amount = c.measure == Measure::kSum ? data.event_qty(e) : 1.0;
        int r = w.decline->recent_days, b = w.decline->baseline_days;
        DeclineVolume& v = tv.decline[w.index];
        if (day > today - r) v.recent += amount, ++v.recent_events;
        else if (day > today - r - b) v.baseline += amount, ++v.baseline_events;
      }
    });
  }
}

void set_nonzero(TimeValues& tv) {
  tv.nonzero = false;
  for (std::size_t i = 0; i < tv.window_value.size(); ++i)
    if (tv.window_value[i] != 0 || tv.decline[i].recent_events != 0 || tv.decline[i].baseline_events != 0)
      tv.nonzero = true;
}

// The index of the first event after as_of, and of the first at or after the time horizon.
std::size_t end_at(const std::vector<EventRow>& events, std::size_t from, Timestamp as_of) {
  while (from < events.size() && events[from].ts <= as_of) ++from;
  return from;
}
std::size_t horizon_index(const Params& p, const std::vector<EventRow>& events, Timestamp as_of) {
  Timestamp from = time_horizon(p.graph, p.graph.overrides, as_of);
  return static_cast<std::size_t>(std::lower_bound(events.begin(), events.end(), from,
                                                   [](const EventRow& e, Timestamp t) { return e.ts < t; }) -
                                  events.begin());
}

}  // namespace

void time_values(const Params& p, const Dataset& data, const std::string& account, Timestamp as_of,
                 TimeValues& tv) {
  const std::size_t n = p.graph.milestones.size();
  tv.window_value.assign(n, 0);
  tv.decline.assign(n, {});
  tv.nonzero = false;
  const Date today = date_of(as_of);
  tv.churned = churned_as_of(data, account, today);
  const std::vector<TimeWant> wants = time_wants(p);
  if (wants.empty()) return;
  const auto& events = data.events_of(account);
  const std::size_t from = horizon_index(p, events, as_of);
  // Windowed distinct keys, by milestone index, counted at the end (views into the events; a
  // non-string value is kept in `dumped`, whose strings never move).
  std::vector<std::vector<std::string_view>> keys(n);
  std::forward_list<std::string> dumped;
  fold_time_events(p, data, account, from, end_at(events, from, as_of), today, wants, tv,
                   [&](int index, std::string_view key, bool scratch) {
                     if (scratch) {
                       dumped.emplace_front(key);
                       key = dumped.front();
                     }
                     keys[static_cast<std::size_t>(index)].push_back(key);
                   });
  for (std::size_t i = 0; i < n; ++i) {
    if (keys[i].empty()) continue;
    std::sort(keys[i].begin(), keys[i].end());
    tv.window_value[i] = static_cast<double>(std::unique(keys[i].begin(), keys[i].end()) - keys[i].begin());
  }
  set_nonzero(tv);
}

void time_values(const Params& p, const Dataset& data, const std::string& account, Timestamp as_of,
                 TimeMemory& memory) {
  const std::size_t n = p.graph.milestones.size();
  const Date today = date_of(as_of);
  TimeValues& tv = memory.values;
  const auto& events = data.events_of(account);
  const bool fold = memory.valid && memory.day == today && tv.window_value.size() == n &&
                    events.size() >= memory.scanned &&
                    (memory.scanned == 0 || events[memory.scanned - 1].id == memory.last_id);
  const std::vector<TimeWant> wants = time_wants(p);
  std::size_t from = memory.scanned;
  if (!fold) {
    tv.window_value.assign(n, 0);
    tv.decline.assign(n, {});
    memory.window_keys.clear();
    for (const TimeWant& w : wants)
      if (w.window && p.graph.milestones[static_cast<std::size_t>(w.index)].criterion->measure == Measure::kDistinct)
        memory.window_keys.emplace_back(w.index, KeySet{});
    from = wants.empty() ? end_at(events, 0, as_of) : horizon_index(p, events, as_of);
  }
  const std::size_t end = end_at(events, from, as_of);
  fold_time_events(p, data, account, from, end, today, wants, tv, [&](int index, std::string_view key, bool) {
    for (auto& [i, keys] : memory.window_keys)
      if (i == index) keys.emplace(key);
  });
  for (const auto& [index, keys] : memory.window_keys)
    tv.window_value[static_cast<std::size_t>(index)] = static_cast<double>(keys.size());
  tv.churned = churned_as_of(data, account, today);  // renewals and the account record may have changed
  set_nonzero(tv);
  memory.scanned = end;
  memory.last_id = end ? events[end - 1].id : 0;
  memory.day = today;
  memory.valid = true;
}

}  // namespace uplift::milestones::detail
