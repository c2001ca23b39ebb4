#include "alerts/outbox.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/time.h"

namespace uplift::alerts {

using nlohmann::json;

json delivery_to_json(const Delivery& d) {
  json j = {{"alert_id", d.alert_id}, {"destination", d.destination}, {"status", d.status},
            {"attempts", d.attempts}, {"since", d.since}};
  if (d.next_attempt_at) j["next_attempt_at"] = d.next_attempt_at;
  if (!d.lease_owner.empty()) j["lease_owner"] = d.lease_owner;
  if (d.lease_until) j["lease_until"] = d.lease_until;
  if (d.finished_at) j["finished_at"] = d.finished_at;
  if (!d.last_error.empty()) j["last_error"] = d.last_error;
  return j;
}

Result<Delivery> delivery_from_json(std::string_view text) try {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("alert_id") || !j.contains("destination"))
    return Status::Internal(fmt::format("stored alert delivery is not readable: {}", std::string(text.substr(0, 120))));
  Delivery d;
  d.alert_id = j.value("alert_id", "");
  d.destination = j.value("destination", "");
  d.status = j.value("status", "pending");
  d.attempts = j.value("attempts", 0);
  d.since = j.value("since", Timestamp{0});
  d.next_attempt_at = j.value("next_attempt_at", Timestamp{0});
  d.lease_owner = j.value("lease_owner", "");
  d.lease_until = j.value("lease_until", Timestamp{0});
  d.finished_at = j.value("finished_at", Timestamp{0});
  d.last_error = j.value("last_error", "");
  return d;
} catch (const json::exception& e) {  // a field of the wrong type
  return Status::Internal(fmt::format("stored alert delivery is not readable: {}", e.what()));
}

bool due(const Delivery& d, Timestamp now) {
  if (d.status == "pending" || d.status == "retrying") return d.next_attempt_at <= now;
  if (d.status == "sending") return d.lease_until <= now;
  return false;
}

std::vector<Document> fired_documents(const json& context, const std::string& csm,
                                      const std::vector<std::string>& destinations, Timestamp now) {
  const std::string id = context.value("id", "");
  std::vector<Document> docs;
  json alert = {{"context", context},  {"rule", context.value("rule", "")}, {"account", context["account"].value("id", "")},
                {"csm", csm},          {"destinations", destinations},      {"fired_at", now}};
  docs.push_back({kAlerts, id, alert.dump(), now});
  for (const auto& dest : destinations) {
    Delivery d;
    d.alert_id = id;
    d.destination = dest;
    d.since = now;
    d.next_attempt_at = now;
    docs.push_back({kOutbox, d.key(), delivery_to_json(d).dump(-1, ' ', false, json::error_handler_t::replace), now});
  }
  return docs;
}

std::string episodes_body(const triggers::EpisodeBook& book, std::string_view account) {
  json j = json::object();
  for (auto it = book.lower_bound({std::string(), std::string()}); it != book.end(); ++it) {
    if (it->first.second != account) continue;
    const triggers::Episode& ep = it->second;
    if (ep == triggers::Episode{}) continue;
    json e = {{"holding", ep.holding}, {"alerted", ep.alerted}};
    if (ep.last_alert) e["last_alert"] = *ep.last_alert;
    j[it->first.first] = std::move(e);
  }
  return j.dump();
}

bool parse_episodes(std::string_view account, std::string_view body, triggers::EpisodeBook& book) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_object()) return false;
    triggers::Episode ep;
    ep.holding = it.value().value("holding", false);
    ep.alerted = it.value().value("alerted", false);
    if (it.value().contains("last_alert") && it.value()["last_alert"].is_number_integer())
      ep.last_alert = it.value()["last_alert"].get<Timestamp>();
    book[{it.key(), std::string(account)}] = ep;
  }
  return true;
}

Status load_episodes(Store& store, triggers::EpisodeBook& book, std::map<std::string, std::string, std::less<>>& bodies) {
  Status bad = Status::OK();
  Status st = store.scan_documents(kEpisodes, [&](const Document& d) {
    if (!parse_episodes(d.key, d.body, book)) {
      bad = Status::Internal(fmt::format("trigger episodes of account '{}' are not readable", d.key));
      return false;
    }
    bodies[d.key] = d.body;
    return true;
  });
  return st.ok() ? bad : st;
}

std::string AlertView::status() const {
  if (deliveries.empty()) return "recorded";
  std::set<std::string> s;
  for (const auto& d : deliveries) s.insert(d.status == "sending" ? "pending" : d.status);
  if (s.size() == 1) return *s.begin();
  if (s.count("retrying")) return "retrying";
  if (s.count("pending")) return "pending";
  return "partial";  // some sent, some dead
}

namespace {

Status read_deliveries(Store& store, const char* collection, std::map<std::string, std::vector<Delivery>>& by_alert,
                       std::string_view only = {}) {
  Status bad = Status::OK();
  Status st = store.scan_documents(collection, [&](const Document& doc) {
    if (!only.empty() && doc.key.compare(0, only.size() + 1, std::string(only) + "|") != 0) return true;
    auto d = delivery_from_json(doc.body);
    if (!d.ok()) {
      bad = d.status();
      return false;
    }
    auto& list = by_alert[d->alert_id];
    // An outbox entry (a redelivery in progress) shadows the finished record of the same destination.
    auto same = std::find_if(list.begin(), list.end(), [&](const Delivery& x) { return x.destination == d->destination; });
    if (same == list.end()) list.push_back(std::move(*d));
    else if (std::string_view(collection) == kOutbox) *same = std::move(*d);
    return true;
  });
  return st.ok() ? bad : st;
}

}  // namespace

