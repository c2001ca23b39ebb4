// Differential import test (issue 22): whatever path a record takes into the store — `uplift
// import` of a file holding only it, of a small file, of one large file, in batches of any size, or
// Store::write as POST /v1/records does — the stored rows are byte-identical, and every stored
// event reads back. Run on both backends (SQLite always, MariaDB when tests/mariadb.sh started
// one). The generated files cross every buffer, batch and statement boundary the importer and the
// stores have (1, 2, 63, 64, 65, 255, 256, 257 … lines; props of 0–64 bytes), because a one-line
// import whose props added up to 15 bytes or fewer once stored "\0}" (a view into a moved short
// string) and left the database unreadable.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../store/harness.h"
#include "core/record_json.h"
#include "ingest/importer.h"
#include "ingest/merge.h"
#include "store/store.h"

using namespace uplift;
using uplift::testing::for_each_backend;
using uplift::testing::TestDb;
namespace fs = std::filesystem;

namespace {

using Rows = std::vector<std::vector<std::string>>;

// Every stored row, props as hex: what "byte-identical" compares.
Rows stored_rows(TestDb& db) {
  Rows rows = db.query_raw(
      "SELECT seq, id, account, name, ts, learner, qty, hex(props) FROM events ORDER BY seq");
  Rows entities = db.query_raw("SELECT kind, rkey, seq, hex(body) FROM entities ORDER BY seq");
  rows.insert(rows.end(), entities.begin(), entities.end());
  return rows;
}

struct TempDir {
  fs::path path;
  TempDir() {
    static int n = 0;
    path = fs::temp_directory_path() / fmt::format("uplift_import_diff_{}_{}", ::getpid(), n++);
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::vector<std::string>& lines) const {
    std::string p = (path / name).string();
    std::ofstream out(p);
    for (const auto& l : lines) out << l << '\n';
    return p;
  }
};

ingest::ImportSummary import(Store& store, const std::vector<std::string>& paths, std::size_t batch) {
  ingest::ImportOptions opt;
  opt.batch = batch;
  std::vector<std::string> rejected;
  ingest::ImportCallbacks cb;
  cb.on_rejection = [&](const ingest::Rejection& r) { rejected.push_back(r.field + ": " + r.reason); };
  auto s = ingest::import_files(paths, &store, opt, cb);
  REQUIRE_MESSAGE(s.ok(), s.status().to_string());
  CHECK_MESSAGE(rejected.empty(), (rejected.empty() ? "" : rejected.front()));
  return *s;
}

// The POST /v1/records path: each line parsed on its own, written through Store::write.
// One record at a time, as POST /v1/records stores it: an account or learner that names only some
// fields merged over the stored one (ingest/merge.h).
void write_each(Store& store, const std::vector<std::string>& lines) {
  for (const auto& l : lines) {
    auto r = record_from_json(nlohmann::json::parse(l));
    REQUIRE(r.ok());
    Record rec = std::move(*r.record);
    if (r.fields != kAllFields) {
      const auto* a = std::get_if<Account>(&rec);
      auto stored = store.get(kind_of(rec), a ? a->id : std::get<Learner>(rec).id);
      if (stored.ok()) {
        auto merged = ingest::merge_upsert(&stored->record, rec, r.fields);
        REQUIRE(merged.ok());
        rec = std::move(*merged.record);
      }
    }
    auto w = store.write(std::span<const Record>(&rec, 1));
    REQUIRE_MESSAGE(w.ok(), w.status().to_string());
  }
}

// Every event reads back, and doctor finds nothing to repair.
void check_readable(Store& store) {
  std::size_t n = 0;
  Status st = store.scan_kind(RecordKind::kEvent, [&](const StoredRecord&) { return ++n, true; });
  CHECK_MESSAGE(st.ok(), st.to_string());
  std::vector<std::string> damaged;
  REQUIRE(store.scan_damaged_event_props([&](Sequence, std::string_view id, std::string_view) {
                 damaged.emplace_back(id);
                 return true;
               }).ok());
  CHECK_MESSAGE(damaged.empty(), (damaged.empty() ? "" : "damaged: " + damaged.front()));
}

// Line i of a generated file: props of (i * 7) % 65 bytes of text ("" = no props at all), some
// events with a learner and qty, every 11th line an account record.
std::string generated_line(int i, const std::string& tag) {
  if (i % 11 == 10) return fmt::format(R"({{"kind":"account","id":"acct-{}-{}","name":"A{}"}})", tag, i, i % 5);
  std::string head = fmt::format(R"("kind":"event","id":"{}-{}","account":"acct-{}","name":"n{}","ts":"2026-01-01T00:{:02}:00Z")",
                                 tag, i, i % 3, i % 4, i % 60);
  if (i % 3 == 1) head += fmt::format(R"(,"learner":"u{}","qty":{})", i, i % 5 + 1);
  std::size_t bytes = static_cast<std::size_t>(i * 7) % 65;
  if (bytes == 0) return "{" + head + "}";
  if (bytes < 8) return "{" + head + R"(,"props":{}})";  // an empty object: stored as "{}"
  // {"p":"xxx"} is bytes long: 8 bytes of frame around the value.
  return "{" + head + R"(,"props":{"p":")" + std::string(bytes - 8, 'x') + R"("}})";
}

// Every record line the repository's catalogs hold: NDJSON files under tests/data, and the
// "records" arrays of the scenario files.
std::vector<std::string> catalog_lines() {
  fs::path root = UPLIFT_SOURCE_DIR;
  std::vector<fs::path> files;
  for (const char* dir : {"tests/data", "tests/scenarios"})
    for (const auto& e : fs::recursive_directory_iterator(root / dir))
      if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<std::string> lines;
  std::set<std::string> seen;
  auto take = [&](const nlohmann::json& j) {
    if (!j.is_object() || !record_from_json(j).ok()) return;
    std::string text = j.dump();
    if (seen.insert(text).second) lines.push_back(text);
  };
  for (const auto& f : files) {
    std::ifstream in(f);
    if (f.extension() == ".ndjson") {
      std::string l;
      while (std::getline(in, l)) {
        auto j = nlohmann::json::parse(l, nullptr, false);
        if (!j.is_discarded()) take(j);
      }
    } else if (f.extension() == ".json") {
      auto j = nlohmann::json::parse(in, nullptr, false);
      if (j.is_discarded()) continue;
      std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& v) {
        if (v.is_object()) {
          for (auto it = v.begin(); it != v.end(); ++it) {
            if (it.key() == "records" && it->is_array())
              for (const auto& r : *it) take(r);
            else
              walk(*it);
          }
        } else if (v.is_array()) {
          for (const auto& x : v) walk(x);
        }
      };
      walk(j);
    }
  }
  return lines;
}

}  // namespace

