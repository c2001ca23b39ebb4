// The importer checks event ids against what it has seen in small groups (so the table lookups
// overlap) and encodes props on its parsing thread. None of that may show: with duplicates
// within and across groups, batches and files, the outcome must be exactly "the first occurrence
// wins, in input order" — counts, warnings (naming the first line, in this file or another),
// stored sequence numbers and props.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ingest/importer.h"
#include "store/store.h"

using namespace uplift;
namespace fs = std::filesystem;

namespace {

struct SentLine {
  std::string id, account;  // account stands for the content
};

std::string event_line(const SentLine& l) {
  return fmt::format(R"({{"kind":"event","id":"{}","account":"{}","name":"n","ts":"2026-01-01T00:00:00Z","props":{{"k":"v{}"}}}})",
                     l.id, l.account, l.account);
}

}  // namespace

TEST_CASE("duplicates across dedupe groups, batches and files: the first occurrence wins, in order") {
  fs::path dir = fs::temp_directory_path() / ("uplift_dedupe_order_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Two files; ids repeat at distances shorter and longer than a group (16) and a batch (7).
  std::vector<std::vector<SentLine>> files(2);
  for (int i = 0; i < 60; ++i) {
    std::string id = fmt::format("e{}", i % 23);       // repeats every 23 lines
    std::string account = i % 46 < 23 ? "a" : "b";      // the second time round, different content
    if (i % 5 == 0) account = "a";                      // ...except every fifth line: same content
    files[0].push_back({id, account});
  }
  for (int i = 0; i < 30; ++i) files[1].push_back({fmt::format("e{}", (i * 7) % 40), "c"});
  std::vector<std::string> paths;
  for (std::size_t f = 0; f < files.size(); ++f) {
    paths.push_back((dir / fmt::format("f{}.ndjson", f)).string());
    std::ofstream out(paths.back());
    for (std::size_t i = 0; i < files[f].size(); ++i) out << event_line(files[f][i]) << "\n";
  }

  // The model: first occurrence wins; a later one with other content is a warning naming it.
  std::map<std::string, std::pair<std::size_t, std::size_t>> first;  // id -> (file, index)
  std::vector<std::string> want_warnings;
  std::vector<std::pair<std::string, std::string>> want_stored;  // in sequence order: id, account
  std::int64_t want_duplicates = 0;
  for (std::size_t f = 0; f < files.size(); ++f) {
    for (std::size_t i = 0; i < files[f].size(); ++i) {
      const SentLine& l = files[f][i];
      auto it = first.find(l.id);
      if (it == first.end()) {
        first[l.id] = {f, i};
        want_stored.emplace_back(l.id, l.account);
        continue;
      }
      ++want_duplicates;
      auto [ff, fi] = it->second;
      if (files[ff][fi].account == l.account) continue;
      std::string from = ff == f ? fmt::format("line {}", fi + 1) : fmt::format("{}:{}", paths[ff], fi + 1);
      want_warnings.push_back(fmt::format("{}:{}: id: duplicate event id \"{}\" with different content from {}; kept the first",
                                          paths[f], i + 1, l.id, from));
    }
  }

  auto opened = Store::open("sqlite:" + (dir / "t.db").string());
  REQUIRE(opened.ok());
  auto& store = *opened;
  ingest::ImportOptions options;
  options.batch = 7;
  std::vector<std::string> warnings;
  ingest::ImportCallbacks cb;
  cb.on_warning = [&](const ingest::Rejection& r) { warnings.push_back(ingest::format_rejection(r)); };
  auto summary = ingest::import_files(paths, store.get(), options, cb);
  REQUIRE_MESSAGE(summary.ok(), summary.status().to_string());
  const auto& events = summary->kinds[static_cast<std::size_t>(RecordKind::kEvent)];
  CHECK(events.inserted == static_cast<std::int64_t>(want_stored.size()));
  CHECK(events.duplicates == want_duplicates);
  CHECK(warnings == want_warnings);
  CHECK(want_warnings.size() > 10);  // the data does exercise the warnings

  std::vector<std::pair<std::string, std::string>> stored;
  Sequence last = 0;
  bool in_order = true;
  REQUIRE(store->scan_kind(RecordKind::kEvent, [&](const StoredRecord& r) {
                 const auto& e = std::get<Event>(r.record);
                 in_order &= r.seq == last + 1;
                 last = r.seq;
                 CHECK(e.props == nlohmann::json{{"k", "v" + e.account}});
                 stored.emplace_back(e.id, e.account);
                 return true;
               }).ok());
  CHECK(in_order);
  CHECK(stored == want_stored);
  store.reset();
  fs::remove_all(dir);
}
