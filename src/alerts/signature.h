// Standard Webhooks signing (https://www.standardwebhooks.com): what a receiver verifies with the
// `standardwebhooks` libraries.
//   signed content   "<webhook-id>.<webhook-timestamp>.<body>"
//   key              the base64-decoded part of the secret after "whsec_"
//   webhook-signature "v1,<base64 of HMAC-SHA256(key, signed content)>"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace uplift::alerts {

// InvalidArgument when the secret is not "whsec_" + base64.
Result<std::string> standard_webhooks_signature(std::string_view secret, std::string_view msg_id,
                                                std::int64_t timestamp_seconds, std::string_view body);

}  // namespace uplift::alerts
