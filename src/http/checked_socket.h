// CheckedServerSocket: the listening socket of `uplift serve`, and its front door.
//
// Poco's HTTPServer gives each connection a thread from its pool for as long as the connection
// lasts, so sixteen clients that trickle their headers a byte at a time (or idle between requests)
// would hold all sixteen threads. Here the front door — Poco's acceptor, which calls this socket's
// poll() and acceptConnection(), and optionally further lanes on threads of their own, each
// watching its share of the connections with epoll — reads every connection until it holds a
// whole request head (and its body, up to `prefetch_limit`), and only then hands it to Poco's pool. Between keep-alive
// requests a worker waits `keep_alive_grace` for the next request, then gives the connection back
// to the front door; after 4 requests in a row it gives it back at once when other connections
// wait for a thread (so 512 busy keep-alive clients share 16 threads fairly). So a thread is only ever busy with a request that has arrived; slow and idle
// clients cost a file descriptor and a few kilobytes, never a thread. The front door promises:
//  * a request head must arrive within `header_timeout` of its first byte, head and body within
//    `request_timeout` (408 problem+json, then close); a connection idle past
//    `keep_alive_timeout` (or silent that long after it opened) is closed;
//  * at most `max_connections` connections in all (beyond: 503 at once, nothing read) and
//    `max_connections_per_client` from one address (beyond: 503, except health probes);
//  * a request that would wait behind `max_queued` others for a thread is answered 503 at once;
//  * health probes and the bounded learner reads (`FrontDesk`: recommendations, a learner's
//    segments and path) are answered by the front door itself, whatever the threads do — a
//    request that needs no thread costs no hand-off;
//  * every byte is checked by a RequestFramer first (see request_framer.h): a malformed head is
//    answered 400/411/414/431/501/505 problem+json and the connection closed;
//  * a connection closed with request bytes still unread is drained for up to 2 s (lingering
//    close), so the client reads the answer instead of a reset.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Timespan.h>

#include "http/message.h"

namespace uplift::http {

struct ConnectionLimits {
  Poco::Timespan header_timeout{10, 0};
  Poco::Timespan request_timeout{30, 0};
  Poco::Timespan keep_alive_timeout{15, 0};
  int max_connections = 4096;
  int max_connections_per_client = 256;
  int max_queued = 1024;
  std::size_t prefetch_limit = std::size_t{1} << 20;  // body bytes read before a thread is given
  Poco::Timespan keep_alive_grace{0, 1000};
};

// A whole request the front door holds: its method and target, its head (request line and header
// lines as received, already checked by the framer, up to the blank line), and whether bytes of a
// body follow the head.
struct FrontRequest {
  std::string_view method, target, head;
  bool has_body = false;
  bool over_cap = false;  // the client is over its connection cap: answer health probes only
};

// Answers a request without a worker thread, or nullopt to pass it on. Called on the front
// door's thread: it must not block (no store I/O, no unbounded work).
using FrontDesk = std::function<std::optional<HttpResponse>(const FrontRequest&)>;

class CheckedServerSocket : public Poco::Net::ServerSocket {
 public:
  // `lanes`: how many threads serve the front door. The first is Poco's acceptor; each other lane
  // has its own thread and event set and is dealt every lanes-th connection accepted, whose reads
  // and front-desk answers it then serves (so `desk` is called from several threads at once).
  CheckedServerSocket(const ConnectionLimits& limits, FrontDesk desk, int lanes = 1);
  // How many connections wait for a worker thread (HTTPServer::queuedConnections). Set before the
  // server starts; while unset, nothing is refused for queueing.
  void set_queue_probe(std::function<int()> queued);
  // After the server has stopped and its threads are joined: answers every request still waiting
  // at the front door 503 and closes every connection there.
  void shut_down();
};

}  // namespace uplift::http
