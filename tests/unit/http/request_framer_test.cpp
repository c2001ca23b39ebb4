// RequestFramer: follows requests over a keep-alive connection and rejects malformed header lines.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "http/request_framer.h"

using uplift::http::RequestFramer;
using Phase = RequestFramer::Phase;

namespace {
// Feeds the bytes one at a time (the worst split a socket can produce) and in one piece; both
// must agree.
RequestFramer feed_both(const std::string& bytes, bool& same) {
  RequestFramer whole, bytewise;
  whole.feed(bytes);
  for (char c : bytes) bytewise.feed(std::string_view(&c, 1));
  same = whole.phase() == bytewise.phase() && whole.requests_completed() == bytewise.requests_completed() &&
         whole.problem() == bytewise.problem();
  return whole;
}
}  // namespace

TEST_CASE("well-formed requests on one keep-alive connection are followed to the end") {
  std::string bytes =
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"
      "POST /v1/track HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"
      "\r\nGET / HTTP/1.1\nHost: lf-only\n\n";
  bool same = false;
  auto f = feed_both(bytes, same);
  CHECK(same);
  CHECK(f.requests_completed() == 4);
  CHECK(f.phase() == Phase::kIdle);
  CHECK_FALSE(f.in_request());
}

TEST_CASE("a header line without a colon is rejected, with the reason") {
  bool same = false;
  auto f = feed_both("GET /healthz HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n", same);
  CHECK(same);
  CHECK(f.phase() == Phase::kRejected);
  CHECK(f.problem().find("no colon") != std::string::npos);
  CHECK_FALSE(f.feed("GET / HTTP/1.1\r\n\r\n"));  // stays rejected
}

TEST_CASE("header names must be tokens") {
  for (const char* line : {"Bad Name: x", ": empty name", "X(y): z", "Näme: x"}) {
    RequestFramer f;
    f.feed(std::string("GET / HTTP/1.1\r\n") + line + "\r\n\r\n");
    CHECK_MESSAGE(f.phase() == Phase::kRejected, line);
  }
  RequestFramer ok;
  ok.feed("GET / HTTP/1.1\r\nX-Weird_Name.1~!: value: with: colons\r\n\r\n");
  CHECK(ok.phase() == Phase::kIdle);
  CHECK(ok.requests_completed() == 1);
  RequestFramer folded;  // obsolete line folding: Poco joins it, a proxy may not
  folded.feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n ,gzip\r\n\r\n");
  CHECK(folded.phase() == Phase::kRejected);
  CHECK(folded.problem().find("folding") != std::string::npos);
}

TEST_CASE("a malformed line inside a body is not a header") {
  RequestFramer f;
  f.feed("POST /v1/records HTTP/1.1\r\nContent-Length: 14\r\n\r\nno colon here\n");
  CHECK(f.phase() == Phase::kIdle);
  f.feed("GET / HTTP/1.1\r\nno colon here\r\n\r\n");
  CHECK(f.phase() == Phase::kRejected);
}

TEST_CASE("a request is in progress until its body has arrived") {
  RequestFramer f;
  CHECK_FALSE(f.in_request());
  f.feed("POST /v1/records HTTP/1.1\r\nContent-");
  CHECK(f.in_head());
  f.feed("Length: 4\r\n\r\nab");
  CHECK(f.in_request());
  CHECK_FALSE(f.in_head());
  f.feed("cd");
  CHECK_FALSE(f.in_request());
}

