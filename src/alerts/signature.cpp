#include "alerts/signature.h"

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

}  // namespace uplift::alerts
