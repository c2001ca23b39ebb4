#include "store/mysql/write_batch.h"

#include <functional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/codec.h"

namespace uplift::store::mysql {
namespace {

// Rows per statement: a power of two up to kMaxRows (so a connection caches at most 12
// statements per shape), and at most kMaxStatementBytes of values unless a single row is bigger
// (max_allowed_packet is 16 MiB by default on MariaDB, 64 MiB on MySQL 8).
constexpr std::size_t kMaxRows = 2048;
constexpr std::size_t kMaxStatementBytes = 4 << 20;

// Calls fn(begin, count) over [0, total) in chunks of kMaxRows, then powers of two; with
// row_bytes, a chunk is halved until its values fit kMaxStatementBytes.
template <typename Fn>
void for_each_chunk(std::size_t total, Fn&& fn, const std::function<std::size_t(std::size_t)>& row_bytes = {}) {
  std::size_t at = 0;
  while (at < total) {
    std::size_t left = total - at, n = kMaxRows;
    while (n > left) n /= 2;
    if (row_bytes) {
      for (;;) {
        std::size_t bytes = 0;
        for (std::size_t i = 0; i < n && bytes <= kMaxStatementBytes; ++i) bytes += row_bytes(at + i);
        if (bytes <= kMaxStatementBytes || n == 1) break;
        n /= 2;
      }
    }
    fn(at, n);
    at += n;
  }
}

// "prefix (?,?),(?,?) suffix" with `rows` groups of `row`.
std::string rows_sql(std::string_view prefix, std::string_view row, std::size_t rows, std::string_view suffix = "") {
  std::string s(prefix);
  s.reserve(prefix.size() + rows * (row.size() + 1) + suffix.size());
  for (std::size_t i = 0; i < rows; ++i) {
    if (i) s += ',';
    s += row;
  }
  s += suffix;
  return s;
}

std::string entity_map_key(RecordKind kind, std::string_view key) {
  std::string k(kind_name(kind));
  k += '\0';
  k += key;
  return k;
}

void rollback_quietly(Conn& c) {
  try {
    c.run("ROLLBACK");
  } catch (...) {
  }
}

constexpr int kDuplicateEntry = 1062;  // ER_DUP_ENTRY

// One attempt. With assume_new_events the stored event ids are not looked up: every event not
// repeated within the batch is inserted as new, and a stored id makes the INSERT fail with
// ER_DUP_ENTRY (the transaction is rolled back and the error rethrown).
Result<WriteResult> write_batch_once(Conn& c, const std::vector<EncodedRecord>& batch, bool assume_new_events);

// The highest sequence in the events and entities tables (outside any transaction: what is
// committed now).
Sequence highest_stored_sequence(Conn& c) {
  std::unique_ptr<sql::ResultSet> rs(c.prep(
      "SELECT GREATEST(COALESCE((SELECT MAX(seq) FROM events), 0), COALESCE((SELECT MAX(seq) FROM entities), 0))")
                                         .executeQuery());
  return rs->next() ? rs->getInt64(1) : 0;
}

}  // namespace

Result<std::vector<EncodedRecord>> encode_batch(std::span<const Record> records) {
  std::vector<EncodedRecord> out;
  out.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    try {
      if (const auto* e = std::get_if<Event>(&r)) {
        out.push_back({RecordKind::kEvent, e->id, props_text(*e), e});
      } else {
        out.push_back({kind_of(r), record_key(r), entity_body(r), nullptr});
      }
    } catch (const nlohmann::json::exception& ex) {
      return Status::InvalidArgument(fmt::format("record {} of the batch ({} '{}') cannot be stored: {}", i + 1,
                                                 kind_name(kind_of(r)), record_key(r), ex.what()));
    }
  }
  return out;
}

Result<WriteResult> write_batch(Conn& c, const std::vector<EncodedRecord>& batch, bool assume_new_events,
                                bool* fell_back) {
  if (assume_new_events) {
    try {
      return write_batch_once(c, batch, true);
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != kDuplicateEntry) throw;
      // An event id was stored already: the transaction was rolled back; decide carefully.
      if (fell_back) *fell_back = true;
    }
  }
  try {
    return write_batch_once(c, batch, false);
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != kDuplicateEntry) throw;
    // This attempt looked up what is stored and numbered its rows under the counter row's lock,
    // so a duplicate sequence now means either that the counter is behind the stored rows (edited
    // or restored apart from them), or that another writer committed first. On Galera the lock is
    // the node's own: another node's rows can be applied here before this transaction is
    // certified, and its insert then meets them (1062 rather than 1213). Either way the attempt is
    // retried like a deadlock (with_conn); a lagging counter is first moved past the stored rows,
    // as the SQLite backend numbers past them, so no stored record is ever overwritten.
    const Sequence highest = highest_stored_sequence(c);
    auto& catch_up = c.prep("UPDATE meta SET v = ? WHERE k = 'seq' AND v < ?");
    catch_up.setInt64(1, highest);
    catch_up.setInt64(2, highest);
    catch_up.executeUpdate();  // autocommit: write_batch_once rolled its transaction back
    throw sql::SQLException(fmt::format("a sequence number was taken meanwhile: {}", e.what()), "40001", 1213);
  }
}

