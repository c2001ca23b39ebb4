#include "http/checked_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <climits>
#include <cstring>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocketImpl.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <fmt/compile.h>
#include <fmt/format.h>

#include "http/problem.h"
#include "http/request_framer.h"
#include "http/static_files.h"
#include "log/log.h"

namespace uplift::http {

namespace {

using Clock = std::chrono::steady_clock;

Clock::duration span(const Poco::Timespan& t) { return std::chrono::microseconds(t.totalMicroseconds()); }
double seconds(const Poco::Timespan& t) { return static_cast<double>(t.totalMilliseconds()) / 1000.0; }

constexpr auto kLinger = std::chrono::seconds(2);        // how long a closing connection is drained
constexpr std::size_t kLingerBytes = std::size_t{8} << 20;  // and how much of it at most
constexpr std::size_t kReadChunk = 64 * 1024;

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


// The Date header's value (RFC 9110 §6.6.1: an origin server with a clock sends one), formatted
// once a second per thread.
const std::string& http_date() {
  thread_local std::time_t second = 0;
  thread_local std::string text;
  std::time_t now = std::time(nullptr);
  if (now != second) {
    second = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    text.assign(buf, std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm));
  }
  return text;
}

// An answer as bytes on the wire, with the security headers it does not carry yet.
std::string wire(const HttpResponse& r, bool close) {
  const std::string_view reason = Poco::Net::HTTPResponse::getReasonForStatus(
      static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
  std::string out;
  out.reserve(512 + r.body.size());
  fmt::format_to(std::back_inserter(out),
                 FMT_COMPILE("HTTP/1.1 {} {}\r\nDate: {}\r\nConnection: {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n"),
                 r.status, reason, http_date(), close ? "close" : "Keep-Alive", r.content_type, r.body.size());
  auto line = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  for (const auto& [k, v] : r.headers) line(k, v);
  for (const auto& h : security_headers())
    if (!r.has_header(h.name)) line(h.name, h.value);
  out += "\r\n";
  out += r.body;
  return out;
}

// At most 20 lines a second (a flood of bad connections must not become a flood of log lines
// that stalls the front door on a slow stderr); the lines left out are counted in the next one.
void log_refusal(const char* what, int status, const std::string& detail) {
  static std::mutex mu;
  static Clock::time_point second{};
  static int lines = 0;
  static long suppressed = 0;
  std::lock_guard lock(mu);
  auto now = Clock::now();
  if (now - second >= std::chrono::seconds(1)) {
    second = now;
    lines = 0;
  }
  if (++lines > 20) {
    ++suppressed;
    return;
  }
  std::vector<log::Field> fields = {{"status", status}, {"detail", detail}};
  if (suppressed) fields.emplace_back("suppressed_before", suppressed);
  suppressed = 0;
  log::event(log::Level::kInfo, what, fields);
}

// Open connections, in all and per client address, and the bytes they hold unread.
class ClientBook {
 public:
  // Counts a new connection from `client`; returns how many are open from it, this one included.
  int open(const std::string& client) {
    std::lock_guard lock(mu_);
    ++total_;
    return ++by_client_[client];
  }
  void close(const std::string& client) {
    std::lock_guard lock(mu_);
    --total_;
    auto it = by_client_.find(client);
    if (it != by_client_.end() && --it->second <= 0) by_client_.erase(it);
  }
  int total() const {
    std::lock_guard lock(mu_);
    return total_;
  }
  int from(const std::string& client) const {
    std::lock_guard lock(mu_);
    auto it = by_client_.find(client);
    return it == by_client_.end() ? 0 : it->second;
  }
  // Bytes received and not yet handed to Poco, over every connection.
  void buffered(std::int64_t delta) { buffered_.fetch_add(delta, std::memory_order_relaxed); }
  std::int64_t buffered() const { return buffered_.load(std::memory_order_relaxed); }

 private:
  mutable std::mutex mu_;
  int total_ = 0;
  std::unordered_map<std::string, int> by_client_;
  std::atomic<std::int64_t> buffered_{0};
};

// Above this many bytes held unread over all connections, bodies are no longer read ahead.
constexpr std::int64_t kBufferBudget = std::int64_t{256} << 20;
// A connection holding this many bytes without a whole request head is refused (e.g. endless
// blank lines, which the framer skips between requests).
constexpr std::size_t kMaxWithoutHead = std::size_t{1} << 20;

class Reception;

// One accepted connection. The front door (Reception) reads it until a request can be handed to
// a worker; Poco then reads it through receiveBytes. Bytes received but not yet handed to Poco
// wait in `inbox_`; Poco is never handed bytes past the end of the request it is reading (as the
// framer sees it), so between requests everything unread is here and the connection can go back
// to the front door. Poco's poll() before each request marks "the last request is over".
class Connection : public Poco::Net::StreamSocketImpl {
 public:
  Connection(poco_socket_t fd, const Poco::Net::SocketAddress& peer, std::string client, const ConnectionLimits& limits,
             std::shared_ptr<ClientBook> book, std::weak_ptr<Reception> reception, bool over_cap)
      : StreamSocketImpl(fd),
        limits_(limits),
        peer_(peer),
        client_(std::move(client)),
        book_(std::move(book)),
        reception_(std::move(reception)),
        over_cap_(over_cap) {}
  ~Connection() override {
    book_->buffered(-static_cast<std::int64_t>(inbox_.size()));
    book_->close(client_);
  }

  using StreamSocketImpl::poll;
  using StreamSocketImpl::receiveBytes;
  using StreamSocketImpl::sendBytes;

  // ---- Poco's side (a worker thread) ----

  int receiveBytes(void* buffer, int length, int flags = 0) override {
    if (rejected_ || desync_) return 0;  // Poco sees the end of the connection
    for (;;) {
      std::uint64_t limit = ends_.empty() ? end() : ends_.front();
      if (reject_at_) limit = std::min(limit, *reject_at_);
      if (pos_ < limit) {
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(limit - pos_, static_cast<std::uint64_t>(length)));
        std::memcpy(buffer, inbox_.data() + (pos_ - base_), n);
        if (!(flags & MSG_PEEK)) {
          pos_ += n;
          reading_ = true;
          sending_ = false;  // the next bytes sent begin the answer to this request
          compact();
        }
        return static_cast<int>(n);
      }
      if (!ends_.empty() && pos_ == ends_.front()) {
        // Poco wants more of a request the framer has seen end: they disagree on where it ends.
        // Nothing past it is handed over unchecked; the connection ends here.
        desync_ = true;
        return 0;
      }
      if (reject_at_) {  // the requests before the malformed one have been answered
        reject(*problem_, true);
        return 0;
      }
      if (peer_closed_) return 0;
      auto deadline = framer_.in_request() ? started_ + span(framer_.in_head() ? head_limit() : limits_.request_timeout)
                                           : waiting_since(Clock::now()) + span(limits_.header_timeout);
      if (!wait_readable(deadline)) return timed_out();
      (void)read_available();
    }
  }

  // Writes all of it, or throws: each answer must be written within request_timeout of its first
  // byte, so a client that stops reading its answers does not hold a thread in send() for ever.
  int sendBytes(const void* buffer, int length, int flags = 0) override {
    if (rejected_) return length;  // the connection was answered already; drop Poco's reply
    if (desync_) throw Poco::IOException("the connection is closing");
    if (!sending_) {
      sending_ = true;
      answer_deadline_ = Clock::now() + span(limits_.request_timeout);
    }
    const char* at = static_cast<const char*>(buffer);
    std::size_t left = static_cast<std::size_t>(std::max(length, 0));
    while (left > 0) {
      ssize_t n = ::send(sockfd(), at, left, flags | MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        at += n;
        left -= static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!wait_for(answer_deadline_, SELECT_WRITE)) {
          desync_ = true;  // the connection is finished: nothing more is read or answered on it
          throw Poco::TimeoutException(fmt::format("the client did not read the answer within {} s",
                                                   seconds(limits_.request_timeout)));
        }
        continue;
      }
      desync_ = true;
      error();  // throws (the client is gone)
    }
    return length;
  }

