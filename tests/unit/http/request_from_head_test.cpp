// request_from_head: the front door builds the request a handler sees from the head it framed;
// it must be the request the Poco adapter would build (path and query split, headers joined and
// trimmed, names case-insensitive), and must refuse what is not a whole head.
#include <doctest/doctest.h>

#include "http/message.h"

using namespace uplift::http;

TEST_CASE("a head becomes the request the adapter would build") {
  auto r = request_from_head(
      "GET /v1/learners/acme%20u1/recommendations?limit=3&x=a+b HTTP/1.1\r\n"
      "Host: example\r\n"
      "authorization:   Bearer upk_abc.def  \r\n"
      "Accept: application/json\r\n"
      "accept: text/plain\r\n"
      "\r\n");
  REQUIRE(r);
  CHECK(r->method == "GET");
  CHECK(r->path == "/v1/learners/acme%20u1/recommendations");
  REQUIRE(r->query.size() == 2);
  CHECK(r->query[0] == std::pair<std::string, std::string>{"limit", "3"});
  CHECK(r->query[1] == std::pair<std::string, std::string>{"x", "a b"});
  CHECK(r->header("Authorization") == "Bearer upk_abc.def");
  CHECK(r->header("ACCEPT") == "application/json, text/plain");
  CHECK(r->header("Host") == "example");
  CHECK(r->body.empty());
}

TEST_CASE("bare LF line ends are read like CRLF") {
  auto r = request_from_head("GET /healthz HTTP/1.1\nHost: x\n\n");
  REQUIRE(r);
  CHECK(r->path == "/healthz");
  CHECK(r->query.empty());
  CHECK(r->header("host") == "x");
}

TEST_CASE("what is not a whole origin-form head is refused") {
  CHECK_FALSE(request_from_head(""));
  CHECK_FALSE(request_from_head("GET /x HTTP/1.1\r\nHost: x\r\n"));              // no blank line
  CHECK_FALSE(request_from_head("GET http://h/x HTTP/1.1\r\n\r\n"));             // absolute-form
  CHECK_FALSE(request_from_head("GET /x\r\n\r\n"));                              // no version
  CHECK_FALSE(request_from_head("GET /x HTTP/1.1\r\nNoColon\r\n\r\n"));          // not a header
  CHECK_FALSE(request_from_head("GET /x HTTP/1.1\r\nA: 1\r\n  folded\r\n\r\n")); // obsolete folding
  CHECK_FALSE(request_from_head("GET /x HTTP/1.1\r\n: empty name\r\n\r\n"));
}