namespace {

Result<WriteResult> write_batch_once(Conn& c, const std::vector<EncodedRecord>& batch, bool assume_new_events) {
  WriteResult result;
  result.outcomes.resize(batch.size(), WriteOutcome::kDuplicate);
  c.run("START TRANSACTION");
  try {
    Sequence seq = 0;
    {
      std::unique_ptr<sql::ResultSet> rs(c.prep("SELECT v FROM meta WHERE k = 'seq' FOR UPDATE").executeQuery());
      if (rs->next()) seq = rs->getInt64(1);
    }
    const Sequence first = seq;

    // What is stored already: event ids, and current bodies of the entity keys in the batch.
    std::vector<const std::string*> event_ids;
    std::unordered_map<RecordKind, std::vector<const std::string*>> entity_keys;
    {
      std::unordered_set<std::string_view> seen_ev;
      std::unordered_set<std::string> seen_en;
      for (const EncodedRecord& r : batch) {
        if (r.kind == RecordKind::kEvent) {
          if (seen_ev.insert(r.key).second) event_ids.push_back(&r.key);
        } else if (seen_en.insert(entity_map_key(r.kind, r.key)).second) {
          entity_keys[r.kind].push_back(&r.key);
        }
      }
    }
    std::unordered_set<std::string> stored_ids;
    if (!assume_new_events) for_each_chunk(event_ids.size(), [&](std::size_t at, std::size_t n) {
      auto& s = c.prep(rows_sql("SELECT id FROM events WHERE id IN (", "?", n, ")"));
      for (std::size_t i = 0; i < n; ++i) s.setString(static_cast<unsigned>(i + 1), *event_ids[at + i]);
      std::unique_ptr<sql::ResultSet> rs(s.executeQuery());
      while (rs->next()) stored_ids.insert(rs->getString(1).asStdString());
    });
    // Current state per entity key: its body and (for rows written by this batch) its seq.
    struct EntityState {
      std::string body;
      Sequence seq = 0;  // 0: unchanged by this batch
    };
    std::unordered_map<std::string, EntityState> entities;
    for (auto& [kind, keys] : entity_keys) {
      std::string kind_text(kind_name(kind));
      for_each_chunk(keys.size(), [&, kind = kind, &keys = keys](std::size_t at, std::size_t n) {
        auto& s = c.prep(rows_sql("SELECT rkey, body FROM entities WHERE kind = ? AND rkey IN (", "?", n, ")"));
        s.setString(1, kind_text);
        for (std::size_t i = 0; i < n; ++i) s.setString(static_cast<unsigned>(i + 2), *keys[at + i]);
        std::unique_ptr<sql::ResultSet> rs(s.executeQuery());
        while (rs->next())
          entities[entity_map_key(kind, rs->getString(1).asStdString())].body = rs->getString(2).asStdString();
      });
    }

    // Outcomes in input order.
    std::vector<std::pair<Sequence, const EncodedRecord*>> new_events;
    std::vector<const std::string*> touched;  // entity map keys written by this batch, first-touch order
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const EncodedRecord& r = batch[i];
      if (r.kind == RecordKind::kEvent) {
        if (stored_ids.insert(r.key).second) {
          new_events.emplace_back(++seq, &r);
          result.outcomes[i] = WriteOutcome::kInserted;
        }
        continue;
      }
      auto [it, absent] = entities.try_emplace(entity_map_key(r.kind, r.key));
      EntityState& st = it->second;
      bool existed = !absent && (st.seq != 0 || !st.body.empty());
      if (existed && st.body == r.text) continue;
      result.outcomes[i] = existed ? WriteOutcome::kUpdated : WriteOutcome::kInserted;
      if (st.seq == 0) touched.push_back(&it->first);
      st.body = r.text;
      st.seq = ++seq;
    }

    for_each_chunk(new_events.size(), [&](std::size_t at, std::size_t n) {
      auto& s = c.prep(rows_sql("INSERT INTO events (seq, id, account, name, ts, learner, qty, props) VALUES ",
                                "(?,?,?,?,?,?,?,?)", n));
      unsigned p = 1;
      for (std::size_t i = 0; i < n; ++i) {
        const auto& [sq, r] = new_events[at + i];
        const Event& e = *r->event;
        s.setInt64(p++, sq);
        s.setString(p++, e.id);
        s.setString(p++, e.account);
        s.setString(p++, e.name);
        s.setInt64(p++, e.ts);
        s.setString(p++, e.learner);
        s.setDouble(p++, e.qty);
        s.setString(p++, r->text);
      }
      s.executeUpdate();
    }, [&](std::size_t i) {
      const Event& e = *new_events[i].second->event;
      return e.id.size() + e.account.size() + e.name.size() + e.learner.size() + new_events[i].second->text.size() + 40;
    });
    for_each_chunk(touched.size(), [&](std::size_t at, std::size_t n) {
      auto& s = c.prep(rows_sql("INSERT INTO entities (kind, rkey, seq, body) VALUES ", "(?,?,?,?)", n,
                                " ON DUPLICATE KEY UPDATE seq = VALUES(seq), body = VALUES(body)"));
      unsigned p = 1;
      for (std::size_t i = 0; i < n; ++i) {
        const std::string& mk = *touched[at + i];
        auto zero = mk.find('\0');
        const EntityState& st = entities.at(mk);
        s.setString(p++, mk.substr(0, zero));
        s.setString(p++, mk.substr(zero + 1));
        s.setInt64(p++, st.seq);
        s.setString(p++, st.body);
      }
      s.executeUpdate();
    }, [&](std::size_t i) { return touched[i]->size() + entities.at(*touched[i]).body.size() + 20; });
    if (seq != first) {
      auto& s = c.prep("UPDATE meta SET v = ? WHERE k = 'seq'");
      s.setInt64(1, seq);
      s.executeUpdate();
    }
    // From here a lost connection leaves the outcome unknown: never retry this call silently.
    c.used_ok = true;
    c.run("COMMIT");
    result.last_sequence = seq != first ? seq : 0;
    result.previous_sequence = first;
  } catch (...) {
    rollback_quietly(c);
    throw;
  }
  return result;
}

}  // namespace

}  // namespace uplift::store::mysql
