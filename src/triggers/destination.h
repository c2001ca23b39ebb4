// Where alerts go: the destinations and the CSM routing of triggers/*.json (README "Triggers").
//
// A file may hold rules ("triggers"), destinations, routing, or all three:
//   {"destinations": [
//      {"name": "cs-slack", "type": "slack", "url": "env:UPLIFT_SLACK_WEBHOOK_URL"},
//      {"name": "crm", "type": "webhook", "url": "https://crm.example.com/hooks/uplift",
//       "secret": "env:UPLIFT_CRM_WEBHOOK_SECRET", "max_in_flight": 4, "per_second": 20}],
//    "routing": {"default": ["cs-slack", "crm"], "by_csm": {"maria.chen": ["maria-slack", "crm"]}}}
// "slack" posts a Block Kit message to a Slack incoming webhook; "webhook" posts the alert as JSON
// signed per the Standard Webhooks specification with the destination's secret ("whsec_" and the
// base64 of 24–64 random bytes). A string value "env:NAME" is read from the environment when the
// file is loaded (secrets and webhook URLs stay out of the config repository).
// Delivery knobs per destination (defaults in the struct): concurrency and rate per replica, the
// request timeout, and the retry schedule (exponential backoff with full jitter from
// retry_initial_seconds, capped at retry_max_seconds, dead-lettered once give_up_after_seconds
// have passed since the alert fired).
// An alert goes to routing.by_csm[account's CSM] when the CSM is listed, else routing.default.
// Pure apart from the environment lookup passed in.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace uplift::triggers {

struct Destination {
  enum class Kind { kSlack, kWebhook };
  std::string name;
  Kind kind = Kind::kWebhook;
  std::string url;     // http:// or https://
  std::string secret;  // webhook: "whsec_…" (empty for slack)
  int max_in_flight = 2;
  double per_second = 10;
  double timeout_seconds = 10;
  double retry_initial_seconds = 5;
  double retry_max_seconds = 900;
  double give_up_after_seconds = 86400;
  std::string source;  // file it came from
};

struct Routing {
  std::vector<std::string> by_default;
  std::map<std::string, std::vector<std::string>, std::less<>> by_csm;
  // The destination names for an account with this CSM.
  const std::vector<std::string>& for_csm(std::string_view csm) const;
};

struct DestinationSet {
  std::vector<Destination> destinations;
  Routing routing;
  bool routing_given = false;  // some file had "routing"
  const Destination* find(std::string_view name) const;
};

using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Parses the "destinations" and "routing" of one document into `out`; problems name the file and
// the destination ("triggers/slack.json: destination \"cs-slack\": url: …").
void parse_destinations(const nlohmann::json& doc, const std::string& source, const EnvLookup& env,
                        DestinationSet& out, std::vector<std::string>& problems);
// Checks what needs every file: each routed name is a destination; with destinations and no
// routing, every destination is the default.
void finish_destinations(DestinationSet& set, std::vector<std::string>& problems);

// A destination's type, as destination files and the API spell it ("slack", "webhook"), and back.
std::string_view destination_kind_name(Destination::Kind k);
std::optional<Destination::Kind> parse_destination_kind(std::string_view name);
// The destination without its secret (for `uplift triggers list` and the API).
nlohmann::json destination_to_json(const Destination& d);

}  // namespace uplift::triggers
