// Mapped CSV import (ingest/csv_map.h): map validation, cell conversions, rows → records, and the
// source's header handling and identity resolution.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "ingest/csv_map.h"

using namespace uplift;
using namespace uplift::ingest;
using nlohmann::json;

namespace {

CsvMap must_parse(const std::string& text, const std::vector<std::string>& sets = {}) {
  std::vector<std::string> problems;
  auto map = parse_csv_map(json::parse(text), "m.json", sets, problems);
  INFO(fmt::format("{}", fmt::join(problems, "\n")));
  REQUIRE(map);
  return *map;
}

bool has(const std::vector<std::string>& list, const std::string& text) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

// Every item a source yields over `text`.
std::vector<ParsedItem> read_all(const std::string& text, const CsvMap& map, const Dataset* known) {
  std::FILE* f = std::tmpfile();
  std::fwrite(text.data(), 1, text.size(), f);
  std::fflush(f);
  int fd = ::dup(::fileno(f));
  std::fclose(f);
  ::lseek(fd, 0, SEEK_SET);
  MappedCsvSource source(fd, map, known);
  std::vector<ParsedItem> items;
  ParsedItem item;
  while (source.next(item)) items.push_back(item);
  ::close(fd);
  return items;
}

const char* kRenewalMap = R"({"kind": "renewal", "stop_at_empty_row": true, "outcome_by_arr": true,
  "fields": {"account": {"column": "Account ID", "identity": "salesforce"},
             "date": {"column": "Close Date", "format": "%m/%d/%Y"},
             "outcome": {"column": "Stage", "values": {"Closed Won": "renewed", "Closed Lost": "churned"}},
             "arr_before": "Prior ARR", "arr_after": "Amount"},
  "skip": [{"column": "Stage", "not_in": ["Closed Won", "Closed Lost"]}]})";

}  // namespace

TEST_CASE("csv map: money, dates, offsets and Salesforce ids") {
  std::string why;
  CHECK(parse_money("$12,000.00", false, why) == 12000.0);
  CHECK(parse_money("USD 88,000.50", false, why) == 88000.5);
  CHECK(parse_money("12.000,00 €", true, why) == 12000.0);
  CHECK(parse_money("1.200,00 EUR", true, why) == 1200.0);
  CHECK(parse_money("(1,200.00)", false, why) == -1200.0);
  CHECK(parse_money("-$1,200", false, why) == -1200.0);
  CHECK(parse_money("1'234.5", false, why) == 1234.5);
  CHECK(parse_money("1\xC2\xA0" "234,50", true, why) == 1234.5);  // a no-break space groups
  CHECK_FALSE(parse_money("   ", false, why));
  CHECK(why.empty());  // blank: absent, not wrong
  CHECK_FALSE(parse_money("12,0x0", false, why));
  CHECK(why == "\"12,0x0\" is not a number");
  CHECK_FALSE(parse_money("1.2.3", false, why));
  CHECK_FALSE(parse_money("$", false, why));

  CHECK(*parse_date_as("3/31/2026", "%m/%d/%Y") == *parse_date("2026-03-31"));
  CHECK(*parse_date_as("31.03.2026", "%d.%m.%Y") == *parse_date("2026-03-31"));
  CHECK(*parse_date_as("2026-03-31", "") == *parse_date("2026-03-31"));
  CHECK_FALSE(parse_date_as("2/30/2026", "%m/%d/%Y").ok());  // not on the calendar
  CHECK_FALSE(parse_date_as("3/31/2026 junk", "%m/%d/%Y").ok());
  CHECK(parse_date_as("13/45/2026", "%m/%d/%Y").status().message() ==
        "\"13/45/2026\" is not a date in the format \"%m/%d/%Y\"");

  CHECK(*parse_time_as("2026-03-12 09:01:10", "%Y-%m-%d %H:%M:%S", 0) == *parse_timestamp("2026-03-12T09:01:10Z"));
  CHECK(*parse_time_as("2026-03-12 09:01:10", "%Y-%m-%d %H:%M:%S", -300) == *parse_timestamp("2026-03-12T14:01:10Z"));
  CHECK(*parse_time_as("Mar 12, 2026 09:01:10", "%b %d, %Y %H:%M:%S", 60) == *parse_timestamp("2026-03-12T08:01:10Z"));
  CHECK(*parse_time_as("03/12/2026 02:05 PM", "%m/%d/%Y %I:%M %p", 0) == *parse_timestamp("2026-03-12T14:05:00Z"));
  CHECK(*parse_time_as("2026-03-12T09:01:10+02:00", "", 0) == *parse_timestamp("2026-03-12T07:01:10Z"));
  CHECK(*parse_time_as("2026-03-12T09:01:10", "", 120) == *parse_timestamp("2026-03-12T07:01:10Z"));
  CHECK(*parse_time_as("2026-03-12", "", 0) == *parse_timestamp("2026-03-12T00:00:00Z"));

  CHECK(parse_utc_offset("UTC") == 0);
  CHECK(parse_utc_offset("+05:30") == 330);
  CHECK(parse_utc_offset("-0500") == -300);
  CHECK_FALSE(parse_utc_offset("Europe/Berlin"));

  CHECK(salesforce_id18("0015g00000XyZab") == "0015g00000XyZabAAF");
  CHECK(salesforce_id18("001000000000000") == "001000000000000AAA");
  CHECK(salesforce_id18("0015g00000XyZabAAF") == "0015g00000XyZabAAF");  // 18 stays
}

