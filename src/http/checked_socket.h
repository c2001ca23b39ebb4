// CheckedServerSocket: the listening socket of `uplift serve`. Every connection it accepts passes
// the bytes it receives through a RequestFramer before Poco parses them, which adds two promises
// Poco's HTTPServer does not make:
//  * a header line without a colon (or with a non-token name) is answered 400 problem+json and
//    the connection closed — Poco would drop the line and serve the request;
//  * a request whose head and body have not fully arrived `request_timeout` after its first byte
//    (a slowloris client trickling bytes to hold a thread) is cut off: 408 problem+json while the
//    head is still arriving, and a receive timeout (→ 408 from the handler) during the body.
// Idle keep-alive connections are not affected (Poco's keep-alive timeout applies).
#pragma once

#include <Poco/Net/ServerSocket.h>
#include <Poco/Timespan.h>

namespace uplift::http {

class CheckedServerSocket : public Poco::Net::ServerSocket {
 public:
  explicit CheckedServerSocket(Poco::Timespan request_timeout);
};

}  // namespace uplift::http