Result<std::vector<AlertView>> list_alerts(Store& store) {
  std::map<std::string, std::vector<Delivery>> by_alert;
  UPLIFT_RETURN_IF_ERROR(read_deliveries(store, kDeliveries, by_alert));
  UPLIFT_RETURN_IF_ERROR(read_deliveries(store, kOutbox, by_alert));
  std::vector<AlertView> out;
  Status bad = Status::OK();
  UPLIFT_RETURN_IF_ERROR(store.scan_documents(kAlerts, [&](const Document& doc) {
    json j = json::parse(doc.body, nullptr, false);
    if (!j.is_object()) {
      bad = Status::Internal(fmt::format("stored alert '{}' is not readable", doc.key));
      return false;
    }
    AlertView v{std::move(j), std::move(by_alert[doc.key])};
    std::sort(v.deliveries.begin(), v.deliveries.end(),
              [](const Delivery& a, const Delivery& b) { return a.destination < b.destination; });
    out.push_back(std::move(v));
    return true;
  }));
  UPLIFT_RETURN_IF_ERROR(bad);
  std::stable_sort(out.begin(), out.end(), [](const AlertView& a, const AlertView& b) {
    return a.alert.value("fired_at", Timestamp{0}) > b.alert.value("fired_at", Timestamp{0});
  });
  return out;
}

namespace {

// The stored alert document `id`, parsed; NotFound names the alert.
Result<json> read_alert(Store& store, std::string_view id) {
  auto doc = store.get_document(kAlerts, id);
  if (!doc.ok()) {
    if (doc.status().code() == Code::kNotFound) return Status::NotFound(fmt::format("no alert '{}'", id));
    return doc.status();
  }
  json j = json::parse(doc->body, nullptr, false);
  if (!j.is_object()) return Status::Internal(fmt::format("stored alert '{}' is not readable", id));
  return j;
}

}  // namespace

Result<AlertView> get_alert(Store& store, std::string_view id) {
  auto j = read_alert(store, id);
  if (!j.ok()) return j.status();
  std::map<std::string, std::vector<Delivery>> by_alert;
  UPLIFT_RETURN_IF_ERROR(read_deliveries(store, kDeliveries, by_alert, id));
  UPLIFT_RETURN_IF_ERROR(read_deliveries(store, kOutbox, by_alert, id));
  AlertView v{std::move(*j), std::move(by_alert[std::string(id)])};
  std::sort(v.deliveries.begin(), v.deliveries.end(),
            [](const Delivery& a, const Delivery& b) { return a.destination < b.destination; });
  return v;
}

json alert_view_to_json(const AlertView& v) {
  json j = v.alert.value("context", json::object());
  j["fired_at"] = format_timestamp(v.alert.value("fired_at", Timestamp{0}));
  j["status"] = v.status();
  json deliveries = json::array();
  for (const auto& d : v.deliveries) {
    json x = {{"destination", d.destination}, {"status", d.status == "sending" ? "pending" : d.status},
              {"attempts", d.attempts}};
    if (d.finished_at) x["finished_at"] = format_timestamp(d.finished_at);
    if ((d.status == "pending" || d.status == "retrying") && d.next_attempt_at)
      x["next_attempt_at"] = format_timestamp(d.next_attempt_at);
    if (!d.last_error.empty()) x["last_error"] = d.last_error;
    deliveries.push_back(std::move(x));
  }
  j["deliveries"] = std::move(deliveries);
  return j;
}

Result<std::vector<std::string>> redeliver(Store& store, std::string_view id, std::string_view destination,
                                           Timestamp now, const std::function<bool(std::string_view)>& configured) {
  auto j = read_alert(store, id);
  if (!j.ok()) return j.status();
  std::vector<std::string> dests;
  for (const auto& d : j->value("destinations", json::array()))
    if (d.is_string() && (destination.empty() || d.get<std::string>() == destination)) dests.push_back(d.get<std::string>());
  if (dests.empty())
    return Status::NotFound(destination.empty() ? fmt::format("alert '{}' was routed to no destination", id)
                                                : fmt::format("alert '{}' was not routed to destination '{}'", id, destination));
  std::vector<std::string> gone;
  std::erase_if(dests, [&](const std::string& d) { return !configured(d) && (gone.push_back(d), true); });
  if (dests.empty())
    return Status::FailedPrecondition(fmt::format("alert '{}' went to {}, which is no longer configured", id, fmt::join(gone, ", ")));
  Store::DocumentChanges ch;
  for (const auto& dest : dests) {
    Delivery d;
    d.alert_id = std::string(id);
    d.destination = dest;
    d.since = now;
    d.next_attempt_at = now;
    ch.put.push_back({kOutbox, d.key(), delivery_to_json(d).dump(-1, ' ', false, json::error_handler_t::replace), now});
  }
  auto r = store.apply_documents(ch);
  if (!r.ok()) return r.status();
  return dests;
}

}  // namespace uplift::alerts
