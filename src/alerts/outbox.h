// The alert outbox: fired alerts and their deliveries, kept as documents in the Store so they
// survive a crash and every replica on one database sees the same queue.
//
// Collections (keys):
//   alerts            alert id                    what fired: the context (triggers/message.h),
//                                                  the destinations it was routed to, when it fired
//   alert_outbox      "<alert id>|<destination>"  a delivery still to make: pending, retrying, or
//                                                  sending (claimed by one replica until its lease ends)
//   alert_deliveries  "<alert id>|<destination>"  a finished delivery: sent or dead
//   trigger_episodes  account id                  the account's episodes per rule (detect.h)
// An alert, its outbox entries and its account's episodes are written in one transaction
// (Store::apply_documents) guarded by the episodes' previous version: the alert exists exactly
// when its episode says it was raised, and two replicas cannot raise the same episode twice.
// A delivery moves pending → sending → sent | retrying → … → dead; each move is a compare-and-set
// on the outbox entry, so a replica that lost its lease (or a redelivery that reset the entry)
// never overwrites a newer state. Finishing writes the alert_deliveries record and deletes the
// outbox entry in one transaction.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/records.h"
#include "core/status.h"
#include "store/store.h"
#include "triggers/detect.h"

namespace uplift::alerts {

inline constexpr const char* kAlerts = "alerts";
inline constexpr const char* kOutbox = "alert_outbox";
inline constexpr const char* kDeliveries = "alert_deliveries";
inline constexpr const char* kEpisodes = "trigger_episodes";

struct Delivery {
  std::string alert_id, destination;
  std::string status = "pending";  // pending | sending | retrying | sent | dead
  int attempts = 0;                // requests made so far
  Timestamp since = 0;             // fired (or redelivery asked) at: the retry period counts from here
  Timestamp next_attempt_at = 0;   // pending/retrying: not before
  std::string lease_owner;         // sending: the replica making the request
  Timestamp lease_until = 0;       // sending: after this the entry is free again (the owner died)
  Timestamp finished_at = 0;       // sent/dead
  std::string last_error;          // the last failed attempt: "HTTP 500", "connection refused"…
  std::string key() const { return alert_id + "|" + destination; }
};

nlohmann::json delivery_to_json(const Delivery& d);
Result<Delivery> delivery_from_json(std::string_view text);
// Whether a replica may claim the entry at `now`.
bool due(const Delivery& d, Timestamp now);

// The documents that record a fired alert: the alert and one pending outbox entry per destination.
std::vector<Document> fired_documents(const nlohmann::json& context, const std::string& csm,
                                      const std::vector<std::string>& destinations, Timestamp now);

// Episode documents: an account's episodes per rule.
std::string episodes_body(const triggers::EpisodeBook& book, std::string_view account);
// Adds the episodes of one account's document to `book`; false when the body is not readable.
bool parse_episodes(std::string_view account, std::string_view body, triggers::EpisodeBook& book);
Status load_episodes(Store& store, triggers::EpisodeBook& book, std::map<std::string, std::string, std::less<>>& bodies);

// One alert with its deliveries, as GET /v1/alerts shows it.
struct AlertView {
  nlohmann::json alert;                 // the stored alert document
  std::vector<Delivery> deliveries;     // outbox entries and finished ones, by destination
  std::string status() const;           // recorded (no destination) | pending | retrying | sent | dead | partial
};
// Every alert with its deliveries, newest first.
Result<std::vector<AlertView>> list_alerts(Store& store);
Result<AlertView> get_alert(Store& store, std::string_view id);
nlohmann::json alert_view_to_json(const AlertView& v);

// Queues the alert's deliveries again (every destination, or only `destination`) from now: new
// pending outbox entries with no attempts; the finished records stay until they finish again.
// NotFound for an unknown alert or a destination it was not routed to.
// Destinations no longer configured (`configured` says false) are left out; FailedPrecondition
// when that leaves none.
Result<std::vector<std::string>> redeliver(Store& store, std::string_view id, std::string_view destination,
                                           Timestamp now, const std::function<bool(std::string_view)>& configured);

}  // namespace uplift::alerts