  // Poco polls for reading before each request. The first request is here already; between
  // keep-alive requests the thread waits `keep_alive_grace` for the next one, then hands the
  // connection back to the front door (returns false; Poco ends the session and calls close()).
  bool poll(const Poco::Timespan& timeout, int mode) override {
    if (!(mode & SELECT_READ)) return wait_for(Clock::now() + span(timeout), mode);
    if (desync_) return false;
    if (reading_) {  // the request Poco was reading is over
      reading_ = false;
      if (ends_.empty()) {  // the framer has not seen it end: they disagree; end the connection
        desync_ = true;
        return false;
      }
      pos_ = std::max(pos_, ends_.front());  // skips what Poco left unread of it (a trailing CRLF)
      ends_.pop_front();
      served_ = true;
      compact();
    }
    if (rejected_ || desync_ || peer_closed_) return true;
    // Fairness: a thread serves at most kInARow requests of one connection in a row, then the
    // connection goes to the back of the line if others wait for a thread — even with its next
    // request buffered (a pipelining client) — so a few busy clients cannot keep every thread.
    if (++in_a_row_ >= kInARow && others_waiting()) {
      park_ = true;
      return false;
    }
    if (handoff_ready()) return true;
    if (reception_.expired()) return wait_for(Clock::now() + span(timeout), mode);
    auto deadline = Clock::now() + span(std::min(timeout, limits_.keep_alive_grace));
    while (unread() < kMaxWithoutHead && wait_readable(deadline)) {
      if (!read_available()) return true;  // the peer closed: Poco reads the end and stops
      if (handoff_ready()) return true;
    }
    park_ = true;
    return false;
  }

  void close() override;
  // Other connections are waiting for a worker thread (the front door's queue probe).
  bool others_waiting() const;

  // Both ends are fixed for the connection's life; Poco asks for them on every request.
  Poco::Net::SocketAddress peerAddress() override { return peer_; }
  Poco::Net::SocketAddress address() override {
    if (!local_) local_ = StreamSocketImpl::address();
    return *local_;
  }

  // ---- the front door's side ----

