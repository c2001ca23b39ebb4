// Importer: files of canonical records (NDJSON or CSV) → the Store, in batches.
//
// What it promises (the `uplift import` contract, DESIGN.md "Canonical records"):
//  * every non-blank line either becomes a record or is reported once through on_rejection as
//    FILE:LINE: field: reason; bad lines never stop the good ones (except with `strict`);
//  * records are written in batches of `batch` through Store::write, so each batch is atomic and
//    re-importing the same input changes nothing (the store reports duplicates);
//  * an event id seen twice in the input is written once; if the two versions differ a warning
//    names the line of the first (which is the one kept);
//  * `strict`: everything is parsed first; if anything is rejected nothing is written;
//  * the writes are a bulk load (Store::begin_bulk/end_bulk): everything committed is durable
//    when import_files returns, even when it returns an error;
//  * parsing runs on a second thread while the store writes, and memory stays bounded
//    (a few batches plus 16 bytes per distinct event id).
// Errors that stop the import (unreadable file, database failure) come back as a Status; batches
// committed before a database failure stay committed (the summary counts them).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/records.h"
#include "core/status.h"
#include "ingest/rejection.h"
#include "ingest/source.h"
#include "store/store.h"

namespace uplift::ingest {

struct ImportOptions {
  std::optional<RecordKind> kind;      // --kind: every record is of this kind
  std::optional<InputFormat> format;   // default: by file extension (stdin: NDJSON)
  std::size_t batch = 20'000;          // records per Store::write
  bool strict = false;
  // When set, every input is read through the source this makes (a mapped CSV: ingest/csv_map.h)
  // instead of by format and kind.
  std::function<std::unique_ptr<RecordSource>(int fd)> source;
  // How a record whose person is not known yet (ParsedItem::waiting) is kept: the unresolved
  // queue's document (app/unresolved.h), written with the batch it was read in. Without it such
  // records are rejected with their reason.
  std::function<Document(const Record&, const ActorRef&, const std::string& reason)> queue_document;
};

struct KindCounts {
  std::int64_t inserted = 0, updated = 0, duplicates = 0, rejected = 0;
  std::int64_t accepted() const { return inserted + updated; }
  bool operator==(const KindCounts&) const = default;
};

// Index kRecordKindCount counts rejected lines whose kind could not be told.
inline constexpr std::size_t kUnknownKind = kRecordKindCount;

struct ImportSummary {
  std::array<KindCounts, kRecordKindCount + 1> kinds{};
  std::int64_t items = 0;      // non-blank lines (CSV: records) read, header excluded
  std::int64_t rejected = 0;
  std::int64_t skipped = 0;    // rows the input's own rules leave out (mapped CSV filters)
  std::int64_t queued = 0;     // records put in the unresolved queue (their person is unknown)
  std::int64_t warnings = 0;
  bool written = false;        // false after a strict run that found rejections, or a dry run
  std::int64_t total(std::int64_t KindCounts::*field) const;
};

struct ImportProgress {
  std::int64_t items = 0;
  std::uint64_t bytes = 0;
  std::uint64_t total_bytes = 0;  // 0 when unknown (stdin, pipes)
  bool done = false;
};

struct ImportCallbacks {
  std::function<void(const Rejection&)> on_rejection;
  std::function<void(const Rejection&)> on_warning;
  std::function<void(const ImportProgress&)> on_progress;  // after each batch and at the end
};

// Imports `paths` ("-" is standard input) into `store`. With store == nullptr it only parses and
// validates (a dry run: valid records are counted as inserted).
Result<ImportSummary> import_files(const std::vector<std::string>& paths, Store* store,
                                   const ImportOptions& options, const ImportCallbacks& callbacks);

}  // namespace uplift::ingest
