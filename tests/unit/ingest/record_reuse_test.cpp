// The importer parses each line over a record it has already written (the parsing thread reuses
// their memory), and the store writes runs of events many per statement. Over batches of lines of
// every shape — events with no, one or many props, props the fast path declines, entities,
// rejected lines, duplicates, then a long run of plain events — every stored record must be
// exactly what parsing its line on its own gives, and importing the file again changes nothing.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/record_json.h"
#include "ingest/importer.h"
#include "store/store.h"

using namespace uplift;
namespace fs = std::filesystem;

namespace {

std::string line_for(int i) {
  if (i >= 600)  // a run of plain events, long enough for the store to write many per statement
    return fmt::format(R"({{"kind":"event","id":"p{}","account":"acct-{}","name":"n","ts":"2026-01-01T00:00:00Z","props":{{"group_id":"g{}"}}}})",
                       i, i % 5, i % 17);
  const std::string head =
      fmt::format(R"("kind":"event","id":"e{}","account":"acct-{}","name":"{}","ts":"2026-01-01T00:{:02}:00Z")", i,
                  i % 7, i % 3 ? "n" : "a_name_longer_than_fifteen", i % 60);
  switch (i % 9) {
    case 0: return "{" + head + "}";
    case 1: return "{" + head + R"(,"props":{"group_id":"g)" + std::to_string(i) + R"("}})";
    case 2: return "{" + head + R"(,"learner":"u-)" + std::to_string(i) + R"(","qty":2.5,"props":{"a":"1","b":"2","c":"a value longer than fifteen bytes"}})";
    case 3: return "{" + head + R"(,"props":{"n":)" + std::to_string(i) + R"(,"o":{"x":[1,2]}}})";  // full parser
    case 4: return fmt::format(R"({{"kind":"account","id":"acct-{}","name":"Account {}"}})", i, i);
    case 5: return "{" + head + R"(,"props":{}})";
    case 6: return R"({"kind":"event","id":"bad)" + std::to_string(i) + R"(","account":"a"})";  // rejected
    case 7: return "{" + head + R"(,"props":{"z":"1","y":"2","x":"3","w":"4","v":"5","u":"6"}})";
    default: return fmt::format(R"({{"kind":"event","id":"e{}","account":"acct-0","name":"n","ts":"2026-01-01T00:00:00Z"}})",
                                i - 8);  // a duplicate of an earlier line's id (case 0 or 1 lines before)
  }
}

}  // namespace

TEST_CASE("records parsed over already written ones are stored exactly as parsed fresh") {
  fs::path dir = fs::temp_directory_path() / ("uplift_record_reuse_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "in.ndjson").string();
  std::vector<std::string> lines;
  {
    std::ofstream out(path);
    for (int i = 0; i < 900; ++i) {
      lines.push_back(line_for(i));
      out << lines.back() << "\n";
    }
  }
  // The model: each line parsed on its own; the first occurrence of an event id is stored.
  std::vector<Record> want;
  std::vector<std::string> seen_ids;
  std::int64_t rejected = 0;
  for (const auto& l : lines) {
    auto r = record_from_json(nlohmann::json::parse(l), std::nullopt);
    if (!r.ok()) {
      ++rejected;
      continue;
    }
    if (const auto* e = std::get_if<Event>(&*r.record)) {
      if (std::find(seen_ids.begin(), seen_ids.end(), e->id) != seen_ids.end()) continue;
      seen_ids.push_back(e->id);
    }
    want.push_back(std::move(*r.record));
  }

  for (std::size_t batch : {std::size_t{3}, std::size_t{64}, std::size_t{1000}}) {
    INFO("batch " << batch);
    auto opened = Store::open(fmt::format("sqlite:{}/b{}.db", dir.string(), batch));
    REQUIRE(opened.ok());
    auto& store = *opened;
    ingest::ImportOptions options;
    options.batch = batch;
    auto summary = ingest::import_files({path}, store.get(), options, {});
    REQUIRE_MESSAGE(summary.ok(), summary.status().to_string());
    CHECK(summary->rejected == rejected);
    std::vector<Record> stored;
    REQUIRE(store->scan_since(0, 0, [&](const StoredRecord& r) {
                   stored.push_back(r.record);
                   return true;
                 }).ok());
    REQUIRE(stored.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      INFO("record " << i << ": " << record_key(want[i]));
      CHECK(stored[i] == want[i]);
    }
    // The same file again changes nothing: every event a duplicate, every entity unchanged.
    auto before = store->last_sequence();
    auto again = ingest::import_files({path}, store.get(), options, {});
    REQUIRE_MESSAGE(again.ok(), again.status().to_string());
    CHECK(again->total(&ingest::KindCounts::inserted) == 0);
    CHECK(again->total(&ingest::KindCounts::updated) == 0);
    CHECK(*store->last_sequence() == *before);
  }
  CHECK(rejected > 50);
  fs::remove_all(dir);
}