  // Reads what has arrived, without waiting. False when the peer has closed (or failed).
  bool read_available() {
    char chunk[kReadChunk];
    for (std::size_t budget = 4 * kReadChunk; budget > 0; budget -= std::min(budget, kReadChunk)) {
      ssize_t n = ::recv(sockfd(), chunk, sizeof chunk, MSG_DONTWAIT);
      if (n > 0) {
        absorb(std::string_view(chunk, static_cast<std::size_t>(n)));
        if (static_cast<std::size_t>(n) < sizeof chunk) return true;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      peer_closed_ = true;
      return false;
    }
    return true;
  }

  // Discards what has arrived (a connection being closed). Returns the bytes read, or -1 when
  // the peer has closed.
  long discard_available() {
    char chunk[kReadChunk];
    long total = 0;
    for (;;) {
      ssize_t n = ::recv(sockfd(), chunk, sizeof chunk, MSG_DONTWAIT);
      if (n > 0) {
        total += n;
        if (total >= static_cast<long>(4 * kReadChunk)) return total;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return total;
      return -1;
    }
  }

  // The next request (or the rejection of a malformed one) can go to a worker without the worker
  // waiting for its head: a whole request, or a whole head whose body waits for `100 Continue`,
  // or of which `prefetch_limit` bytes have arrived (less when the buffer budget is spent).
  bool handoff_ready() const {
    if (!ends_.empty() || reject_at_) return true;
    return framer_.in_body() && (framer_.expects_continue() || end() - request_start_ >= limits_.prefetch_limit ||
                                 book_->buffered() > kBufferBudget);
  }
  // Nothing valid is left to hand over before a malformed request: answer it here.
  bool rejection_due() const { return reject_at_ && ends_.empty() && pos_ >= *reject_at_; }
  // More bytes than any head may take and still no whole head.
  bool flooding() const { return !handoff_ready() && unread() >= kMaxWithoutHead; }
  // The only request buffered is complete (so the front door may answer it itself).
  bool single_complete_request() const { return ends_.size() == 1 && !reject_at_ && !framer_.in_request(); }
  // The next request's method, target and whether the client asked to close after it (HTTP/1.0
  // without keep-alive, or `Connection: close`). Only once its head has arrived.
  struct RequestLine {
    std::string_view method, target;
    std::string_view head;  // the request line and header lines, through the blank line
    bool has_body = false;  // bytes follow the head
    bool close = false;
  };
  RequestLine next_request() const {
    std::string_view rest = std::string_view(inbox_).substr(static_cast<std::size_t>(pos_ - base_));
    if (!ends_.empty()) rest = rest.substr(0, static_cast<std::size_t>(ends_.front() - pos_));
    while (!rest.empty() && (rest.front() == '\r' || rest.front() == '\n')) rest.remove_prefix(1);
    std::string_view line = rest.substr(0, rest.find_first_of("\r\n"));
    RequestLine out;
    auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) return out;
    out.method = line.substr(0, sp1);
    std::string_view after = line.substr(sp1 + 1);
    auto sp2 = after.find(' ');
    out.target = after.substr(0, sp2);
    const bool http10 = sp2 != std::string_view::npos && after.substr(sp2 + 1) == "HTTP/1.0";
    auto blank = rest.find("\r\n\r\n");
    std::size_t head_size = blank != std::string_view::npos ? blank + 4 : std::string_view::npos;
    if (head_size == std::string_view::npos && (blank = rest.find("\n\n")) != std::string_view::npos) head_size = blank + 2;
    out.head = rest.substr(0, head_size);
    out.has_body = head_size == std::string_view::npos || rest.size() > head_size;
    // The Connection header's tokens (the head is small and already validated by the framer).
    bool says_close = false, says_keep_alive = false;
    const std::string_view head = rest.substr(0, rest.find("\n\r\n"));
    for (std::size_t at = head.find('\n'); at != std::string_view::npos; at = head.find('\n', at + 1)) {
      std::string_view line = head.substr(at + 1);
      line = line.substr(0, line.find('\n'));
      if (!starts_with_ignoring_case(line, "connection:")) continue;
      const std::string_view value = line.substr(11);
      says_close = says_close || contains_ignoring_case(value, "close");
      says_keep_alive = says_keep_alive || contains_ignoring_case(value, "keep-alive");
    }
    out.close = says_close || (http10 && !says_keep_alive);
    return out;
  }
  // Consumes the next request (the front door answered it).
  void skip_request() {
    if (ends_.empty()) return;
    pos_ = ends_.front();
    ends_.pop_front();
    served_ = true;
    compact();
  }
  // The worker takes it now: a body still to come gets its whole request_timeout from here, not
  // from the head's first byte (time spent waiting for a thread is not the client's).
  void handed_off() {
    if (framer_.in_body()) started_ = Clock::now();
  }

  // Sends an answer now, never blocking the front door. False when it did not fit whole (the
  // connection must then be closed: a cut answer on a kept connection would corrupt the next).
  bool answer(const HttpResponse& r, bool close) {
    std::string bytes = wire(r, close);
    ssize_t sent = ::send(sockfd(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (close) ::shutdown(sockfd(), SHUT_WR);
    return sent == static_cast<ssize_t>(bytes.size());
  }
  // Puts an answer the front door made (a learner's read) in the outbox, for flush_outbox to
  // send without ever blocking the front door: what the socket does not take at once waits there,
  // sent as the socket drains, within request_timeout; no other request of the connection is read
  // meanwhile.
  void queue_answer(const HttpResponse& r, bool close) {
    outbox_ = wire(r, close);
    outbox_close_ = close;
    outbox_deadline_ = Clock::now() + span(limits_.request_timeout);
  }
  bool has_outbox() const { return !outbox_.empty(); }
  // The answer in the outbox asked for the connection to be closed after it.
  bool closing_after_outbox() const { return outbox_close_; }
  // Sends what the socket takes of the outbox. False when the connection failed.
  bool flush_outbox() {
    while (!outbox_.empty()) {
      ssize_t n = ::send(sockfd(), outbox_.data(), outbox_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        outbox_.erase(0, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;  // the rest when it drains
      outbox_.clear();
      return false;
    }
    if (outbox_close_) ::shutdown(sockfd(), SHUT_WR);
    return true;
  }
  void answer_rejection() { reject(*problem_, false); }
  void answer_timeout() {
    if (framer_.in_head())
      reject(request_timeout(fmt::format("the request head did not arrive within {} s", seconds(head_limit()))),
             false);
    else
      reject(request_timeout(fmt::format("the request body did not arrive within {} s", seconds(limits_.request_timeout))),
             false);
  }
  void answer_flood() {
    reject(bad_request(fmt::format("{} bytes arrived without a whole request head", unread()), "malformed-request"),
           false);
  }

  // When the front door gives up on the connection if nothing happens. A connection over its
  // client's cap gets at most a second to say what it wants (health probes are answered).
  Clock::time_point deadline(Clock::time_point since) const {
    Clock::time_point d;
    if (framer_.in_request())
      d = started_ + span(framer_.in_head() ? head_limit() : limits_.request_timeout);
    else
      d = since + span(served_ ? limits_.keep_alive_timeout : limits_.header_timeout);
    if (over_cap_) d = std::min(d, since + std::chrono::seconds(1));
    if (!outbox_.empty()) d = std::min(d, outbox_deadline_);
    return d;
  }
  bool in_request() const { return framer_.in_request(); }
  bool peer_closed() const { return peer_closed_; }
  bool over_cap() const { return over_cap_; }
  const std::string& client() const { return client_; }
  void close_now() { StreamSocketImpl::close(); }

 private:
  std::uint64_t end() const { return base_ + inbox_.size(); }
  std::size_t unread() const { return static_cast<std::size_t>(end() - pos_); }
  Poco::Timespan head_limit() const { return std::min(limits_.header_timeout, limits_.request_timeout); }
  Clock::time_point waiting_since(Clock::time_point now) {
    if (!idle_since_) idle_since_ = now;
    return *idle_since_;
  }

  void compact() {
    std::size_t used = static_cast<std::size_t>(pos_ - base_);
    if (used == 0) return;
    if (used == inbox_.size()) {
      book_->buffered(-static_cast<std::int64_t>(used));
      if (inbox_.capacity() > 2 * kReadChunk) std::string().swap(inbox_);  // give a big body's memory back
      else inbox_.clear();
      base_ = pos_;
    } else if (used >= kReadChunk) {
      book_->buffered(-static_cast<std::int64_t>(used));
      inbox_.erase(0, used);
      base_ = pos_;
    }
  }

  // Frames newly received bytes and keeps them for Poco.
  void absorb(std::string_view bytes) {
    if (reject_at_) return;  // nothing after a malformed request is read
    idle_since_.reset();
    std::uint64_t at = end();
    inbox_.append(bytes);
    book_->buffered(static_cast<std::int64_t>(bytes.size()));
    std::size_t i = 0;
    while (i < bytes.size()) {
      auto completed = framer_.requests_completed();
      std::size_t used = framer_.consume(bytes.substr(i));
      if (framer_.request_start() != RequestFramer::npos) {
        request_start_ = at + i + framer_.request_start();
        started_ = Clock::now();  // a new request began in these bytes
      }
      if (framer_.phase() == RequestFramer::Phase::kRejected) {
        reject_at_ = request_start_;
        problem_ = framing_problem(framer_);
        std::size_t keep = static_cast<std::size_t>(*reject_at_ - base_);
        book_->buffered(-static_cast<std::int64_t>(inbox_.size() - keep));
        inbox_.resize(keep);
        return;
      }
      if (framer_.requests_completed() != completed) ends_.push_back(at + i + used);
      i += used;
    }
  }

  bool wait_readable(Clock::time_point deadline) { return wait_for(deadline, SELECT_READ); }

  // One poll(2) call (Poco's own poll creates, fills, waits on and closes an epoll set).
  bool wait_for(Clock::time_point deadline, int mode) {
    pollfd p{sockfd(), 0, 0};
    if (mode & SELECT_READ) p.events |= POLLIN;
    if (mode & SELECT_WRITE) p.events |= POLLOUT;
    if (mode & SELECT_ERROR) p.events |= POLLPRI;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()).count();
      int ms = left <= 0 ? 0 : static_cast<int>(std::min<long long>((left + 999) / 1000, 1 << 30));
      int rc = ::poll(&p, 1, ms);
      if (rc >= 0) return rc > 0;
      if (errno != EINTR) error();  // throws
    }
  }

  int timed_out() {
    if (framer_.in_head()) {
      answer_timeout();
      return 0;
    }
    if (!framer_.in_request()) {  // waiting for a request that never came: just end
      desync_ = true;
      return 0;
    }
    // In the body: the handler's read fails and it answers 408 itself.
    throw Poco::TimeoutException(
        fmt::format("the request body did not arrive within {} s", seconds(limits_.request_timeout)));
  }

  // Answers the connection directly (Poco has not seen this request) and ends it.
  void reject(const Problem& problem, bool blocking) {
    rejected_ = true;
    HttpResponse r = problem_response(problem);
    std::string bytes = wire(r, true);
    if (blocking) {
      try {
        StreamSocketImpl::sendBytes(bytes.data(), static_cast<int>(bytes.size()));
      } catch (const Poco::Exception&) {
        // The client is gone (or stopped reading); nothing to tell it.
      }
    } else {
      (void)::send(sockfd(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    ::shutdown(sockfd(), SHUT_WR);
    log_refusal("connection rejected", r.status, problem.detail);
  }

  const ConnectionLimits limits_;
  Poco::Net::SocketAddress peer_;
  std::string client_;
  std::shared_ptr<ClientBook> book_;
  std::weak_ptr<Reception> reception_;
  const bool over_cap_;
  std::optional<Poco::Net::SocketAddress> local_;

  RequestFramer framer_;
  std::string inbox_;              // received, not yet handed to Poco
  std::uint64_t base_ = 0;         // stream offset of inbox_[0]
  std::uint64_t pos_ = 0;          // stream offset of the next byte for Poco
  std::deque<std::uint64_t> ends_; // stream offsets where framed requests end (not yet finished by Poco)
  std::uint64_t request_start_ = 0;  // stream offset where the framer's current request began
  std::optional<std::uint64_t> reject_at_;  // where a malformed request begins
  std::optional<Problem> problem_;          // and why it is refused
  Clock::time_point started_ = Clock::now();  // the current request's first byte
  std::optional<Clock::time_point> idle_since_;  // a worker waiting for bytes outside any request
  bool reading_ = false;      // Poco has been handed bytes since its last poll
  bool served_ = false;       // a request has been answered on this connection
  int in_a_row_ = 0;          // requests served by the worker holding it now
  static constexpr int kInARow = 4;
  bool peer_closed_ = false;  // the peer sent FIN (or the connection failed)
  bool rejected_ = false;     // answered and closing
  bool desync_ = false;       // closing: Poco and the framer disagree on where a request ends, or
                              // an answer could not be written
  bool park_ = false;         // Poco is letting go of it between requests
  bool sending_ = false;      // an answer is being written (since answer_deadline_ was set)
  std::string outbox_;        // the rest of a front-door answer the socket has not taken yet
  bool outbox_close_ = false;
  Clock::time_point outbox_deadline_{};
  Clock::time_point answer_deadline_{};
};

// One lane of the front door: an event set and the connections it serves that are not in a
// worker's hands, on one thread. The hub (hub_ null) is served by Poco's acceptor thread
// (wait/take_ready): it accepts every connection and deals them to the lanes in turn (itself
// included), and it alone hands connections to Poco's workers — the other lanes pass theirs to it
// (hand_over). A connection a worker gives back (take_back, from any thread) returns to the lane
// it was dealt to. Every lane answers its connections' front-desk requests itself.
class Reception : public std::enable_shared_from_this<Reception> {
 public:
  enum class Mode { kReading, kDraining };

  Reception(const ConnectionLimits& limits, FrontDesk desk, std::shared_ptr<ClientBook> book, Reception* hub)
      : limits_(limits), desk_(std::move(desk)), book_(std::move(book)), hub_(hub) {
    unsent_.reserve(kAnswersPerSend);  // never more: recording an answer cannot fail for memory
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &wake_fd_;
    if (wake_fd_ < 0 || epoll_fd_ < 0 || ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
      const int error = errno;
      if (wake_fd_ >= 0) ::close(wake_fd_);
      if (epoll_fd_ >= 0) ::close(epoll_fd_);
      throw Poco::IOException(fmt::format("the front door cannot make its event set: {}", std::strerror(error)));
    }
  }
  ~Reception() {
    for (auto& e : entries_) release(e->conn);
    for (auto* c : ready_) release(c);
    for (auto& [c, mode] : returned_) release(c);
    for (auto* c : handed_) release(c);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
  }

  void set_queue_probe(std::function<int()> queued) { queued_ = std::move(queued); }
  // Connections wait for a worker thread (any thread may ask).
  bool others_waiting() const { return queued_ && queued_() > 0; }

  // Called by a worker's close(): the connection comes back (one reference is taken).
  void take_back(Connection* c, Mode mode) {
    c->duplicate();
    {
      std::lock_guard lock(mu_);
      returned_.emplace_back(c, mode);
    }
    wake();
  }

  // The hub deals this lane a connection it accepted (its reference passes to this lane).
  void adopt(Connection* c) {
    try {
      std::lock_guard lock(mu_);
      returned_.emplace_back(c, Mode::kReading);
    } catch (...) {
      discard(c);
      throw;
    }
    wake();
  }

  // Another lane passes the hub a connection whose request needs a worker (its reference passes
  // to the hub, which queues it for Poco's acceptor). Its place was reserved (reserve_wait).
  void hand_over(Connection* c) {
    try {
      std::lock_guard lock(mu_);
      handed_.push_back(c);
    } catch (...) {
      waiting_.fetch_sub(1, std::memory_order_relaxed);
      discard(c);
      throw;
    }
    wake();
  }

  // Reserves a place among the hub's connections waiting for a worker, unless `queued` (Poco's
  // queue) and those waiting here already reach `limit`: one count, updated atomically, so lanes
  // deciding at once cannot pass the limit together.
  bool reserve_wait(int queued, int limit) {
    int waiting = waiting_.load(std::memory_order_relaxed);
    do {
      if (queued + waiting >= limit) return false;
    } while (!waiting_.compare_exchange_weak(waiting, waiting + 1, std::memory_order_relaxed));
    return true;
  }

  // The hub's lanes besides itself, dealt connections in turn (set before the server starts).
  void set_lanes(std::vector<Reception*> lanes) { lanes_ = std::move(lanes); }

  // A lane's own thread: serves until stop().
  void run_lane() {
    while (!stopping_.load(std::memory_order_acquire)) (void)wait(-1, Poco::Timespan(1, 0));
  }
  void stop() {
    stopping_.store(true, std::memory_order_release);
    wake();
  }

  // Serves the front door for up to `timeout`; true once a connection is ready for a worker.
  bool wait(int listen_fd, Poco::Timespan timeout) {
    try {
      return serve_for(listen_fd, timeout);
    } catch (const std::exception& e) {
      // Out of memory, most likely: Poco's acceptor would die on an exception that is not a
      // Poco::Exception, and the server would stop accepting. Log it and carry on.
      log_refusal("front door error", 500, e.what());
      return !ready_.empty();
    }
  }

  // The next connection for a worker (its reference passes to the caller), or null.
  Connection* take_ready() {
    if (ready_.empty()) return nullptr;
    Connection* c = ready_.front();
    ready_.pop_front();
    waiting_.fetch_sub(1, std::memory_order_relaxed);
    c->handed_off();
    return c;
  }

  // The server has stopped (its threads are joined): every request waiting here is answered 503,
  // every connection closed.
  void shut_down() {
    send_unsent();
    take_returned();
    auto refuse = [](Connection* c) {
      HttpResponse r = problem_response(unavailable("the server is shutting down; retry shortly"));
      r.set_header("Retry-After", "1");
      if (c->handoff_ready()) (void)c->answer(r, true);
      discard(c);
    };
    for (auto* c : ready_) refuse(c);
    ready_.clear();
    waiting_.store(0, std::memory_order_relaxed);
    for (auto& e : entries_) {
      if (!e->conn) continue;
      if (e->mode == Mode::kReading) refuse(e->conn);
      else close(*e);
      e->conn = nullptr;
    }
    entries_.clear();
    queued_ = nullptr;
  }

 private:
  struct Entry {
    Connection* conn;  // one reference held; null once closed or handed to a worker
    Mode mode;
    Clock::time_point since;  // accepted, handed back, or draining since
    std::size_t drained = 0;
    std::uint32_t watched = 0;  // the events it is registered for in epoll_fd_
    bool unsent = false;        // its answer waits in unsent_ (watched again once sent)
  };
  // The front door looks for connections past their deadlines at the earliest one, but not more
  // often than this (timeouts are seconds): not on every wake-up, which at 512 busy connections
  // would be most of its work. A deadline is met within this much.
  static constexpr auto kExpiryCheck = std::chrono::milliseconds(10);

  static void release(Connection* c) {
    if (c) c->release();
  }
  // Closes a connection this lane holds a reference to and drops the reference.
  static void discard(Connection* c) {
    c->close_now();
    release(c);
  }

  // One epoll set holds the listening socket, the wake-up eventfd and every connection the front
  // door has (level-triggered: what poll(2) would report, without passing every descriptor to the
  // kernel on every wake-up).
  bool serve_for(int listen_fd, Poco::Timespan timeout) {
    if (!ready_.empty()) return true;
    if (listen_fd >= 0 && !nonblocking_) {
      int flags = ::fcntl(listen_fd, F_GETFL, 0);
      if (flags >= 0) ::fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK);
      nonblocking_ = true;
    }
    if (listen_fd >= 0 && !listening_) {  // tried again on the next call when refused (wait() logs the error)
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = &listening_;
      if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd, &ev) != 0)
        throw Poco::IOException(fmt::format("the front door cannot watch its listening socket: {}", std::strerror(errno)));
      listening_ = accepting_ = true;
    }
    const auto until = Clock::now() + span(timeout);
    epoll_event events[kEventsPerWake];
    for (;;) {
      send_unsent();  // none normally: after an exception (out of memory) mid-wake-up
      take_returned();
      auto now = Clock::now();
      if (now >= next_expiry_check_) next_expiry_check_ = std::max(now + kExpiryCheck, expire(now));
      if (!ready_.empty()) return true;
      if (stopping_.load(std::memory_order_acquire)) return false;
      set_accepting(listen_fd, now >= accept_paused_until_);
      auto next = std::min(until, next_expiry_check_);
      if (now < accept_paused_until_) next = std::min(next, accept_paused_until_);
      auto left = std::chrono::duration_cast<std::chrono::microseconds>(next - now).count();
      int ms = left <= 0 ? 0 : static_cast<int>(std::min<long long>((left + 999) / 1000, 1 << 30));
      int rc = ::epoll_wait(epoll_fd_, events, kEventsPerWake, ms);
      if (rc < 0 && errno != EINTR) return false;
      bool accept_now = false;
      for (int k = 0; k < rc; ++k) {
        void* tag = events[k].data.ptr;
        if (tag == &wake_fd_) {
          std::uint64_t n;
          (void)::read(wake_fd_, &n, sizeof n);
        } else if (tag == &listening_) {
          accept_now = true;
        } else {
          // Only the entry served can close; each descriptor is reported once per wake-up.
          auto* e = static_cast<Entry*>(tag);
          serve(*e);
          if (e->conn && watch(*e)) next_expiry_check_ = std::min(next_expiry_check_, deadline(*e));
        }
      }
      sweep();
      if (accept_now) accept_all(listen_fd);
      if (!ready_.empty()) return true;
      if (Clock::now() >= until) return false;
    }
  }

  // Registers the entry's connection for what it waits for now: room for the rest of an answer
  // in its outbox (nothing more is read meanwhile: serve), else bytes. A hang-up or an error is
  // reported either way. A connection the kernel refuses to watch (out of memory) is closed:
  // nothing would ever be reported for it. False then.
  bool watch(Entry& e) {
    if (e.unsent) return true;  // send_unsent watches it
    const std::uint32_t want = e.conn->has_outbox() ? std::uint32_t{EPOLLOUT} : std::uint32_t{EPOLLIN};
    if (want == e.watched) return true;
    epoll_event ev{};
    ev.events = want;
    ev.data.ptr = &e;
    if (::epoll_ctl(epoll_fd_, e.watched == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, e.conn->sockfd(), &ev) != 0) {
      log_refusal("connection closed", 503, fmt::format("the front door cannot watch it: {}", std::strerror(errno)));
      close(e);
      return false;
    }
    e.watched = want;
    return true;
  }
  // Takes the entry's connection out of the set (it goes to a worker, or is closed).
  void unwatch(Entry& e) {
    if (e.watched == 0 || !e.conn) return;
    epoll_event ev{};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, e.conn->sockfd(), &ev);
    e.watched = 0;
  }
  void set_accepting(int listen_fd, bool accepting) {
    if (listen_fd < 0 || !listening_ || accepting == accepting_) return;
    epoll_event ev{};
    ev.events = accepting ? std::uint32_t{EPOLLIN} : 0u;
    ev.data.ptr = &listening_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd, &ev);
    accepting_ = accepting;
  }
  Entry& add_entry(Connection* c, Mode mode) {
    entries_.push_back(std::make_unique<Entry>(Entry{c, mode, Clock::now()}));
    Entry& e = *entries_.back();
    next_expiry_check_ = std::min(next_expiry_check_, deadline(e));
    return e;
  }

  Clock::time_point deadline(const Entry& e) const {
    if (e.mode == Mode::kDraining) return e.since + kLinger;
    return e.conn->deadline(e.since);
  }

  void accept_all(int listen_fd) {
    for (;;) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: leave the rest in the backlog for a moment.
          accept_paused_until_ = Clock::now() + std::chrono::milliseconds(100);
        }
        return;
      }
      if (book_->total() >= limits_.max_connections) {
        HttpResponse r = problem_response(unavailable(
            fmt::format("the server has {} connections open, its limit; retry shortly", limits_.max_connections)));
        r.set_header("Retry-After", "1");
        std::string bytes = wire(r, true);
        (void)::send(fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        ::close(fd);
        continue;
      }
      Poco::Net::SocketAddress peer(reinterpret_cast<const sockaddr*>(&addr), len);
      std::string client = peer.host().toString();
      int from_client = book_->open(client);
      Reception* home = this;
      if (!lanes_.empty()) {
        dealt_ = (dealt_ + 1) % (lanes_.size() + 1);
        if (dealt_ > 0) home = lanes_[dealt_ - 1];
      }
      auto* c = new Connection(fd, peer, client, limits_, book_, home->weak_from_this(),
                               from_client > limits_.max_connections_per_client);
      if (home == this) watch(add_entry(c, Mode::kReading));
      else home->adopt(c);
    }
  }

  void take_returned() {
    std::vector<std::pair<Connection*, Mode>> back;
    std::vector<Connection*> handed;
    {
      std::lock_guard lock(mu_);
      if (returned_.empty() && handed_.empty()) return;
      back.swap(returned_);
      handed.swap(handed_);
    }
    // What cannot be kept (out of memory) is closed, never leaked.
    std::size_t i = 0;
    try {
      for (; i < handed.size(); ++i) ready_.push_back(handed[i]);
    } catch (...) {
      for (; i < handed.size(); ++i) {
        waiting_.fetch_sub(1, std::memory_order_relaxed);
        discard(handed[i]);
      }
      for (auto& [c, mode] : back) discard(c);
      throw;
    }
    i = 0;
    try {
      for (; i < back.size(); ++i) {
        auto [c, mode] = back[i];
        Entry& e = add_entry(c, mode);
        back[i].first = nullptr;  // the entry holds it now
        if (mode == Mode::kReading) evaluate(e);
        if (e.conn) watch(e);
      }
    } catch (...) {
      for (; i < back.size(); ++i)
        if (back[i].first) discard(back[i].first);
      throw;
    }
    sweep();
  }

  void serve(Entry& e) {
    if (!e.conn) return;
    if (e.mode == Mode::kDraining) {
      long n = e.conn->discard_available();
      if (n < 0 || (e.drained += static_cast<std::size_t>(n)) >= kLingerBytes) close(e);
      return;
    }
    if (e.conn->has_outbox()) {  // a front-door answer is still going out
      if (!e.conn->flush_outbox()) {
        close(e);
        return;
      }
      if (e.conn->has_outbox()) return;
      if (e.conn->closing_after_outbox()) {
        drain(e);
        return;
      }
      e.since = Clock::now();
    }
    (void)e.conn->read_available();
    evaluate(e);
  }

  // Decides what a reading connection needs: more bytes, an answer here, or a worker.
  void evaluate(Entry& e) {
    Connection* c = e.conn;
    if (c->has_outbox()) return;  // the next request waits until the last answer is out
    if (c->rejection_due()) {
      c->answer_rejection();
      drain(e);
      return;
    }
    if (c->flooding()) {
      c->answer_flood();
      drain(e);
      return;
    }
    if (!c->handoff_ready()) {
      if (c->peer_closed()) close(e);
      return;
    }
    if (desk_ && c->single_complete_request()) {
      auto request = c->next_request();
      if (auto r = desk_(FrontRequest{request.method, request.target, request.head, request.has_body, c->over_cap()})) {
        c->skip_request();
        c->queue_answer(*r, request.close || c->peer_closed());
        e.since = Clock::now();
        unsent_.push_back(&e);
        e.unsent = true;
        if (unsent_.size() >= kAnswersPerSend) send_unsent();
        return;
      }
    }
    if (c->over_cap()) {
      refuse(e, fmt::format("too many connections from {} (the limit is {}); retry shortly", c->client(),
                            limits_.max_connections_per_client));
      return;
    }
    Reception& hub = hub_ ? *hub_ : *this;
    if (!hub.reserve_wait(queued_ ? queued_() : 0, queued_ ? limits_.max_queued : INT_MAX)) {
      refuse(e, fmt::format("{} requests are waiting for the server already; retry shortly", limits_.max_queued));
      return;
    }
    if (hub_) {
      // Out of this lane's set before the hub can see it: a worker may close it (and its
      // descriptor be reused) at once.
      unwatch(e);
      e.conn = nullptr;  // its reference goes with it
      hub_->hand_over(c);
      return;
    }
    try {
      ready_.push_back(c);
    } catch (...) {
      waiting_.fetch_sub(1, std::memory_order_relaxed);
      throw;  // the entry still holds it
    }
    unwatch(e);
    e.conn = nullptr;  // its reference went with it
  }

  void refuse(Entry& e, std::string detail) {
    log_refusal("connection refused", 503, detail);
    HttpResponse r = problem_response(unavailable(std::move(detail)));
    r.set_header("Retry-After", "1");
    (void)e.conn->answer(r, true);
    drain(e);
  }

  // Answers or closes the connections past their deadlines; returns the earliest deadline left
  // (time_point::max() when none).
  Clock::time_point expire(Clock::time_point now) {
    for (auto& entry : entries_) {
      Entry& e = *entry;
      if (!e.conn || deadline(e) > now) continue;
      if (e.mode == Mode::kReading && e.conn->in_request()) {
        e.conn->answer_timeout();
        drain(e);
      } else {
        close(e);
      }
    }
    sweep();
    Clock::time_point earliest = Clock::time_point::max();
    for (const auto& e : entries_) earliest = std::min(earliest, deadline(*e));
    return earliest;
  }

  static void drain(Entry& e) {
    e.mode = Mode::kDraining;
    e.since = Clock::now();
    e.drained = 0;
  }

  // Closing the descriptor takes it out of the epoll set.
  static void close(Entry& e) {
    discard(e.conn);
    e.conn = nullptr;
    e.watched = 0;
  }

  // Sends the answers made since the last send, in the order they were made, and watches their
  // connections again (for the next request, or for room for the rest of the answer).
  void send_unsent() {
    for (Entry* entry : unsent_) {
      Entry& e = *entry;
      e.unsent = false;
      if (!e.conn) continue;
      if (!e.conn->flush_outbox()) {
        close(e);
        continue;
      }
      if (!e.conn->has_outbox() && e.conn->closing_after_outbox()) drain(e);
      if (watch(e)) next_expiry_check_ = std::min(next_expiry_check_, deadline(e));
    }
    unsent_.clear();
  }

  // An entry waiting in unsent_ is sent first: none is dropped while its answer waits.
  void sweep() {
    send_unsent();
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(), [](const auto& e) { return !e->conn; }),
                   entries_.end());
  }

  void wake() {
    std::uint64_t one = 1;
    (void)::write(wake_fd_, &one, sizeof one);
  }

  const ConnectionLimits limits_;
  FrontDesk desk_;
  std::function<int()> queued_;
  std::shared_ptr<ClientBook> book_;  // shared by every lane
  Reception* const hub_;              // null: this is the hub
  std::vector<Reception*> lanes_;     // the hub's other lanes
  std::size_t dealt_ = 0;             // the lane the last connection was dealt to (0: the hub)
  std::atomic<bool> stopping_{false};
  std::atomic<int> waiting_{0};       // the hub's connections waiting for a worker (ready_ and handed_)
  std::vector<std::unique_ptr<Entry>> entries_;  // each at a fixed address: epoll's tag for it
  std::deque<Connection*> ready_;
  bool nonblocking_ = false;
  bool listening_ = false;  // the listening socket is in epoll_fd_ (its address is its tag)
  bool accepting_ = true;   // and watched for connections
  Clock::time_point accept_paused_until_{};
  Clock::time_point next_expiry_check_{};  // the earliest deadline, or sooner
  static constexpr int kEventsPerWake = 256;
  // Answers made on one wake-up are sent together, up to this many at a time: the client's
  // thread then finds several ready when it wakes, instead of being woken for each.
  static constexpr std::size_t kAnswersPerSend = 16;
  std::vector<Entry*> unsent_;  // entries whose answer is made but not yet given to the socket
  int wake_fd_ = -1;  // its address is its tag in epoll_fd_
  int epoll_fd_ = -1;
  std::mutex mu_;
  std::vector<std::pair<Connection*, Mode>> returned_;  // from workers, and dealt by the hub
  std::vector<Connection*> handed_;                      // the hub's: passed on by other lanes
};

