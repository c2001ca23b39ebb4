// Standard Webhooks signing (https://www.standardwebhooks.com): what a receiver verifies with the
// `standardwebhooks` libraries.
//   signed content   "<webhook-id>.<webhook-timestamp>.<body>"
//   key              the base64-decoded part of the secret after "whsec_"
//   webhook-signature "v1,<base64 of HMAC-SHA256(key, signed content)>"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace uplift::alerts {

// InvalidArgument when the secret is not "whsec_" + base64.
Result<std::string> standard_webhooks_signature(std::string_view secret, std::string_view msg_id,
                                                std::int64_t timestamp_seconds, std::string_view body);

// Verifies a delivery signed per Standard Webhooks, as a receiver must: `timestamp` (the
// webhook-timestamp header, integer seconds) within `tolerance_seconds` of `now_seconds` either
// way (an old delivery replayed is refused), and one of the space-separated "v1,<base64>" entries
// of `signatures` equal, in constant time, to the signature under one of `secrets` (several
// during a rotation). Unauthenticated naming what failed; InvalidArgument for a bad secret.
Status verify_standard_webhook(const std::vector<std::string>& secrets, std::string_view msg_id,
                               std::string_view timestamp, std::string_view signatures, std::string_view body,
                               std::int64_t now_seconds, std::int64_t tolerance_seconds);

}  // namespace uplift::alerts
