#include "alerts/signature.h"

#include <charconv>
#include <sstream>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

namespace uplift::alerts {
namespace {

// Poco's HMACEngine wants the block and digest sizes as members.
class Sha256 : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

}  // namespace

Result<std::string> standard_webhooks_signature(std::string_view secret, std::string_view msg_id,
                                                std::int64_t timestamp_seconds, std::string_view body) {
  if (secret.substr(0, 6) != "whsec_") return Status::InvalidArgument("webhook secret must start with whsec_");
  std::string key;
  try {
    std::istringstream in{std::string(secret.substr(6))};
    Poco::Base64Decoder decoder(in);
    key.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("webhook secret is not base64: ") + e.what());
  }
  if (key.empty()) return Status::InvalidArgument("webhook secret is empty");
  Poco::HMACEngine<Sha256> hmac(key);
  std::string content = std::string(msg_id) + "." + std::to_string(timestamp_seconds) + ".";
  hmac.update(content.data(), content.size());
  hmac.update(body.data(), body.size());
  const Poco::DigestEngine::Digest& mac = hmac.digest();
  std::ostringstream out;
  {
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(0);
    encoder.write(reinterpret_cast<const char*>(mac.data()), static_cast<std::streamsize>(mac.size()));
    encoder.close();
  }
  return "v1," + out.str();
}

Status verify_standard_webhook(const std::vector<std::string>& secrets, std::string_view msg_id,
                               std::string_view timestamp, std::string_view signatures, std::string_view body,
                               std::int64_t now_seconds, std::int64_t tolerance_seconds) {
  if (msg_id.empty() || timestamp.empty() || signatures.empty())
    return Status::Unauthenticated("the webhook-id, webhook-timestamp and webhook-signature headers are required");
  std::int64_t ts = 0;
  auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
  if (ec != std::errc() || end != timestamp.data() + timestamp.size())
    return Status::Unauthenticated("webhook-timestamp is not an integer number of seconds");
  if (ts < now_seconds - tolerance_seconds) return Status::Unauthenticated("webhook-timestamp is too old (a replayed delivery?)");
  if (ts > now_seconds + tolerance_seconds) return Status::Unauthenticated("webhook-timestamp is too far in the future");
  bool any_v1 = false;
  for (const std::string& secret : secrets) {
    auto expected = standard_webhooks_signature(secret, msg_id, ts, body);
    if (!expected.ok()) return expected.status();
    const std::string_view want = std::string_view(*expected).substr(3);  // after "v1,"
    std::size_t pos = 0;
    while (pos < signatures.size()) {
      std::size_t next = signatures.find(' ', pos);
      if (next == std::string_view::npos) next = signatures.size();
      std::string_view entry = signatures.substr(pos, next - pos);
      pos = next + 1;
      if (entry.substr(0, 3) != "v1,") continue;  // another scheme (v1a: asymmetric) — not ours
      any_v1 = true;
      std::string_view got = entry.substr(3);
      unsigned char diff = got.size() == want.size() ? 0 : 1;
      for (std::size_t i = 0; i < want.size(); ++i)
        diff |= static_cast<unsigned char>(want[i] ^ (i < got.size() ? got[i] : 0));
      if (diff == 0) return Status::OK();
    }
  }
  return Status::Unauthenticated(any_v1 ? "webhook-signature does not match the body (tampered, or another secret)"
                                        : "webhook-signature has no v1 signature");
}

}  // namespace uplift::alerts