bool Connection::others_waiting() const {
  auto reception = reception_.lock();
  return reception && reception->others_waiting();
}

void Connection::close() {
  if (sockfd() != POCO_INVALID_SOCKET) {
    if (auto reception = reception_.lock()) {
      if (park_ && !desync_) {  // between requests: the front door waits for the next one
        park_ = false;
        in_a_row_ = 0;
        reception->take_back(this, Reception::Mode::kReading);
        return;
      }
      if (rejected_ || desync_ || framer_.in_request() || pos_ < end()) {
        // Request bytes may still be arriving (an early refusal, a rejection): drain them before
        // closing, so the client reads the answer rather than a reset.
        ::shutdown(sockfd(), SHUT_WR);
        reception->take_back(this, Reception::Mode::kDraining);
        return;
      }
    }
  }
  StreamSocketImpl::close();
}

class FrontDoorSocketImpl : public Poco::Net::ServerSocketImpl {
 public:
  FrontDoorSocketImpl(const ConnectionLimits& limits, FrontDesk desk, int lanes)
      : limits_(limits), reception_(std::make_shared<Reception>(limits_, desk, book_, nullptr)) {
    try {
      lanes_.reserve(static_cast<std::size_t>(lanes));
      threads_.reserve(static_cast<std::size_t>(lanes));
      for (int i = 1; i < lanes; ++i) {
        lanes_.push_back(std::make_shared<Reception>(limits_, desk, book_, reception_.get()));
        try {
          threads_.emplace_back([lane = lanes_.back()] { lane->run_lane(); });
        } catch (const std::system_error& e) {  // no thread to be had: serve with the lanes there are
          log_refusal("front door lane not started", 503, e.what());
          lanes_.pop_back();
          break;
        }
      }
      std::vector<Reception*> others;
      for (auto& lane : lanes_) others.push_back(lane.get());
      reception_->set_lanes(std::move(others));
    } catch (...) {
      stop_lanes();
      throw;
    }
  }
  ~FrontDoorSocketImpl() override { stop_lanes(); }