TEST_CASE("strict framing: each ambiguous or unsupported request is refused with its status and reason") {
  struct Case {
    const char* bytes;
    int status;
    const char* reason;  // a piece of the problem text
  };
  const Case cases[] = {
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\nx", 400, "not a length"},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400, "more than one Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400, "more than one Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", 400, "not a length"},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400, "not a length"},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "both Content-Length"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400, "both Content-Length"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "only transfer coding"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", 501, "only transfer coding"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 501, "more than one Transfer-Encoding"},
      {"POST / HTTP/1.1\r\nHost: x\r\n\r\n", 411, "must send Content-Length"},
      {"PUT / HTTP/1.1\r\n\r\n", 411, "must send Content-Length"},
      {"OPTIONS * HTTP/1.1\r\n\r\n", 411, "must send Content-Length"},
      {"post / HTTP/1.1\r\n\r\n", 411, "must send Content-Length"},
      {"GET /\tHTTP/2.0 HTTP/1.1\r\n\r\n", 400, "malformed request line"},
      {"GET / HTTP/1.1\r\nX-A: a\r\r\n\r\n", 400, "control character"},
      {"GET / HTTP/9.9\r\n\r\n", 505, "HTTP/9.9 is not supported"},
      {"GET / HTTP/2.0\r\n\r\n", 505, "not supported"},
      {"GET / FOO/1.1\r\n\r\n", 400, "not an HTTP version"},
      {"GET / HTTP/1.10\r\n\r\n", 400, "not an HTTP version"},
      {"GET /\r\n\r\n", 400, "malformed request line"},
      {"GET  / HTTP/1.1\r\n\r\n", 400, "malformed request line"},
      {"GET / HTTP/1.1 \r\n\r\n", 400, "malformed request line"},
      {"G(T / HTTP/1.1\r\n\r\n", 400, "malformed request line"},
      {"GET /\x01 HTTP/1.1\r\n\r\n", 400, "malformed request line"},
      {"GET / HTTP/1.1\r\nX-A: a\x7f\r\n\r\n", 400, "control character"},
      {"GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", 400, "control character"},
  };
  for (const auto& c : cases) {
    bool same = false;
    auto f = feed_both(c.bytes, same);
    CHECK_MESSAGE(same, c.bytes);
    CHECK_MESSAGE(f.phase() == Phase::kRejected, c.bytes);
    CHECK_MESSAGE(f.status() == c.status, c.bytes);
    CHECK_MESSAGE(f.problem().find(c.reason) != std::string::npos, c.bytes, " -> ", f.problem());
  }
  // A NUL in a header value (not expressible in the C strings above).
  RequestFramer nul;
  nul.feed(std::string("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 28));
  CHECK(nul.phase() == Phase::kRejected);
  CHECK(nul.problem().find("control character") != std::string::npos);
}

TEST_CASE("what strict framing still accepts") {
  for (const char* ok : {"GET / HTTP/1.0\r\n\r\n", "DELETE /v1/x HTTP/1.1\r\n\r\n", "OPTIONS * HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
                         "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
                         "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n",
                         "GET / HTTP/1.1\r\nX-Tab: a\tb\r\nX-Utf8: caf\xc3\xa9\r\n\r\n"}) {
    RequestFramer f;
    f.feed(ok);
    CHECK_MESSAGE(f.phase() == Phase::kIdle, ok);
    CHECK_MESSAGE(f.requests_completed() == 1, ok);
  }
  RequestFramer bad_chunk;  // Poco 1.11 would end the body there and keep the truncated part
  bad_chunk.feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n");
  CHECK(bad_chunk.phase() == Phase::kRejected);
  CHECK(bad_chunk.status() == 400);
  CHECK(bad_chunk.problem().find("malformed chunk size 'zz'") != std::string::npos);
}

TEST_CASE("oversized heads are refused here with 414 or 431, not left to Poco's bare 400") {
  RequestFramer url;
  url.feed("GET /" + std::string(100000, 'a') + " HTTP/1.1\r\n\r\n");
  CHECK(url.phase() == Phase::kRejected);
  CHECK(url.status() == 414);
  RequestFramer line;
  line.feed("GET / HTTP/1.1\r\nX-Big: " + std::string(9 * 1024, 'a') + "\r\n\r\n");
  CHECK(line.status() == 431);
  CHECK(line.problem().find("over 8192 bytes") != std::string::npos);
  bool same = false;  // fed whole or byte by byte: the same answer
  auto long_line = feed_both("GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n", same);
  CHECK(same);
  CHECK(long_line.status() == 414);
  auto long_header = feed_both("GET / HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n", same);
  CHECK(same);
  CHECK(long_header.status() == 431);
  RequestFramer huge;  // longer than the framer's own buffer
  huge.feed("GET / HTTP/1.1\r\nX-Big: " + std::string(RequestFramer::kMaxLine * 2, 'a') + "\r\n\r\n");
  CHECK(huge.status() == 431);
  RequestFramer many;
  std::string head = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 2000; ++i) head += "X-H" + std::to_string(i) + ": v\r\n";
  many.feed(head + "\r\n");
  CHECK(many.status() == 431);
  CHECK(many.problem().find("more than 100 header lines") != std::string::npos);
  RequestFramer name;
  name.feed("GET / HTTP/1.1\r\n" + std::string(300, 'N') + ": v\r\n\r\n");
  CHECK(name.status() == 431);
  RequestFramer at_limits;  // exactly at each limit: served
  std::string ok = "GET /" + std::string(RequestFramer::kMaxRequestLine - 14, 'a') + " HTTP/1.1\r\n";
  for (std::size_t i = 0; i < RequestFramer::kMaxHeaders - 1; ++i) ok += "X-H" + std::to_string(i) + ": v\r\n";
  ok += "X-Last: " + std::string(RequestFramer::kMaxHeaderLine - 8, 'b') + "\r\n\r\n";
  at_limits.feed(ok);
  CHECK(at_limits.phase() == Phase::kIdle);
  CHECK(at_limits.requests_completed() == 1);
}

