#include "http/request_framer.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "http/message.h"

namespace uplift::http {

namespace {

bool is_token_char(unsigned char c) {
  if (std::isalnum(c)) return true;
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return kExtra.find(static_cast<char>(c)) != std::string_view::npos;
}

// A control character a header value or request line may not hold (HTAB excepted).
bool is_control(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool RequestFramer::feed(std::string_view bytes) {
  run(bytes, false);
  return phase_ != Phase::kRejected;
}

std::size_t RequestFramer::consume(std::string_view bytes) { return run(bytes, true); }

std::size_t RequestFramer::run(std::string_view bytes, bool stop_at_end) {
  std::size_t i = 0;
  if (phase_ != Phase::kRejected) request_start_ = npos;
  const std::uint64_t completed_before = completed_;
  while (i < bytes.size()) {
    if (stop_at_end && completed_ != completed_before) return i;
    switch (phase_) {
      case Phase::kRejected:
        return i;
      case Phase::kBody:
      case Phase::kChunkData: {
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, bytes.size() - i));
        i += n;
        remaining_ -= n;
        if (remaining_ == 0) {
          if (phase_ == Phase::kBody) request_done();
          else phase_ = Phase::kChunkSize;
        }
        break;
      }
      case Phase::kIdle:
        // Empty lines before a request line are tolerated (RFC 9112 §2.2).
        if (bytes[i] == '\r' || bytes[i] == '\n') {
          ++i;
          break;
        }
        phase_ = Phase::kHead;
        request_start_ = i;
        [[fallthrough]];
      case Phase::kHead:
      case Phase::kChunkSize:
      case Phase::kTrailers: {
        auto lf = bytes.find('\n', i);
        auto end = lf == std::string_view::npos ? bytes.size() : lf;
        auto room = kMaxLine - line_.size();
        auto piece = bytes.substr(i, end - i);
        if (piece.size() > room) {
          line_overflow_ = true;
          piece = piece.substr(0, room);
        }
        line_.append(piece);
        i = end;
        // An oversized head line is refused as soon as it passes the limit, before Poco (reading
        // the same bytes as they arrive) meets its own, larger limit and answers a bare 400.
        const std::size_t text = line_.size() - (!line_.empty() && line_.back() == '\r' ? 1 : 0);
        if (phase_ == Phase::kHead && (text > (request_line_seen_ ? kMaxHeaderLine : kMaxRequestLine))) {
          line_overflow_ = true;
          if (request_line_seen_) line_done();
          else request_line_done();
          return i;
        }
        if (lf != std::string_view::npos) {
          ++i;
          if (!line_.empty() && line_.back() == '\r') line_.pop_back();
          line_done();
          line_.clear();
          line_overflow_ = false;
        }
        break;
      }
    }
  }
  return i;
}

void RequestFramer::line_done() {
  if (phase_ == Phase::kChunkSize) {
    std::string_view size = line_;
    size = trim(size.substr(0, size.find(';')));
    std::uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), n, 16);
    if (size.empty() || size.size() > 15 || ec != std::errc() || ptr != size.data() + size.size()) {
      // Poco would read it as the end of the body and keep what came before: refused here whole.
      reject(fmt::format("malformed chunk size '{}': a chunk starts with its size in hex (at most 15 digits)",
                         size.substr(0, 20)));
    } else if (n == 0) {
      phase_ = Phase::kTrailers;
    } else {
      remaining_ = n + 2;  // the chunk and its CRLF
      phase_ = Phase::kChunkData;
    }
    return;
  }
  if (phase_ == Phase::kTrailers) {
    if (line_.empty()) request_done();
    return;
  }
  // The head.
  if (!request_line_seen_) {
    request_line_done();
    return;
  }
  if (line_.empty()) {
    head_done();
    return;
  }
  if (line_overflow_ || line_.size() > kMaxHeaderLine) {
    reject(fmt::format("a header line is over {} bytes", kMaxHeaderLine), 431);
    return;
  }
  if (++headers_ > kMaxHeaders) {
    reject(fmt::format("more than {} header lines", kMaxHeaders), 431);
    return;
  }
  if (line_[0] == ' ' || line_[0] == '\t') {
    // Obsolete line folding (RFC 9112 §5.2): Poco joins it to the previous value, a proxy may not.
    reject("a header line starts with a space or tab (obsolete line folding): send each header on one line");
    return;
  }
  auto colon = line_.find(':');
  if (colon == std::string::npos) {
    reject("malformed header line (no colon): every header must be 'Name: value'");
    return;
  }
  std::string_view name = std::string_view(line_).substr(0, colon);
  if (name.size() > kMaxHeaderName) {
    reject(fmt::format("a header name is over {} bytes", kMaxHeaderName), 431);
    return;
  }
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return is_token_char(static_cast<unsigned char>(c)); })) {
    reject("malformed header line: the header name must be a token (letters, digits, -), without spaces");
    return;
  }
  const std::string_view raw_value = std::string_view(line_).substr(colon + 1);
  std::string_view value = trim(raw_value);
  if (std::any_of(raw_value.begin(), raw_value.end(), [](char c) { return is_control(static_cast<unsigned char>(c)); })) {
    reject(fmt::format("header '{}' holds a control character (NUL, CR, …): header values must be text", name));
    return;
  }
  if (equals_ignoring_case(name, "Content-Length")) {
    if (has_length_) {
      reject("more than one Content-Length header: a request has one length");
      return;
    }
    std::uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || value.size() > 18 || ec != std::errc() || ptr != value.data() + value.size()) {
      reject(fmt::format("Content-Length '{}' is not a length: it must be a non-negative whole number of bytes",
                         value.substr(0, 40)));
      return;
    }
    has_length_ = true;
    remaining_ = n;
  } else if (equals_ignoring_case(name, "Expect")) {
    expects_continue_ = expects_continue_ || equals_ignoring_case(value, "100-continue");
  } else if (equals_ignoring_case(name, "Transfer-Encoding")) {
    if (transfer_encoding_) {
      // Two headers are one list ("chunked, chunked"): a coding applied twice is not supported.
      reject("more than one Transfer-Encoding header: the only transfer coding accepted is a single 'chunked'", 501);
      return;
    }
    if (!equals_ignoring_case(value, "chunked")) {
      reject(fmt::format("Transfer-Encoding '{}' is not supported: the only transfer coding accepted is 'chunked'",
                         value.substr(0, 40)),
             501);
      return;
    }
    transfer_encoding_ = chunked_ = true;
  }
  if (has_length_ && transfer_encoding_)
    reject("both Content-Length and Transfer-Encoding: a request is framed by one of them");
}