TEST_CASE("csv map: every problem of a map at once, with its JSON pointer") {
  std::vector<std::string> problems;
  auto map = parse_csv_map(json::parse(R"({"kind": "renewal", "colour": 1,
      "fields": {"account": {"column": "Account ID", "identity": "Sales Force"},
                 "date": {"column": "Close Date", "format": "MM/DD/YYYY"},
                 "outcome": {"column": "Stage", "values": {"Closed Won": "won"}},
                 "arr_after": {"column": "Amount", "timezone": "UTC"},
                 "amount": "Amount"},
      "constants": {"arr_before": "lots"},
      "skip": [{"column": "Stage"}, {"column": "Type", "in": "Renewal"}]})"),
                           "maps/x.json", {"cohort=1", "nonsense"}, problems);
  CHECK_FALSE(map);
  CHECK(has(problems, "maps/x.json: /colour: unknown key"));
  CHECK(has(problems, "maps/x.json: /fields/account/identity: must be an alias source"));
  CHECK(has(problems, "maps/x.json: /fields/date/format: must be \"iso\" or a strptime pattern"));
  CHECK(has(problems, "maps/x.json: /fields/outcome/values/Closed Won: \"won\" is not a value of outcome"));
  CHECK(has(problems, "maps/x.json: /fields/arr_after/timezone: only times have a timezone"));
  CHECK(has(problems, "maps/x.json: /fields/amount: renewal records have no field \"amount\""));
  CHECK(has(problems, "maps/x.json: /constants/arr_before: must be a number"));
  CHECK(has(problems, "maps/x.json: /skip/0: needs exactly one of"));
  CHECK(has(problems, "maps/x.json: /skip/1/in: must be a list"));
  CHECK(has(problems, "--set cohort=1: renewal records have no field \"cohort\""));
  CHECK(has(problems, "--set nonsense: expected FIELD=VALUE"));
  CHECK(problems.size() == 11);

  problems.clear();
  CHECK_FALSE(parse_csv_map(json::parse(R"({"kind": "attendance", "fields": {"learner": "Email", "ts": "Join Time"}})"),
                            "z.json", {}, problems));
  CHECK(has(problems, "z.json: /fields: attendance records need \"program\""));
  CHECK(has(problems, "z.json: /fields: attendance records need \"session\""));
  // --set supplies them (numbers read as numbers, text as text).
  CsvMap z = must_parse(R"({"kind": "attendance", "fields": {"learner": "Email", "ts": "Join Time"}})",
                        {"program=data_manager", "session=2"});
  auto session = std::find_if(z.fields.begin(), z.fields.end(), [](const FieldRule& r) { return r.field == "session"; });
  REQUIRE(session != z.fields.end());
  CHECK(*session->constant == json(2));
}