TEST_CASE("request_start: where in the last bytes the current request began") {
  RequestFramer f;
  std::string first = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  f.feed(first + "GET /b HTTP/1.1\r\nBroken\r\n\r\n");
  CHECK(f.phase() == Phase::kRejected);
  CHECK(f.requests_completed() == 1);
  CHECK(f.request_start() == first.size());  // the bytes before it are one complete, valid request
  RequestFramer split;
  split.feed("GET /b HTTP/1.1\r\n");
  CHECK(split.request_start() == 0);
  split.feed("Broken\r\n\r\n");
  CHECK(split.request_start() == RequestFramer::npos);  // began in an earlier read
}

TEST_CASE("consume stops right after each request, so the bytes of the next stay unread") {
  const std::string a = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string b = "POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
  const std::string c = "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  const std::string d = "GET /d HTTP/1.1\r\nHo";  // the next request, cut off
  const std::string all = a + b + c + d;
  RequestFramer f;
  std::string_view rest = all;
  std::vector<std::size_t> ends;
  std::size_t at = 0;
  while (!rest.empty()) {
    auto before = f.requests_completed();
    std::size_t used = f.consume(rest);
    REQUIRE(used > 0);
    at += used;
    if (f.requests_completed() != before) ends.push_back(at);
    rest.remove_prefix(used);
  }
  CHECK(ends == std::vector<std::size_t>{a.size(), a.size() + b.size(), a.size() + b.size() + c.size()});
  CHECK(f.in_head());
  // The same split whatever the reads: one byte at a time gives the same ends.
  RequestFramer g;
  std::vector<std::size_t> ends_bytewise;
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto before = g.requests_completed();
    CHECK(g.consume(std::string_view(all).substr(i, 1)) == 1);
    if (g.requests_completed() != before) ends_bytewise.push_back(i + 1);
  }
  CHECK(ends_bytewise == ends);
}

TEST_CASE("in_body and expects_continue: when a request's head is complete and its body awaits an answer") {
  RequestFramer f;
  f.feed("POST /x HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n");
  CHECK(f.in_head());
  CHECK_FALSE(f.in_body());
  f.feed("\r\n");
  CHECK(f.in_body());
  CHECK(f.expects_continue());
  f.feed("abcd");
  CHECK_FALSE(f.in_request());
  f.feed("POST /y HTTP/1.1\r\nContent-Length: 1\r\n\r\n");  // the next request does not inherit it
  CHECK(f.in_body());
  CHECK_FALSE(f.expects_continue());
  RequestFramer other;
  other.feed("POST /z HTTP/1.1\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\n");
  CHECK_FALSE(other.expects_continue());
}

TEST_CASE("a second Transfer-Encoding header is named as such (a coding applied twice: 501)") {
  bool same = false;
  auto f = feed_both("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", same);
  CHECK(same);
  CHECK(f.phase() == Phase::kRejected);
  CHECK(f.status() == 501);
  CHECK(f.problem().find("more than one Transfer-Encoding") != std::string::npos);
}
