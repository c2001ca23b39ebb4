#include "ingest/importer.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "ingest/dedupe.h"
#include "ingest/merge.h"
#include "store/codec.h"
#include "store/store.h"

namespace uplift::ingest {
namespace {

struct Input {
  std::string name;
  int fd = -1;
  bool owned = false;
  InputFormat format = InputFormat::kNdjson;
  std::uint64_t size = 0;  // 0 when unknown
};

class Inputs {
 public:
  ~Inputs() {
    for (auto& in : list)
      if (in.owned) ::close(in.fd);
  }
  std::vector<Input> list;
};

// Copies standard input to an unlinked temporary file so a strict import can read it twice.
Result<int> spool_stdin() {
  std::FILE* tmp = std::tmpfile();
  if (!tmp) return Status::Unavailable(std::string("cannot create a temporary file: ") + std::strerror(errno));
  int fd = ::dup(::fileno(tmp));
  std::fclose(tmp);
  if (fd < 0) return Status::Unavailable(std::string("dup failed: ") + std::strerror(errno));
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(0, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return Status::Unavailable(std::string("reading standard input: ") + std::strerror(errno));
    }
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(fd, buf.data() + off, static_cast<std::size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        ::close(fd);
        return Status::Unavailable(std::string("writing a temporary file: ") + std::strerror(errno));
      }
      off += w;
    }
  }
  ::lseek(fd, 0, SEEK_SET);
  return fd;
}

Status open_inputs(const std::vector<std::string>& paths, const ImportOptions& options, bool spool,
                   Inputs& out) {
  if (paths.empty()) return Status::InvalidArgument("no input files given");
  for (const auto& p : paths) {
    Input in;
    in.name = p;
    if (p == "-") {
      in.format = options.format.value_or(InputFormat::kNdjson);
      if (spool) {
        auto fd = spool_stdin();
        if (!fd.ok()) return fd.status();
        in.fd = *fd;
        in.owned = true;
      } else {
        in.fd = 0;
      }
    } else {
      in.format = options.format.value_or(format_for_path(p));
      in.fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
      if (in.fd < 0) return Status::InvalidArgument(fmt::format("cannot open {}: {}", p, std::strerror(errno)));
      in.owned = true;
    }
    struct stat st {};
    if (::fstat(in.fd, &st) == 0) {
      if (S_ISDIR(st.st_mode)) {
        if (in.owned) ::close(in.fd);
        return Status::InvalidArgument(fmt::format("cannot import {}: it is a directory", p));
      }
      if (S_ISREG(st.st_mode)) in.size = static_cast<std::uint64_t>(st.st_size);
    }
    out.list.push_back(std::move(in));
  }
  return Status::OK();
}

// What the parsing thread hands the writing thread.
struct Batch {
  std::vector<Record> records;
  // With a store: props_text of each event record, encoded on the parsing thread while the record
  // is still in its cache (empty for other kinds), as one buffer and an end offset per record.
  std::string props_buf;
  std::vector<std::size_t> props_end;  // one per record: end offset in props_buf
  std::vector<std::string_view> props;  // views into props_buf: made only by view_props()

  // Fills `props` with views into props_buf where the batch now lives. Never before its last move:
  // a short buffer is kept inside the string object (small-string optimization), and a move leaves
  // views made earlier pointing at the moved-from, cleared object (issue 22: a one-line import
  // stored "\0}" as props).
  void view_props() {
    props.clear();
    std::string_view buf = props_buf;
    std::size_t start = 0;
    for (std::size_t end : props_end) {
      props.push_back(buf.substr(start, end - start));
      start = end;
    }
  }
  // Accounts and learners that named only some fields (merged over the stored ones before the
  // batch is written), by index into `records`, in order.
  struct Partial {
    std::size_t index;
    FieldSet fields;
    std::size_t file;
    std::int64_t line;
  };
  std::vector<Partial> partials;
  std::vector<Rejection> rejections, warnings;
  std::array<KindCounts, kRecordKindCount + 1> counts{};  // rejected and in-input duplicates
  std::vector<Document> queued;  // unresolved-queue entries of records whose person is unknown
  std::int64_t skipped = 0;
  std::int64_t items = 0;
  std::uint64_t bytes = 0;
  Status error;
  bool last = false;
};

