#include "http/checked_socket.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include <Poco/Exception.h>
#include <Poco/Net/ServerSocketImpl.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <fmt/format.h>

#include "http/problem.h"
#include "http/request_framer.h"
#include "http/static_files.h"

namespace uplift::http {

namespace {

using Clock = std::chrono::steady_clock;

// The answer to a request the framer rejected, with the framer's status.
Problem framing_problem(const RequestFramer& f) {
  struct Kind {
    int status;
    const char* slug;
    const char* title;
  };
  static constexpr Kind kKinds[] = {
      {411, "length-required", "Length Required"},
      {414, "uri-too-long", "URI Too Long"},
      {431, "request-header-fields-too-large", "Request Header Fields Too Large"},
      {501, "not-implemented", "Not Implemented"},
      {505, "http-version-not-supported", "HTTP Version Not Supported"},
  };
  Problem p = bad_request(f.problem(), "malformed-request");
  p.status = f.status();
  p.title = "Bad Request";
  for (const Kind& k : kKinds)
    if (k.status == f.status()) {
      p.slug = k.slug;
      p.title = k.title;
    }
  return p;
}

// One accepted connection. Poco reads it through receiveBytes (via its HTTPSession buffer).
class CheckedStreamSocketImpl : public Poco::Net::StreamSocketImpl {
 public:
  CheckedStreamSocketImpl(poco_socket_t fd, Poco::Timespan limit, const Poco::Net::SocketAddress& peer)
      : StreamSocketImpl(fd), limit_(limit), peer_(peer) {}

  using StreamSocketImpl::poll;
  using StreamSocketImpl::receiveBytes;
  using StreamSocketImpl::sendBytes;

  int receiveBytes(void* buffer, int length, int flags = 0) override {
    if (rejected_) return 0;  // Poco sees the end of the connection
    if (pending_) {  // the valid requests before the malformed one have been answered
      Problem p = std::move(*pending_);
      reject(p);
      return 0;
    }
    if (framer_.in_request() && limit_.totalMicroseconds() > 0) {
      auto left = limit_.totalMicroseconds() -
                  std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count();
      if (left <= 0 || !poll(Poco::Timespan(left), SELECT_READ)) return timed_out();
    }
    int n = StreamSocketImpl::receiveBytes(buffer, length, flags);
    if (n <= 0 || (flags & MSG_PEEK)) return n;
    bool was_in_request = framer_.in_request();
    auto completed = framer_.requests_completed();
    if (!framer_.feed(std::string_view(static_cast<const char*>(buffer), static_cast<std::size_t>(n)))) {
      Problem p = framing_problem(framer_);
      auto start = framer_.request_start();
      if (start != RequestFramer::npos && start > 0) {
        // Pipelined: hand Poco the complete requests before the bad one; answer it afterwards.
        pending_ = p;
        return static_cast<int>(start);
      }
      reject(p);
      return 0;
    }
    if (framer_.in_request() && (!was_in_request || framer_.requests_completed() != completed))
      started_ = Clock::now();  // a new request began in these bytes
    return n;
  }

  int sendBytes(const void* buffer, int length, int flags = 0) override {
    if (rejected_) return length;  // the connection was answered already; drop Poco's reply
    return StreamSocketImpl::sendBytes(buffer, length, flags);
  }

  // Poco polls before reading the next keep-alive request; a pending answer must not wait.
  // One poll(2) call: Poco's own poll creates, fills, waits on and closes an epoll set each time
  // (four system calls per request on the keep-alive path).
  bool poll(const Poco::Timespan& timeout, int mode) override {
    if (pending_ && (mode & SELECT_READ)) return true;
    pollfd p{sockfd(), 0, 0};
    if (mode & SELECT_READ) p.events |= POLLIN;
    if (mode & SELECT_WRITE) p.events |= POLLOUT;
    if (mode & SELECT_ERROR) p.events |= POLLPRI;
    auto deadline = Clock::now() + std::chrono::microseconds(timeout.totalMicroseconds());
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()).count();
      int ms = left <= 0 ? 0 : static_cast<int>(std::min<long long>((left + 999) / 1000, 1 << 30));
      int rc = ::poll(&p, 1, ms);
      if (rc >= 0) return rc > 0;
      if (errno != EINTR) error();  // throws
    }
  }

  // Both ends are fixed for the connection's life; Poco asks for them on every request.
  Poco::Net::SocketAddress peerAddress() override { return peer_; }
  Poco::Net::SocketAddress address() override {
    if (!local_) local_ = StreamSocketImpl::address();
    return *local_;
  }

 private:
  int timed_out() {
    auto seconds = static_cast<double>(limit_.totalMilliseconds()) / 1000.0;
    if (framer_.in_head()) {
      Problem p;
      p.status = 408;
      p.slug = "request-timeout";
      p.title = "Request Timeout";
      p.detail = fmt::format("the request head did not arrive within {} s", seconds);
      reject(p);
      return 0;
    }
    // In the body: the handler's read fails and it answers 408 itself.
    throw Poco::TimeoutException(fmt::format("the request body did not arrive within {} s", seconds));
  }

  // Answers the connection directly (Poco has not seen a complete request) and closes it.
  void reject(const Problem& problem) {
    rejected_ = true;
    pending_.reset();
    HttpResponse r = problem_response(problem);
    add_security_headers(r);
    std::string head = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
                                   r.status, problem.title, r.content_type, r.body.size());
    for (const auto& [k, v] : r.headers) head += k + ": " + v + "\r\n";
    head += "\r\n" + r.body;
    try {
      StreamSocketImpl::sendBytes(head.data(), static_cast<int>(head.size()));
      shutdownSend();
    } catch (const Poco::Exception&) {
      // The client is gone; nothing to tell it.
    }
    std::string line = fmt::format("{{\"level\":\"info\",\"msg\":\"connection rejected\",\"status\":{},\"detail\":{}}}\n",
                                   r.status, dump_json(problem.detail));
    std::fwrite(line.data(), 1, line.size(), stderr);
  }

  Poco::Timespan limit_;
  Poco::Net::SocketAddress peer_;
  std::optional<Poco::Net::SocketAddress> local_;
  RequestFramer framer_;
  Clock::time_point started_ = Clock::now();
  bool rejected_ = false;
  std::optional<Problem> pending_;
};

class CheckedServerSocketImpl : public Poco::Net::ServerSocketImpl {
 public:
  explicit CheckedServerSocketImpl(Poco::Timespan limit) : limit_(limit) {}

  Poco::Net::SocketImpl* acceptConnection(Poco::Net::SocketAddress& client) override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd;
    do {
      len = sizeof addr;
      fd = ::accept(sockfd(), reinterpret_cast<sockaddr*>(&addr), &len);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) error();  // throws
    client = Poco::Net::SocketAddress(reinterpret_cast<const sockaddr*>(&addr), len);
    return new CheckedStreamSocketImpl(fd, limit_, client);
  }

 private:
  Poco::Timespan limit_;
};

}  // namespace

CheckedServerSocket::CheckedServerSocket(Poco::Timespan request_timeout)
    : ServerSocket(new CheckedServerSocketImpl(request_timeout), true) {}

}  // namespace uplift::http