void RequestFramer::request_line_done() {
  request_line_seen_ = true;
  chunked_ = has_length_ = transfer_encoding_ = expects_continue_ = false;
  headers_ = 0;
  remaining_ = 0;
  if (line_overflow_ || line_.size() > kMaxRequestLine) {
    reject(fmt::format("the request line (method, URL, version) is over {} bytes", kMaxRequestLine), 414);
    return;
  }
  // METHOD SP request-target SP HTTP-version, single spaces (RFC 9112 §3).
  std::string_view line = line_;
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  std::string_view method = line.substr(0, sp1);
  bodiless_method_ = method == "GET" || method == "HEAD" || method == "DELETE";
  // Poco reads the body of any other method without a length until the connection closes.
  length_required_ = !bodiless_method_;
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos || method.empty() ||
      sp2 == sp1 + 1 ||
      !std::all_of(method.begin(), method.end(), [](char c) { return is_token_char(static_cast<unsigned char>(c)); }) ||
      std::any_of(line.begin(), line.end(), [](char c) { return c == '\t' || is_control(static_cast<unsigned char>(c)); })) {
    reject("malformed request line: it must be 'METHOD /path HTTP/1.1'");
    return;
  }
  std::string_view version = line.substr(sp2 + 1);
  const bool shaped = version.size() == 8 && version.substr(0, 5) == "HTTP/" &&
                      std::isdigit(static_cast<unsigned char>(version[5])) && version[6] == '.' &&
                      std::isdigit(static_cast<unsigned char>(version[7]));
  if (!shaped) {
    reject(fmt::format("malformed request line: '{}' is not an HTTP version (HTTP/1.1)", version.substr(0, 20)));
    return;
  }
  if (version[5] != '1') reject(fmt::format("{} is not supported: this server speaks HTTP/1.1", version), 505);
}

void RequestFramer::head_done() {
  if (chunked_) {
    phase_ = Phase::kChunkSize;
  } else if (!has_length_ && length_required_) {
    reject("a request other than GET, HEAD or DELETE must send Content-Length (0 for none) or Transfer-Encoding: chunked",
           411);
  } else if (remaining_ > 0) {
    phase_ = Phase::kBody;
  } else {
    request_done();
  }
}

void RequestFramer::request_done() {
  ++completed_;
  phase_ = Phase::kIdle;
  request_line_seen_ = false;
}

void RequestFramer::reject(std::string why, int status) {
  phase_ = Phase::kRejected;
  problem_ = std::move(why);
  status_ = status;
}

}  // namespace uplift::http
