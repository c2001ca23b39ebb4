// Segment spec → canonical records (the Segment-compatible HTTP API, DESIGN.md "Adapters").
//
// Accepts what Segment's libraries send (analytics-node posts {"batch": [...], "sentAt": ...} to
// /v1/batch; single calls go to /v1/track, /v1/identify, /v1/group):
//  * track    → event: messageId → id, event → name, properties → props,
//               userId (else anonymousId) → learner, account from the first of
//               context.groupId, groupId, properties.groupId, context.traits.groupId;
//               a track without any of them is rejected (an event must belong to an account).
//  * identify → learner upsert: userId → id (anonymousId alone is rejected), traits.email, role,
//               access_level, audience, createdAt/created_at, departedAt/departed_at; account from traits.groupId,
//               context.groupId, traits.company.id, context.traits.groupId.
//  * group    → account upsert: groupId → id, traits name, plan, tier, arr, csm, renewal_date,
//               audience, createdAt/created_at.
//  * batch    → each element of "batch" by its own "type"; one bad element does not reject the
//               others (errors carry the element's index).
// Time: timestamp, else originalTimestamp, else sentAt (of the call, then of the batch), else
// `received_at` (the server's clock, as Segment's receivedAt); offsets are normalised to UTC.
// Upserts replace the whole learner/account, so an identify without a trait clears it.
// page, screen and alias calls are rejected as unsupported.
#pragma once

#include <optional>
#include <string_view>

#include "core/time.h"
#include "ingest/adapter.h"

namespace uplift::ingest {

struct SegmentOptions {
  std::optional<Timestamp> received_at;  // fallback when a call carries no time at all
};

// `type` is the endpoint's call type ("track", "identify", "group", "batch"); empty means: read
// the payload's "type" field, or treat a payload with a "batch" array as a batch.
AdapterResult segment_to_records(const nlohmann::json& payload, std::string_view type = {},
                                 const SegmentOptions& options = {});

// A {"batch": [...]} body as text → the very result segment_to_records(parse(body), "batch")
// gives (records, items, upserts, actors, errors, in the same order). Plain tracks — string
// fields without escapes, context.groupId, userId, a props object of plain strings — are read
// straight from simdjson's DOM into events (ingest/fast_event.h); every other item goes through
// the full mapping above. nullopt when the body is not one object with one non-empty "batch"
// array (or not JSON at all): the caller then takes the full route, which names the problem.
// The caller checks the nesting depth first (json_depth), as for any JSON body. `fast_items`, if
// given, is increased by the number of items read straight into events (for tests).
std::optional<AdapterResult> segment_batch_from_text(std::string_view body, const SegmentOptions& options = {},
                                                     std::size_t* fast_items = nullptr);

}  // namespace uplift::ingest
