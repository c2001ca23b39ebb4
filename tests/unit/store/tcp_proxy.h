// A tiny TCP forwarder on 127.0.0.1 for outage tests: the store connects through it, and the
// test "pulls the cable" with stop() (every connection is cut, new ones are refused) and plugs it
// back with start() on the same port. Only for tests; one thread, poll(2).
#pragma once

#include <atomic>
#include <thread>
#include <vector>

namespace uplift::testing {

class TcpProxy {
 public:
  explicit TcpProxy(int upstream_port) : upstream_(upstream_port) {}
  ~TcpProxy() { stop(); }
  // Listens (on `port`, or an ephemeral one when 0) and forwards; returns the port.
  int start(int port = 0);
  void stop();

 private:
  void loop();
  int upstream_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace uplift::testing