// A bounded hand-off between the two threads; close() makes both sides give up.
class BatchQueue {
 public:
  bool push(Batch&& b) {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return q_.size() < 2 || closed_; });
    if (closed_) return false;
    q_.push_back(std::move(b));
    cv_.notify_all();
    return true;
  }
  Batch pop() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return !q_.empty(); });
    Batch b = std::move(q_.front());
    q_.pop_front();
    cv_.notify_all();
    return b;
  }
  void close() {
    std::lock_guard lock(m_);
    closed_ = true;
    cv_.notify_all();
  }
  // Written batches go back to the parsing thread, which destroys their records and reuses the
  // vectors' memory: the writing thread (the bottleneck) does no freeing, and no batch faults in
  // new pages.
  void recycle(Batch&& b) {
    std::lock_guard lock(m_);
    if (spent_.size() < 2) spent_.push_back(std::move(b));
  }
  // The memory of a written batch into `b` (when there is one): its records go to `spare`, to be
  // parsed over one by one (their strings and props reused), and the vector `spare` held, now
  // emptied, becomes b's.
  void reuse(Batch& b, std::vector<Record>& spare) {
    Batch spent;
    {
      std::lock_guard lock(m_);
      if (spent_.empty()) return;
      spent = std::move(spent_.back());
      spent_.pop_back();
    }
    b.records = std::move(spare);
    b.records.clear();
    spare = std::move(spent.records);
    b.props_buf = std::move(spent.props_buf);
    b.props_buf.clear();
    b.props_end = std::move(spent.props_end);
    b.props_end.clear();
    b.props = std::move(spent.props);
    b.props.clear();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Batch> q_;
  std::vector<Batch> spent_;
  bool closed_ = false;
};

// The parsing side: every input, line by line, into batches.
class Parser {
 public:
  Parser(const Inputs& inputs, const ImportOptions& options, bool encode_props, BatchQueue& queue)
      : inputs_(inputs), options_(options), encode_props_(encode_props), queue_(queue) {}

