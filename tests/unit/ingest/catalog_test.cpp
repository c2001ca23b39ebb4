// Runs every case of the bad-input catalog (tests/data/bad) through the importer and checks the
// exact rejection and warning lines, and that the valid lines around each bad one are accepted.
#include <doctest/doctest.h>

#include <filesystem>

#include "catalog.h"
#include "ingest/importer.h"

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