  // Poco's acceptor polls the listening socket (every 250 ms, to notice a stop) and then accepts:
  // here it serves the front door meanwhile, and "readable" means a request is ready.
  bool poll(const Poco::Timespan& timeout, int mode) override {
    if (!(mode & SELECT_READ)) return ServerSocketImpl::poll(timeout, mode);
    return reception_->wait(sockfd(), timeout);
  }

  Poco::Net::SocketImpl* acceptConnection(Poco::Net::SocketAddress& client) override {
    Connection* c = reception_->take_ready();
    if (!c) throw Poco::TimeoutException("no request is ready");
    client = c->peerAddress();
    return c;
  }

  void set_queue_probe(std::function<int()> queued) {
    for (auto& lane : lanes_) lane->set_queue_probe(queued);
    reception_->set_queue_probe(std::move(queued));
  }
  // The lanes stop first and close what they hold (passing the hub any request they find ready);
  // then the hub refuses what waits for a worker. Idempotent.
  void shut_down() {
    stop_lanes();
    for (auto& lane : lanes_) lane->shut_down();
    reception_->shut_down();
  }

 private:
  void stop_lanes() {
    for (auto& lane : lanes_) lane->stop();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  ConnectionLimits limits_;
  std::shared_ptr<ClientBook> book_ = std::make_shared<ClientBook>();
  std::shared_ptr<Reception> reception_;  // the hub, served by Poco's acceptor thread
  std::vector<std::shared_ptr<Reception>> lanes_;
  std::vector<std::thread> threads_;  // one per lane in lanes_
};

}  // namespace

CheckedServerSocket::CheckedServerSocket(const ConnectionLimits& limits, FrontDesk desk, int lanes)
    : ServerSocket(new FrontDoorSocketImpl(limits, std::move(desk), std::max(1, lanes)), true) {}

void CheckedServerSocket::set_queue_probe(std::function<int()> queued) {
  static_cast<FrontDoorSocketImpl*>(impl())->set_queue_probe(std::move(queued));
}

void CheckedServerSocket::shut_down() { static_cast<FrontDoorSocketImpl*>(impl())->shut_down(); }

}  // namespace uplift::http