TEST_CASE("issue 22 reproducer: a one-line import stores props that read back") {
  for_each_backend([](TestDb& db) {
    TempDir dir;
    auto store = db.open();
    std::string file = dir.write(
        "one.ndjson", {R"({"kind":"event","id":"e1","account":"acme","name":"login","ts":"2026-01-01T12:00:00Z"})"});
    auto s = import(*store, {file}, 20'000);
    CHECK(s.kinds[static_cast<std::size_t>(RecordKind::kEvent)].inserted == 1);
    auto rows = db.query_raw("SELECT hex(props) FROM events");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0][0] == "7B7D");  // "{}", not "\0}"
    check_readable(*store);
  });
}

// A fresh database on the same backend as `like`.
std::unique_ptr<TestDb> another(const TestDb& like) {
  if (like.backend() == "sqlite") return uplift::testing::make_sqlite_db();
  return uplift::testing::make_mysql_db(*uplift::testing::mysql_base_url());
}

TEST_CASE("imports of every size store the same bytes as one-at-a-time writes") {
  const std::vector<int> sizes = {1, 2, 3, 15, 16, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 513};
  for_each_backend([&](TestDb& first) {
    for (int n : sizes) {
      CAPTURE(n);
      std::vector<std::string> lines;
      for (int i = 0; i < n; ++i) lines.push_back(generated_line(i, "g"));
      TempDir dir;
      std::string file = dir.write("gen.ndjson", lines);
      auto reference_db = another(first);
      auto reference = reference_db->open();
      write_each(*reference, lines);
      const Rows want = stored_rows(*reference_db);
      REQUIRE(want.size() == static_cast<std::size_t>(n));
      for (std::size_t batch : {std::size_t{20'000}, std::size_t{64}, std::size_t{3}}) {
        CAPTURE(batch);
        auto db = another(first);
        auto store = db->open();
        import(*store, {file}, batch);
        CHECK(stored_rows(*db) == want);
        check_readable(*store);
        // Importing the same file again changes nothing.
        import(*store, {file}, batch);
        CHECK(stored_rows(*db) == want);
      }
    }
  });
}

TEST_CASE("every catalog record: one file per record, small files and one file store the same bytes") {
  const std::vector<std::string> lines = catalog_lines();
  MESSAGE(lines.size(), " catalog records");
  REQUIRE(lines.size() > 100);
  for_each_backend([&](TestDb& first) {
    TempDir dir;
    auto reference_db = another(first);
    auto reference = reference_db->open();
    write_each(*reference, lines);
    const Rows want = stored_rows(*reference_db);
    check_readable(*reference);

    {  // one large file
      auto db = another(first);
      auto store = db->open();
      import(*store, {dir.write("all.ndjson", lines)}, 20'000);
      CHECK(stored_rows(*db) == want);
      check_readable(*store);
    }
    {  // small files of 1..7 records, each imported on its own
      auto db = another(first);
      auto store = db->open();
      std::size_t at = 0, k = 0;
      while (at < lines.size()) {
        std::size_t n = std::min(lines.size() - at, k % 7 + 1);
        std::vector<std::string> part(lines.begin() + static_cast<std::ptrdiff_t>(at),
                                      lines.begin() + static_cast<std::ptrdiff_t>(at + n));
        import(*store, {dir.write(fmt::format("part{}.ndjson", k), part)}, 20'000);
        at += n;
        ++k;
      }
      CHECK(stored_rows(*db) == want);
      check_readable(*store);
    }
    {  // one file per record (SQLite: every record; MariaDB: the first 300, each import a round trip)
      auto db = another(first);
      auto store = db->open();
      std::size_t n = first.backend() == "sqlite" ? lines.size() : std::min<std::size_t>(lines.size(), 300);
      for (std::size_t i = 0; i < n; ++i) import(*store, {dir.write(fmt::format("one{}.ndjson", i), {lines[i]})}, 20'000);
      if (n == lines.size()) {
        CHECK(stored_rows(*db) == want);
      } else {
        auto partial_db = another(first);
        auto partial = partial_db->open();
        write_each(*partial, std::vector<std::string>(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(n)));
        CHECK(stored_rows(*db) == stored_rows(*partial_db));
      }
      check_readable(*store);
    }
  });
}

TEST_CASE("doctor: a damaged row is named and restored exactly") {
  for_each_backend([](TestDb& db) {
    auto store = db.open();
    write_each(*store, {R"({"kind":"event","id":"e1","account":"acme","name":"login","ts":"2026-01-01T12:00:00Z","props":{"a":"b"}})",
                        R"({"kind":"event","id":"e2","account":"acme","name":"login","ts":"2026-01-01T12:00:00Z"})",
                        R"({"kind":"event","id":"e3","account":"acme","name":"login","ts":"2026-01-01T12:00:00Z","props":{"c":1}})"});
    // What the defect wrote: the first byte of the props text replaced by NUL; and one row whose
    // damage is of no known kind.
    db.exec_raw(db.backend() == "sqlite" ? "UPDATE events SET props = CAST(x'007D' AS TEXT) WHERE id = 'e2'"
                                         : "UPDATE events SET props = CONCAT(CHAR(0), '}') WHERE id = 'e2'");
    db.exec_raw(db.backend() == "sqlite" ? "UPDATE events SET props = CAST(x'00226122' AS TEXT) || ':\"b\"}' WHERE id = 'e1'"
                                         : "UPDATE events SET props = CONCAT(CHAR(0), '\"a\":\"b\"}') WHERE id = 'e1'");
    db.exec_raw("UPDATE events SET props = '[1]' WHERE id = 'e3'");
    Status st = store->scan_kind(RecordKind::kEvent, [](const StoredRecord&) { return true; });
    CHECK_FALSE(st.ok());
    CHECK(st.message().find("uplift doctor") != std::string::npos);
    std::vector<std::string> damaged;
    REQUIRE(store->scan_damaged_event_props([&](Sequence seq, std::string_view id, std::string_view stored) {
                   damaged.push_back(fmt::format("{}:{}:{}", seq, id, stored.size()));
                   return true;
                 }).ok());
    CHECK(damaged == std::vector<std::string>{"1:e1:9", "2:e2:2", "3:e3:3"});
    REQUIRE(store->repair_event_props(1, R"({"a":"b"})").ok());
    REQUIRE(store->repair_event_props(2, "{}").ok());
    CHECK(store->repair_event_props(99, "{}").code() == Code::kNotFound);
    damaged.clear();
    REQUIRE(store->scan_damaged_event_props([&](Sequence, std::string_view id, std::string_view) {
                   damaged.emplace_back(id);
                   return true;
                 }).ok());
    CHECK(damaged == std::vector<std::string>{"e3"});
  });
}