  void run() {
    for (const auto& in : inputs_.list) total_bytes_ += in.size;
    batch_.records.reserve(std::min<std::size_t>(options_.batch, 65'536));
    std::uint64_t bytes_before = 0;
    for (std::size_t f = 0; f < inputs_.list.size(); ++f) {
      const Input& in = inputs_.list[f];
      file_base_.push_back(ordinal_base_);
      auto source = options_.source ? options_.source(in.fd) : make_source(in.format, in.fd, options_.kind);
      ParsedItem item;
      std::int64_t last_line = 0;
      while (source->next(item)) {
        last_line = item.line;
        batch_.bytes = bytes_before + source->bytes_read();
        take(f, item);
        if (item.line == kSizingLines && in.size > 0) {
          // Size the dedupe table for the whole input from the first lines' average length.
          std::uint64_t per_line = std::max<std::uint64_t>(1, source->bytes_read() / kSizingLines);
          dedupe_.reserve(static_cast<std::size_t>(total_bytes_ / per_line));
        }
        if (pending_.size() == kGroup || batch_.records.size() >= options_.batch) resolve();
        if (batch_.records.size() >= options_.batch || batch_.rejections.size() >= 10'000) {
          if (!flush()) return;
        }
      }
      resolve();
      if (!source->status().ok()) {
        batch_.error = source->status().with_context(fmt::format("reading {}", display(in.name)));
        batch_.last = true;
        flush();
        return;
      }
      bytes_before += source->bytes_read();
      batch_.bytes = bytes_before;
      ordinal_base_ += static_cast<std::uint32_t>(last_line);
    }
    batch_.last = true;
    flush();
  }

 private:
  static std::string display(const std::string& name) { return name == "-" ? "<stdin>" : name; }

  void take(std::size_t file, ParsedItem& item) {
    ++batch_.items;
    const std::string& name = inputs_.list[file].name;
    if (item.skipped) {
      ++batch_.skipped;
      return;
    }
    if (item.ok() && item.waiting && options_.queue_document) {
      batch_.queued.push_back(options_.queue_document(*item.record, *item.waiting, item.reason));
      return;
    }
    if (item.ok() && item.waiting) item.record.reset();  // no queue to wait in: rejected with its reason
    if (!item.ok()) {
      std::size_t k = item.kind ? static_cast<std::size_t>(*item.kind) : kUnknownKind;
      ++batch_.counts[k].rejected;
      batch_.rejections.push_back(Rejection{name, item.line, std::move(item.field), std::move(item.reason)});
      return;
    }
    batch_.records.push_back(std::move(*item.record));
    if (item.fields != kAllFields)
      batch_.partials.push_back(Batch::Partial{batch_.records.size() - 1, item.fields, file, item.line});
    if (!spare_.empty()) {  // the next line is parsed over a written record
      item.record = std::move(spare_.back());
      spare_.pop_back();
    }
    if (const auto* e = std::get_if<Event>(&batch_.records.back())) {
      auto position = static_cast<std::uint32_t>(ordinal_base_ + item.line);
      pending_.push_back(Pending{batch_.records.size() - 1, file, item.line, position, dedupe_.prefetch(*e)});
    }
  }

  // Settles the records taken since the last call, in input order: an event seen before is
  // dropped (counted, with a warning when its content differs) exactly as if it had been checked
  // on arrival; the rest keep their order and get their props encoded (with a store).
  void resolve() {
    std::size_t out = resolved_, p = 0;
    std::size_t q = partials_resolved_;  // partial upserts move with their records
    for (std::size_t i = resolved_; i < batch_.records.size(); ++i) {
      if (p < pending_.size() && pending_[p].index == i) {
        const Pending& pe = pending_[p++];
        const auto& e = std::get<Event>(batch_.records[i]);
        auto seen = dedupe_.check(e, pe.position, pe.id_hash);
        if (seen.seen != EventDedupe::Seen::kNew) {
          ++batch_.counts[static_cast<std::size_t>(RecordKind::kEvent)].duplicates;
          if (seen.seen == EventDedupe::Seen::kDifferentContent)
            batch_.warnings.push_back(Rejection{
                inputs_.list[pe.file].name, pe.line, "id",
                fmt::format("duplicate event id \"{}\" with different content from {}; kept the first", e.id,
                            where(seen.first_position, pe.file))});
          continue;
        }
      }
      if (q < batch_.partials.size() && batch_.partials[q].index == i) batch_.partials[q++].index = out;
      if (out != i) batch_.records[out] = std::move(batch_.records[i]);
      if (encode_props_) encode_props(batch_.records[out]);
      ++out;
    }
    batch_.records.erase(batch_.records.begin() + static_cast<std::ptrdiff_t>(out), batch_.records.end());
    resolved_ = out;
    partials_resolved_ = q;
    pending_.clear();
  }

  void encode_props(const Record& r) {
    if (const auto* e = std::get_if<Event>(&r)) {
      try {
        batch_.props_buf += props_writer_.text(*e);
      } catch (const nlohmann::json::exception&) {
        // Left empty: the store encodes it and reports the problem as it always does.
      }
    }
    batch_.props_end.push_back(batch_.props_buf.size());
  }

  // "line 7" in the same file, "a.ndjson:7" in another.
  std::string where(std::uint32_t position, std::size_t current_file) const {
    std::size_t f = file_base_.size() - 1;
    while (f > 0 && file_base_[f] >= position) --f;
    std::uint32_t line = position - file_base_[f];
    if (f == current_file) return fmt::format("line {}", line);
    return fmt::format("{}:{}", display(inputs_.list[f].name), line);
  }

  bool flush() {
    resolve();
    resolved_ = 0;
    partials_resolved_ = 0;
    Batch next;
    next.bytes = batch_.bytes;
    bool ok = queue_.push(std::move(batch_));
    batch_ = std::move(next);
    queue_.reuse(batch_, spare_);
    batch_.records.reserve(std::min<std::size_t>(options_.batch, 65'536));
    return ok;
  }

  const Inputs& inputs_;
  const ImportOptions& options_;
  const bool encode_props_;
  BatchQueue& queue_;
  Batch batch_;
  std::vector<Record> spare_;  // records already written, to parse the next lines over
  store::PropsWriter props_writer_;
  // Events of batch_.records (from index resolved_ on) awaiting their dedupe check, in order:
  // checked in groups so the table lookups (each a cache miss) overlap.
  struct Pending {
    std::size_t index;
    std::size_t file;
    std::int64_t line;
    std::uint32_t position;
    std::uint64_t id_hash;
  };
  static constexpr std::size_t kGroup = 16;
  std::vector<Pending> pending_;
  std::size_t resolved_ = 0;
  std::size_t partials_resolved_ = 0;
  EventDedupe dedupe_;
  std::vector<std::uint32_t> file_base_;
  std::uint32_t ordinal_base_ = 0;
  std::uint64_t total_bytes_ = 0;
  static constexpr std::int64_t kSizingLines = 65'536;
};

std::uint64_t total_size(const Inputs& inputs) {
  std::uint64_t total = 0;
  for (const auto& in : inputs.list) {
    if (in.size == 0 && in.name == "-") return 0;
    total += in.size;
  }
  return total;
}

// Merges the batch's partial accounts and learners over their latest version: an earlier record of
// this batch, else the stored one (earlier batches are committed by now). A merge that fails
// (which a stored record that decodes should never cause) keeps the record as sent, with a warning.
Status merge_partials(Store& store, const Inputs& inputs, Batch& b) {
  if (b.partials.empty()) return Status::OK();
  std::map<std::pair<RecordKind, std::string>, std::size_t> latest;
  std::size_t q = 0;
  for (std::size_t i = 0; i < b.records.size() && q < b.partials.size(); ++i) {
    const Record& r = b.records[i];
    const auto* a = std::get_if<Account>(&r);
    const auto* l = std::get_if<Learner>(&r);
    if (!a && !l) continue;
    std::pair<RecordKind, std::string> key{kind_of(r), a ? a->id : l->id};
    if (b.partials[q].index == i) {
      const Batch::Partial& p = b.partials[q++];
      std::optional<Record> base;
      if (auto it = latest.find(key); it != latest.end()) {
        base = b.records[it->second];
      } else {
        auto stored = store.get(key.first, key.second);
        if (stored.ok()) base = std::move(stored->record);
        else if (stored.status().code() != Code::kNotFound) return stored.status();
      }
      if (base) {
        auto merged = merge_upsert(&*base, r, p.fields);
        if (merged.ok()) {
          b.records[i] = std::move(*merged.record);
        } else {
          b.warnings.push_back(Rejection{inputs.list[p.file].name, p.line, merged.error.field,
                                         "could not be merged with the stored record (" + merged.error.reason +
                                             "); stored as sent"});
        }
      }
    }
    latest[key] = i;
  }
  return Status::OK();
}

// One pass over the inputs: parse on a second thread, write (or only count) on this one.
Status run_pass(const Inputs& inputs, Store* store, const ImportOptions& options, const ImportCallbacks& cb,
                bool report_warnings, ImportSummary& summary) {
  BatchQueue queue;
  Parser parser(inputs, options, store != nullptr, queue);
  std::thread worker([&] { parser.run(); });
  ImportProgress progress;
  progress.total_bytes = total_size(inputs);
  Status status;
  for (;;) {
    Batch b = queue.pop();
    if (store) {
      if (Status merged = merge_partials(*store, inputs, b); !merged.ok()) {
        status = merged.with_context("reading the stored records to merge partial ones");
        queue.close();
        break;
      }
    }
    for (const auto& r : b.rejections)
      if (cb.on_rejection) cb.on_rejection(r);
    if (report_warnings)
      for (const auto& w : b.warnings)
        if (cb.on_warning) cb.on_warning(w);
    for (std::size_t k = 0; k < summary.kinds.size(); ++k) {
      summary.kinds[k].rejected += b.counts[k].rejected;
      summary.kinds[k].duplicates += b.counts[k].duplicates;
    }
    summary.items += b.items;
    summary.rejected += static_cast<std::int64_t>(b.rejections.size());
    summary.skipped += b.skipped;
    summary.queued += static_cast<std::int64_t>(b.queued.size());
    if (report_warnings) summary.warnings += static_cast<std::int64_t>(b.warnings.size());
    if (!b.records.empty()) {
      if (store) {
        b.view_props();
        auto written = store->write_with_props(b.records, b.props);
        if (!written.ok()) {
          status = written.status().with_context("writing to the database");
          queue.close();
          break;
        }
        for (std::size_t i = 0; i < b.records.size(); ++i) {
          auto& c = summary.kinds[static_cast<std::size_t>(kind_of(b.records[i]))];
          switch (written->outcomes[i]) {
            case WriteOutcome::kInserted: ++c.inserted; break;
            case WriteOutcome::kUpdated: ++c.updated; break;
            case WriteOutcome::kDuplicate: ++c.duplicates; break;
          }
        }
      } else {
        for (const auto& r : b.records) ++summary.kinds[static_cast<std::size_t>(kind_of(r))].inserted;
      }
    }
    if (store && !b.queued.empty()) {
      if (Status st = store->put_documents(b.queued); !st.ok()) {
        status = st.with_context("writing the unresolved queue");
        queue.close();
        break;
      }
    }
    progress.items = summary.items;
    progress.bytes = b.bytes;
    progress.done = b.last;
    if (cb.on_progress) cb.on_progress(progress);
    if (!b.error.ok()) {
      status = b.error;
      break;
    }
    if (b.last) break;
    queue.recycle(std::move(b));
  }
  worker.join();
  return status;
}

}  // namespace

std::int64_t ImportSummary::total(std::int64_t KindCounts::*field) const {
  std::int64_t n = 0;
  for (const auto& k : kinds) n += k.*field;
  return n;
}

Result<ImportSummary> import_files(const std::vector<std::string>& paths, Store* store,
                                   const ImportOptions& options, const ImportCallbacks& callbacks) {
  ImportOptions opts = options;
  if (opts.batch == 0) opts.batch = 1;
  Inputs inputs;
  UPLIFT_RETURN_IF_ERROR(open_inputs(paths, opts, opts.strict && store != nullptr, inputs));
  ImportSummary summary;
  if (opts.strict && store) {
    // Validate everything first; write only when nothing is rejected.
    ImportCallbacks quiet = callbacks;
    quiet.on_progress = nullptr;
    UPLIFT_RETURN_IF_ERROR(run_pass(inputs, nullptr, opts, quiet, false, summary));
    if (summary.rejected > 0) return summary;
    for (auto& in : inputs.list)
      if (::lseek(in.fd, 0, SEEK_SET) != 0)
        return Status::InvalidArgument(fmt::format("cannot re-read {} for --strict", in.name));
    summary = ImportSummary{};
    ImportCallbacks no_rejections = callbacks;
    no_rejections.on_rejection = nullptr;
    UPLIFT_RETURN_IF_ERROR(store->begin_bulk());
    Status st = run_pass(inputs, store, opts, no_rejections, true, summary);
    Status synced = store->end_bulk();
    UPLIFT_RETURN_IF_ERROR(st);
    UPLIFT_RETURN_IF_ERROR(synced);
    summary.written = true;
    return summary;
  }
  if (store) UPLIFT_RETURN_IF_ERROR(store->begin_bulk());
  Status st = run_pass(inputs, store, opts, callbacks, true, summary);
  // Batches committed before a failure stay committed: make them durable either way.
  Status synced = store ? store->end_bulk() : Status::OK();
  if (!st.ok()) return st;
  UPLIFT_RETURN_IF_ERROR(synced);
  summary.written = store != nullptr;
  return summary;
}

}  // namespace uplift::ingest
