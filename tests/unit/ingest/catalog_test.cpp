// Runs every case of the bad-input catalog (tests/data/bad) through the importer and checks the
// exact rejection and warning lines, and that the valid lines around each bad one are accepted.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>

#include "catalog.h"
#include "ingest/importer.h"
#include "store/store.h"

namespace fs = std::filesystem;
using namespace uplift;
using namespace uplift::ingest;

namespace {

struct Run {
  ImportSummary summary;
  std::vector<std::string> rejections, warnings;
};

fs::path input_for(const catalog::Case& c) {
  if (!c.long_line) return c.input;
  fs::path p = fs::temp_directory_path() / ("uplift_catalog_" + c.name + "." + c.ext);
  catalog::generate_input(c, p);
  return p;
}

Run run_case(const catalog::Case& c, Store* store) {
  Run run;
  ImportOptions options;
  if (c.kind) options.kind = parse_kind(*c.kind);
  ImportCallbacks cb;
  cb.on_rejection = [&](const Rejection& r) { run.rejections.push_back(format_rejection_without_file(r)); };
  cb.on_warning = [&](const Rejection& r) { run.warnings.push_back(format_rejection_without_file(r)); };
  auto result = import_files({input_for(c).string()}, store, options, cb);
  REQUIRE_MESSAGE(result.ok(), result.status().to_string());
  run.summary = *result;
  return run;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

long long count(const std::map<std::string, long long>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
}

}  // namespace

TEST_CASE("the bad-input catalog has at least 45 cases") {
  CHECK(catalog::load_cases(catalog::source_dir() / "tests/data/bad").size() >= 45);
}

TEST_CASE("every catalog case: exact rejections, warnings and accepted counts (parser only)") {
  for (const auto& c : catalog::load_cases(catalog::source_dir() / "tests/data/bad")) {
    SUBCASE(c.name.c_str()) {
      INFO("case ", c.name);
      Run run = run_case(c, nullptr);
      CHECK(joined(run.rejections) == joined(c.rejections));
      CHECK(joined(run.warnings) == joined(c.warnings));
      for (std::size_t k = 0; k < kRecordKindCount; ++k) {
        std::string name(kind_name(static_cast<RecordKind>(k)));
        INFO("kind ", name);
        CHECK(run.summary.kinds[k].inserted == count(c.accepted, name));
        CHECK(run.summary.kinds[k].duplicates == count(c.duplicates, name));
        if (c.has_rejected_by_kind) CHECK(run.summary.kinds[k].rejected == count(c.rejected_by_kind, name));
      }
      if (c.has_rejected_by_kind)
        CHECK(run.summary.kinds[kUnknownKind].rejected == count(c.rejected_by_kind, "unknown"));
      CHECK(run.summary.rejected == static_cast<std::int64_t>(c.rejections.size()));
    }
  }
}

namespace {

// A fresh SQLite database in a temporary directory, removed afterwards.
struct TempDb {
  fs::path dir;
  std::unique_ptr<Store> store;
  explicit TempDb(const std::string& name) {
    dir = fs::temp_directory_path() / ("uplift_ingest_" + std::to_string(::getpid()) + "_" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto s = Store::open("sqlite:" + (dir / "t.db").string());
    REQUIRE_MESSAGE(s.ok(), s.status().to_string());
    store = std::move(*s);
  }
  ~TempDb() {
    store.reset();
    fs::remove_all(dir);
  }
};

}  // namespace

TEST_CASE("every catalog case through a SQLite store: the valid lines are stored, a second import is all duplicates") {
  for (const auto& c : catalog::load_cases(catalog::source_dir() / "tests/data/bad")) {
    SUBCASE(c.name.c_str()) {
      INFO("case ", c.name);
      TempDb db(c.name);
      Run first = run_case(c, db.store.get());
      CHECK(joined(first.rejections) == joined(c.rejections));
      auto counts = db.store->counts();
      if (!counts.ok()) FAIL(counts.status().to_string());
      for (std::size_t k = 0; k < kRecordKindCount; ++k) {
        std::string name(kind_name(static_cast<RecordKind>(k)));
        INFO("kind ", name);
        CHECK(first.summary.kinds[k].inserted == count(c.accepted, name));
        CHECK(counts->records[k] == count(c.accepted, name));
      }
      Run second = run_case(c, db.store.get());
      CHECK(joined(second.rejections) == joined(c.rejections));
      for (std::size_t k = 0; k < kRecordKindCount; ++k) {
        std::string name(kind_name(static_cast<RecordKind>(k)));
        INFO("kind ", name);
        CHECK(second.summary.kinds[k].inserted == 0);
        CHECK(second.summary.kinds[k].updated == 0);
        CHECK(second.summary.kinds[k].duplicates == count(c.accepted, name) + count(c.duplicates, name));
      }
      auto again = db.store->counts();
      REQUIRE(again.ok());
      CHECK(*again == *counts);
    }
  }
}

TEST_CASE("--strict writes nothing when any line is rejected, and everything when none is") {
  auto cases = catalog::load_cases(catalog::source_dir() / "tests/data/bad");
  for (const auto& c : cases) {
    if (c.long_line) continue;
    SUBCASE(c.name.c_str()) {
      TempDb db(c.name + "_strict");
      ImportOptions options;
      options.strict = true;
      if (c.kind) options.kind = parse_kind(*c.kind);
      std::vector<std::string> rejections;
      ImportCallbacks cb;
      cb.on_rejection = [&](const Rejection& r) { rejections.push_back(format_rejection_without_file(r)); };
      auto result = import_files({c.input.string()}, db.store.get(), options, cb);
      REQUIRE(result.ok());
      CHECK(joined(rejections) == joined(c.rejections));
      auto counts = db.store->counts();
      REQUIRE_MESSAGE(counts.ok(), counts.status().to_string());
      std::int64_t stored = 0;
      for (auto n : counts->records) stored += n;
      if (c.rejections.empty()) {
        CHECK(result->written);
        long long accepted = 0;
        for (auto& [k, n] : c.accepted) accepted += n;
        CHECK(stored == accepted);
      } else {
        CHECK_FALSE(result->written);
        CHECK(stored == 0);
      }
    }
  }
}
