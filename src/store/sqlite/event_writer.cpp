#include "store/sqlite/event_writer.h"

namespace uplift::store::sqlite {
namespace {

// Statement texts: Db caches prepared statements by their addresses.
constexpr const char* kInsertEvent =
    "INSERT OR IGNORE INTO events (seq, id, account, name, ts, learner, qty, props) VALUES (?,?,?,?,?,?,?,?)";
constexpr const char* kDeleteSeqRange = "DELETE FROM events WHERE seq BETWEEN ? AND ?";

// kInsertEvent with kEventsPerInsert rows of values.
const char* insert_events_sql() {
  static const std::string sql = [] {
    std::string s = "INSERT OR IGNORE INTO events (seq, id, account, name, ts, learner, qty, props) VALUES ";
    for (std::size_t i = 0; i < EventWriter::kEventsPerInsert; ++i) s += i ? ",(?,?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?,?)";
    return s;
  }();
  return sql.c_str();
}

}  // namespace

bool EventWriter::write_together(std::span<const Record> records, std::span<const std::string_view> props,
                                 std::size_t& at, Sequence& seq, std::vector<WriteOutcome>& outcomes) {
  constexpr std::size_t n = kEventsPerInsert;
  if (single_events_ > 0 || records.size() - at < n) return false;
  for (std::size_t i = at; i < at + n; ++i)
    if (!std::holds_alternative<Event>(records[i])) return false;
  // Each row's props text must stay put until the statement runs: any the caller did not give are
  // encoded into buffers of their own.
  std::array<std::string_view, n> texts;
  for (std::size_t i = at; i < at + n; ++i) {
    texts[i - at] = i < props.size() ? props[i] : std::string_view();
    if (!texts[i - at].empty()) continue;
    try {
      texts[i - at] = props_texts_[i - at] = props_writer_.text(std::get<Event>(records[i]));
    } catch (...) {
      at = i;
      throw;
    }
  }
  auto s = db_.stmt(insert_events_sql());
  int col = 1;
  for (std::size_t i = at; i < at + n; ++i) {
    const auto& e = std::get<Event>(records[i]);
    s->bind(col, seq + 1 + static_cast<Sequence>(i - at)).bind(col + 1, std::string_view(e.id));
    s->bind(col + 2, std::string_view(e.account)).bind(col + 3, std::string_view(e.name));
    s->bind(col + 4, static_cast<std::int64_t>(e.ts)).bind(col + 5, std::string_view(e.learner));
    s->bind(col + 6, e.qty).bind(col + 7, texts[i - at]);
    col += 8;
  }
  s->step();
  if (db_.changes() != static_cast<std::int64_t>(n)) {
    auto undo = db_.stmt(kDeleteSeqRange);
    undo->bind(1, seq + 1).bind(2, seq + static_cast<Sequence>(n));
    undo->step();
    single_events_ = kSingleEventsAfterDuplicate;
    return false;
  }
  outcomes.insert(outcomes.end(), n, WriteOutcome::kInserted);
  seq += static_cast<Sequence>(n);
  at += n;
  return true;
}

WriteOutcome EventWriter::write_one(const Event& e, std::string_view props, Sequence seq) {
  if (props.empty()) props = props_writer_.text(e);
  auto s = db_.stmt(kInsertEvent);
  s->bind(1, seq).bind(2, std::string_view(e.id)).bind(3, std::string_view(e.account));
  s->bind(4, std::string_view(e.name)).bind(5, static_cast<std::int64_t>(e.ts));
  s->bind(6, std::string_view(e.learner)).bind(7, e.qty).bind(8, props);
  s->step();
  bool inserted = db_.changes() > 0;
  if (single_events_ > 0) --single_events_;
  if (!inserted) single_events_ = kSingleEventsAfterDuplicate;
  return inserted ? WriteOutcome::kInserted : WriteOutcome::kDuplicate;
}

}  // namespace uplift::store::sqlite
