// Import scenarios (tests/data/import/NAME.expected.json): files in, per-kind summary and stored
// row counts out. Each scenario imports its files in one run into a fresh SQLite database.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "catalog.h"
#include "core/record_json.h"
#include "ingest/importer.h"
#include "store/store.h"

namespace fs = std::filesystem;
using namespace uplift;
using namespace uplift::ingest;
using json = nlohmann::json;

TEST_CASE("import scenarios") {
  fs::path dir = catalog::source_dir() / "tests/data/import";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().string().ends_with(".expected.json")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 5);
  for (const auto& path : files) {
    SUBCASE(path.filename().string().c_str()) {
      std::ifstream in(path);
      json c = json::parse(in);
      fs::path tmp = fs::temp_directory_path() / ("uplift_scenario_" + std::to_string(::getpid()));
      fs::remove_all(tmp);
      fs::create_directories(tmp);
      {
        auto store = Store::open("sqlite:" + (tmp / "s.db").string());
        REQUIRE(store.ok());
        ImportOptions options;
        if (c.contains("kind")) options.kind = parse_kind(c["kind"].get<std::string>());
        std::vector<std::string> inputs;
        for (const auto& f : c["files"]) inputs.push_back((dir / f.get<std::string>()).string());
        auto summary = import_files(inputs, store->get(), options, {});
        REQUIRE_MESSAGE(summary.ok(), summary.status().to_string());
        for (std::size_t k = 0; k < kRecordKindCount; ++k) {
          std::string name(kind_name(static_cast<RecordKind>(k)));
          INFO("kind ", name);
          json want = c["summary"].value(name, json::object());
          const KindCounts& got = summary->kinds[k];
          CHECK(got.inserted == want.value("inserted", 0));
          CHECK(got.updated == want.value("updated", 0));
          CHECK(got.duplicates == want.value("duplicates", 0));
          CHECK(got.rejected == want.value("rejected", 0));
        }
        CHECK((summary->rejected > 0 ? 1 : 0) == c["exit"].get<int>());
        auto counts = (*store)->counts();
        REQUIRE(counts.ok());
        for (std::size_t k = 0; k < kRecordKindCount; ++k) {
          std::string name(kind_name(static_cast<RecordKind>(k)));
          INFO("stored kind ", name);
          CHECK(counts->records[k] == c["stored"].value(name, 0));
        }
        // Optionally, whole stored records: "kind/id" → the canonical JSON it must read back as.
        const json records = c.value("records", json::object());
        for (const auto& [where_, want] : records.items()) {
          const std::string where = where_;  // a named variable: doctest captures INFO in a lambda
          INFO("stored record ", where);
          auto slash = where.find('/');
          auto kind = parse_kind(where.substr(0, slash));
          REQUIRE(kind);
          auto got = (*store)->get(*kind, where.substr(slash + 1));
          REQUIRE_MESSAGE(got.ok(), got.status().to_string());
          CHECK(record_to_json(got->record).dump() == want.dump());
        }
      }
      fs::remove_all(tmp);
    }
  }
}
