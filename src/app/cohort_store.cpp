#include "app/cohort_store.h"

#include <algorithm>

#include <fmt/format.h>

namespace uplift::app {

static Result<cohorts::Cohort> parse_doc(const Document& d) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(d.body);
  } catch (const nlohmann::json::exception& e) {  // parse errors and numbers no double holds (1e999)
    return Status::Internal(fmt::format("cohort document '{}': not valid JSON: {}", d.key, e.what()));
  }
  return cohorts::cohort_from_json(j, fmt::format("cohort document '{}'", d.key));
}

Result<std::vector<cohorts::Cohort>> load_cohorts(Store& store) {
  std::vector<cohorts::Cohort> out;
  Status failed;
  Status st = store.scan_documents(cohorts::kCohortCollection, [&](const Document& d) {
    auto c = parse_doc(d);
    if (!c.ok()) {
      failed = c.status();
      return false;
    }
    out.push_back(std::move(*c));
    return true;
  });
  UPLIFT_RETURN_IF_ERROR(st);
  UPLIFT_RETURN_IF_ERROR(failed);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

Result<cohorts::Cohort> get_cohort(Store& store, std::string_view id) {
  auto d = store.get_document(cohorts::kCohortCollection, id);
  if (!d.ok()) {
    if (d.status().code() == Code::kNotFound) return Status::NotFound(fmt::format("no cohort '{}'", id));
    return d.status();
  }
  return parse_doc(*d);
}

namespace {

Document cohort_document(const cohorts::Cohort& c, Timestamp now) {
  return {std::string(cohorts::kCohortCollection), c.id, cohorts::cohort_to_json(c).dump(), now};
}

// Read, decide, then write only if nobody changed the cohort meanwhile (another process saving or
// sending it): `decide` gets the stored cohort (nullptr when there is none) and returns the
// cohort to store, or nullopt to leave it as it is; a lost race reads again and decides again.
template <typename Decide>
Result<cohorts::Cohort> update_cohort(Store& store, std::string_view id, Timestamp now, Decide decide) {
  constexpr int kAttempts = 8;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto d = store.get_document(cohorts::kCohortCollection, id);
    std::optional<std::string> expected;
    std::optional<cohorts::Cohort> existing;
    if (d.ok()) {
      auto parsed = parse_doc(*d);
      if (!parsed.ok()) return parsed.status();
      existing = std::move(*parsed);
      expected = std::move(d->body);
    } else if (d.status().code() != Code::kNotFound) {
      return d.status();
    }
    Result<std::optional<cohorts::Cohort>> next = decide(existing ? &*existing : nullptr);
    if (!next.ok()) return next.status();
    if (!*next) return *existing;
    auto written = store.put_document_if(cohort_document(**next, now), expected);
    if (!written.ok()) return written.status();
    if (*written) return std::move(**next);
  }
  return Status::Unavailable(
      fmt::format("cohort '{}' kept changing while it was being saved ({} attempts); try again", id, kAttempts));
}

}  // namespace

Status save_cohort(Store& store, const cohorts::Cohort& cohort, Timestamp now) {
  return update_cohort(store, cohort.id, now,
                       [&](const cohorts::Cohort* existing) -> Result<std::optional<cohorts::Cohort>> {
                         if (existing) {
                           UPLIFT_RETURN_IF_ERROR(cohorts::check_replace(*existing, cohort));
                           if (*existing == cohort) return std::optional<cohorts::Cohort>();
                         }
                         return std::optional<cohorts::Cohort>(cohort);
                       })
      .status();
}

Result<bool> create_cohort(Store& store, const cohorts::Cohort& cohort, Timestamp now) {
  return store.put_document_if(cohort_document(cohort, now), std::nullopt);
}

Result<cohorts::Cohort> send_cohort(Store& store, std::string_view id, Timestamp now) {
  return update_cohort(store, id, now, [&](const cohorts::Cohort* c) -> Result<std::optional<cohorts::Cohort>> {
    if (!c) return Status::NotFound(fmt::format("no cohort '{}'", id));
    if (c->status == cohorts::CohortStatus::kSent) return std::optional<cohorts::Cohort>();
    if (c->status == cohorts::CohortStatus::kClosed)
      return Status::FailedPrecondition(fmt::format("cohort '{}' is closed and cannot be sent", id));
    cohorts::Cohort sent = *c;
    sent.status = cohorts::CohortStatus::kSent;
    return std::optional<cohorts::Cohort>(std::move(sent));
  });
}

Result<cohorts::Cohort> close_cohort(Store& store, std::string_view id, Timestamp now) {
  return update_cohort(store, id, now, [&](const cohorts::Cohort* c) -> Result<std::optional<cohorts::Cohort>> {
    if (!c) return Status::NotFound(fmt::format("no cohort '{}'", id));
    if (c->status == cohorts::CohortStatus::kClosed) return std::optional<cohorts::Cohort>();  // closed already
    if (c->status == cohorts::CohortStatus::kProposed)
      return Status::FailedPrecondition(fmt::format(
          "cohort '{}' is only proposed: nothing was sent, so there is nothing to close — delete it instead "
          "(DELETE /v1/cohorts/{})",
          id, id));
    cohorts::Cohort closed = *c;
    closed.status = cohorts::CohortStatus::kClosed;
    return std::optional<cohorts::Cohort>(std::move(closed));
  });
}

std::unique_lock<std::mutex> cohort_write_turn() {
  static std::mutex turn;
  return std::unique_lock<std::mutex>(turn);
}

Status delete_cohort(Store& store, std::string_view id) {
  constexpr int kAttempts = 8;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto d = store.get_document(cohorts::kCohortCollection, id);
    if (!d.ok()) {
      if (d.status().code() == Code::kNotFound) return Status::NotFound(fmt::format("no cohort '{}'", id));
      return d.status();
    }
    auto c = parse_doc(*d);
    if (!c.ok()) return c.status();
    if (c->status != cohorts::CohortStatus::kProposed)
      return Status::FailedPrecondition(fmt::format(
          "cohort '{}' is {} and cannot be deleted (its holdout is an experiment record)", c->id,
          cohorts::cohort_status_name(c->status)));
    Store::DocumentChanges gone;
    gone.expect.push_back({std::string(cohorts::kCohortCollection), std::string(id), d->body});
    gone.erase.emplace_back(std::string(cohorts::kCohortCollection), std::string(id));
    auto done = store.apply_documents(gone);
    if (!done.ok()) return done.status();
    if (*done) return Status::OK();
  }
  return Status::Unavailable(
      fmt::format("cohort '{}' kept changing while it was being deleted ({} attempts); try again", id, kAttempts));
}

}  // namespace uplift::app
