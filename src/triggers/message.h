// What an alert says: the "pre-assembled context" a CSM acts on, and its two renderings.
//
// alert_context() gathers, when the alert fires, everything the receiver needs without opening
// uplift: the rule and its action, the account (name, tier, plan, CSM, ARR, renewal date and days
// to it), the stage, what changed (why the rule holds), the frontier with progress, and what
// uplift recommends next for each frontier milestone (recommend/account_advice.h). It is stored
// with the alert, so every retry sends the same content.
// slack_message() renders it as a Slack Block Kit message (header, fields, what changed, next
// steps, a context line with the alert id); webhook_payload() wraps it in the Standard Webhooks
// envelope {"type": "alert.fired", "timestamp": ..., "data": context}.
// Pure: no I/O, no wall clock.
#pragma once

#include <nlohmann/json.hpp>

#include "recommend/account_advice.h"
#include "recommend/content_map.h"
#include "triggers/detect.h"

namespace uplift::triggers {

nlohmann::json alert_context(const Alert& alert, const Rule& rule, const Context& ctx,
                             const recommend::ContentMap& content, const recommend::ProgramFor& program_for);

// Block Kit: {"text": fallback, "blocks": [...]}; every text within Slack's limits (header 150,
// section 3000 characters, at most 10 fields).
nlohmann::json slack_message(const nlohmann::json& context);
nlohmann::json webhook_payload(const nlohmann::json& context);

}  // namespace uplift::triggers