TEST_CASE("csv map: a row becomes a record; enum values, skips and errors name the column") {
  CsvMap map = must_parse(kRenewalMap);
  CHECK_FALSE(bind_header(map, {"Account ID", " close date ", "STAGE", "Prior ARR", "Amount", "Type"}));

  auto row = map_row(map, {"0015g00000XyZabAAF", "1/14/2027", "Closed Won", "$144,500.00", "$160,000.00", "Renewal"});
  REQUIRE(row.outcome == MappedRow::Outcome::kRecord);
  const auto& r = std::get<Renewal>(*row.record);
  CHECK(r.account == "0015g00000XyZabAAF");  // resolved later, by the source
  CHECK(row.identity_value == "0015g00000XyZabAAF");
  CHECK(r.date == *parse_date("2027-01-14"));
  CHECK(r.outcome == RenewalOutcome::kExpanded);  // renewed above the prior ARR
  CHECK(r.arr_before == 144500.0);
  CHECK(r.arr_after == 160000.0);

  row = map_row(map, {"a", "1/14/2027", "closed lost", "$1,000", "", "Renewal"});
  REQUIRE(row.outcome == MappedRow::Outcome::kRecord);
  CHECK(std::get<Renewal>(*row.record).outcome == RenewalOutcome::kChurned);
  CHECK_FALSE(std::get<Renewal>(*row.record).arr_after);  // blank is absent

  CHECK(map_row(map, {"a", "1/14/2027", "Negotiation/Review", "", "", "Renewal"}).outcome == MappedRow::Outcome::kSkipped);

  row = map_row(map, {"a", "1/14/2027", "Closed Won", "$1,000", "12,0x0", "Renewal"});
  CHECK(row.outcome == MappedRow::Outcome::kRejected);
  CHECK(row.field == "arr_after (column \"Amount\")");
  CHECK(row.reason == "\"12,0x0\" is not a number");

  row = map_row(map, {"a", "2027-01-14", "Closed Won", "", "", "Renewal"});
  CHECK(row.field == "date (column \"Close Date\")");
  CHECK(row.reason == "\"2027-01-14\" is not a date in the format \"%m/%d/%Y\"");

  row = map_row(map, {"", "1/14/2027", "Closed Won", "", "", "Renewal"});  // the record's own check
  CHECK(row.field == "account (column \"Account ID\")");
  CHECK(row.reason == "required field is missing");

  CsvMap arr = must_parse(R"({"kind": "arr", "fields": {"account": "Account", "date": "Date", "arr": "Amount"}})");
  REQUIRE_FALSE(bind_header(arr, {"Account", "Date", "Amount"}));
  row = map_row(arr, {"acme", "2026-01-01", "(1,200.00)"});  // the record's own rule, named by column
  CHECK(row.field == "arr (column \"Amount\")");
  CHECK(row.reason == "must not be negative");

  // A column of the map the export lacks: named, with the header's columns listed.
  CsvMap other = must_parse(kRenewalMap);
  auto why = bind_header(other, {"Account ID", "Close Date", "Stage", "Amount"});
  REQUIRE(why);
  CHECK(*why == "m.json names column not in the header: \"Prior ARR\"; the header has \"Account ID\", \"Close Date\", "
                "\"Stage\", \"Amount\"");
}

TEST_CASE("csv map: an enum value outside the map is used when canonical, else named") {
  CsvMap map = must_parse(R"({"kind": "renewal", "fields": {"account": "A", "date": "D",
      "outcome": {"column": "S", "values": {"Closed Won": "renewed"}}}})");
  REQUIRE_FALSE(bind_header(map, {"A", "D", "S"}));
  auto row = map_row(map, {"acme", "2026-01-01", "Expanded"});
  REQUIRE(row.record);
  CHECK(std::get<Renewal>(*row.record).outcome == RenewalOutcome::kExpanded);
  row = map_row(map, {"acme", "2026-01-01", "Prospecting"});
  CHECK(row.field == "outcome (column \"S\")");
  CHECK(row.reason == "\"Prospecting\" is not one of \"closed won\"");
}

