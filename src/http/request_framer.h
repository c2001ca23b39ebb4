// RequestFramer: follows the bytes of one HTTP/1.1 connection (as they arrive from the socket)
// to find where each request's head and body begin and end, and rejects what Poco would silently
// accept: a header line without a colon (or with a name that is not an RFC 9110 token) — Poco
// drops such lines and serves the request, we answer 400.
//
// It frames bodies by Content-Length or chunked Transfer-Encoding, so it stays in step over
// keep-alive connections, and it tells the socket layer when a request is in progress (for the
// whole-request deadline that bounds slowloris clients). It never buffers more than one line
// (capped at kMaxLine; longer lines are left for Poco to refuse). Pure: no sockets, no clock.
//
// Strict HTTP/1.1 framing (RFC 9112), because a lenient parser behind a proxy that reads the
// same bytes differently is how requests are smuggled: a request line must be
// `METHOD SP target SP HTTP/1.x` (another version: 505); a header value must hold no control
// character (NUL, CR, …; HTAB is allowed); Content-Length must be digits and appear once, and
// not beside Transfer-Encoding (400); the only transfer coding is `chunked` (others: 501), and a
// chunk size must be hex digits (400: Poco would take it for the body's end); obsolete
// line folding is refused (400); any method but GET, HEAD and DELETE must say its length (411 at
// once: Poco would read its body until the connection closes). Each rejection carries its HTTP
// status and reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace uplift::http {

class RequestFramer {
 public:
  static constexpr std::size_t kMaxLine = 16384;
  // Poco's own limits (refused with a bare 400 and no headers), enforced here first so the answer
  // is a problem+json with the security headers: request line → 414, a header line, a header
  // name or the number of headers → 431.
  static constexpr std::size_t kMaxRequestLine = 8192;
  static constexpr std::size_t kMaxHeaderLine = 8192;
  static constexpr std::size_t kMaxHeaderName = 256;
  static constexpr std::size_t kMaxHeaders = 100;

  enum class Phase {
    kIdle,        // between requests (nothing of the next one seen yet)
    kHead,        // request line and headers
    kBody,        // a Content-Length body
    kChunkSize,   // chunked: a chunk-size line
    kChunkData,   // chunked: chunk bytes and their CRLF
    kTrailers,    // chunked: trailer lines after the last chunk
    kRejected,    // a malformed head was seen; `problem()` says why
  };

  // Feeds received bytes; returns false once the connection is rejected.
  bool feed(std::string_view bytes);
  // Like feed(), but stops right after the end of a request: returns how many bytes were taken
  // (all of them unless a request ended, or the connection was rejected, before the last byte).
  std::size_t consume(std::string_view bytes);
  Phase phase() const { return phase_; }
  // True while a request has started but not fully arrived (head or body).
  bool in_request() const { return phase_ != Phase::kIdle && phase_ != Phase::kRejected; }
  bool in_head() const { return phase_ == Phase::kHead; }
  // True once the current request's head has fully arrived and its body (if any) has not.
  bool in_body() const {
    return phase_ == Phase::kBody || phase_ == Phase::kChunkSize || phase_ == Phase::kChunkData ||
           phase_ == Phase::kTrailers;
  }
  // The current request's head said `Expect: 100-continue` (its body waits for an answer).
  bool expects_continue() const { return expects_continue_; }
  const std::string& problem() const { return problem_; }
  int status() const { return status_; }  // of a rejection: 400, 411, 414, 431, 501 or 505
  std::uint64_t requests_completed() const { return completed_; }
  // Where, in the bytes of the last feed(), the current (or rejected) request began; npos when it
  // began in an earlier feed. Bytes before it belong to requests that are complete and valid.
  std::size_t request_start() const { return request_start_; }
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  std::size_t run(std::string_view bytes, bool stop_at_end);
  void line_done();
  void head_done();
  void request_done();
  void reject(std::string why, int status = 400);
  void request_line_done();

  Phase phase_ = Phase::kIdle;
  std::string line_;          // the current line (without its LF), up to kMaxLine bytes
  bool line_overflow_ = false;
  bool request_line_seen_ = false;
  bool bodiless_method_ = false;  // GET, HEAD, DELETE: no body unless framed
  bool length_required_ = false;  // not GET, HEAD, DELETE: a length or chunked is required
  bool transfer_encoding_ = false;
  bool expects_continue_ = false;
  std::size_t headers_ = 0;  // header lines of the current head
  bool chunked_ = false;
  bool has_length_ = false;
  std::uint64_t remaining_ = 0;  // body or chunk bytes still to come (+2 for a chunk's CRLF)
  std::uint64_t completed_ = 0;
  std::size_t request_start_ = npos;
  std::string problem_;
  int status_ = 400;
};

}  // namespace uplift::http