TEST_CASE("csv map source: the table after a marker row, footers, identities") {
  Dataset known;
  Account acme;
  acme.id = "acme";
  acme.aliases = {"salesforce:0015g00000XyZabAAF"};
  known.apply(Record(acme));
  Account vandelay;
  vandelay.id = "0015g00000aBcDeAAK";  // named by its Salesforce id itself
  known.apply(Record(vandelay));
  Learner jane;
  jane.id = "acme-jane";
  jane.account = "acme";
  jane.email = "Jane.Doe@acme.example";
  known.apply(Record(jane));

  SUBCASE("accounts by id or alias; a 15-character id is widened; an unknown account rejects the row") {
    CsvMap map = must_parse(kRenewalMap);
    std::string csv =
        "\"Account ID\",\"Close Date\",\"Stage\",\"Prior ARR\",\"Amount\"\n"
        "\"0015g00000XyZabAAF\",\"1/14/2027\",\"Closed Won\",\"100\",\"100\"\n"
        "\"0015g00000XyZab\",\"1/15/2027\",\"Closed Won\",\"100\",\"100\"\n"
        "\"0015g00000aBcDeAAK\",\"1/16/2027\",\"Closed Lost\",\"100\",\"0\"\n"
        "\"0015g00000ZZZZZAAA\",\"1/17/2027\",\"Closed Won\",\"100\",\"100\"\n"
        "\"0015g00000XyZabAAF\",\"1/18/2027\",\"Prospecting\",\"100\",\"100\"\n"
        "\"\"\n"
        "\"Renewals\"\n"
        "\"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.\"\n";
    auto items = read_all(csv, map, &known);
    REQUIRE(items.size() == 5);  // the footer is not read
    CHECK(std::get<Renewal>(*items[0].record).account == "acme");
    CHECK(std::get<Renewal>(*items[1].record).account == "acme");
    CHECK(std::get<Renewal>(*items[2].record).account == "0015g00000aBcDeAAK");
    CHECK_FALSE(items[3].ok());
    CHECK(items[3].line == 5);
    CHECK(items[3].field == "account (column \"Account ID\")");
    CHECK(items[3].reason == "no account has the id or alias \"salesforce:0015g00000ZZZZZAAA\"");
    CHECK(items[4].skipped);
  }

  SUBCASE("learners by email, else waiting; the header follows a marker row") {
    CsvMap map = must_parse(R"({"kind": "attendance", "source": "zoom", "header_after": "Attendee Details",
        "empty_values": ["--"],
        "fields": {"learner": {"column": ["User Email", "Email"], "identity": "email"},
                   "ts": {"column": ["Join Time", "Registration Time"], "format": "%b %d, %Y %H:%M:%S"},
                   "attended": {"column": "Attended", "values": {"Yes": true, "No": false}}},
        "constants": {"program": "dm"}})",
                            {"session=3"});
    std::string csv =
        "Attendee Report\n"
        "Host Details\n"
        "Attended,User Name (Original Name),Email,Join Time\n"
        "Yes,Host,host@vendor.example,\"Mar 12, 2026 08:51:12\"\n"
        "Attendee Details\n"
        "Attended,User Name (Original Name),Email,Registration Time,Join Time\n"
        "Yes,Jane,JANE.DOE@acme.example,\"Mar 01, 2026 14:03:22\",\"Mar 12, 2026 09:01:10\"\n"
        "No,Kim,kim@hooli.example,\"Mar 02, 2026 10:00:00\",--\n"
        "Maybe,Lee,lee@acme.example,\"Mar 02, 2026 10:00:00\",--\n";
    auto items = read_all(csv, map, &known);
    REQUIRE(items.size() == 3);
    REQUIRE(items[0].ok());
    CHECK_FALSE(items[0].waiting);
    const auto& a = std::get<Attendance>(*items[0].record);
    CHECK(a.learner == "acme-jane");
    CHECK(a.program == "dm");
    CHECK(a.session == 3);
    CHECK(a.ts == *parse_timestamp("2026-03-12T09:01:10Z"));
    CHECK(a.attended);
    // Nobody has Kim's email: the record waits for her, at her registration time.
    REQUIRE(items[1].ok());
    REQUIRE(items[1].waiting);
    CHECK(items[1].waiting->source == "zoom");
    CHECK(items[1].waiting->aliases == std::vector<std::string>{"email:kim@hooli.example"});
    CHECK(items[1].reason == "no learner has email:kim@hooli.example");
    CHECK_FALSE(std::get<Attendance>(*items[1].record).attended);
    CHECK(std::get<Attendance>(*items[1].record).ts == *parse_timestamp("2026-03-02T10:00:00Z"));
    CHECK(items[2].line == 9);
    CHECK(items[2].field == "attended (column \"Attended\")");
    CHECK(items[2].reason == "\"Maybe\" is not yes or no");
  }

  SUBCASE("a header without the map's columns rejects the file at the header's line") {
    CsvMap map = must_parse(kRenewalMap);
    auto items = read_all("\n\"Account\",\"Close Date\"\n\"a\",\"1/1/2026\"\n", map, &known);
    REQUIRE(items.size() == 1);
    INFO(items[0].reason);
    CHECK(items[0].line == 2);
    CHECK(items[0].field == "header");
    CHECK(items[0].reason.find("names columns not in the header: \"Account ID\", \"Amount\", \"Prior ARR\", \"Stage\"; "
                               "the header has \"Account\", \"Close Date\"; no row of this file was read") !=
          std::string::npos);
  }
}
