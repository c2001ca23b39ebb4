// inflate_gzip: a gzip body is used whole or not at all.
#include <doctest/doctest.h>

#include <zlib.h>

#include <string>

#include "http/gzip_body.h"

using uplift::Code;
using uplift::http::inflate_gzip;

namespace {
// One gzip member of `text`, made by zlib's own deflate.
std::string gzip_of(const std::string& text) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(text.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string lines(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += R"({"kind":"event","id":"e)" + std::to_string(i) + R"(","account":"a","name":"x","ts":"2026-01-01T00:00:00Z"})" "\n";
  return s;
}
}  // namespace

TEST_CASE("a whole gzip body inflates to its text, one member or several") {
  const std::string text = lines(5000);
  auto one = inflate_gzip(gzip_of(text), 1 << 24);
  REQUIRE(one.ok());
  CHECK(*one == text);
  auto two = inflate_gzip(gzip_of("first\n") + gzip_of("second\n"), 1 << 24);
  REQUIRE(two.ok());
  CHECK(*two == "first\nsecond\n");
  auto empty_text = inflate_gzip(gzip_of(""), 100);
  REQUIRE(empty_text.ok());
  CHECK(empty_text->empty());
}

TEST_CASE("a damaged gzip body is refused whole, naming the damage") {
  const std::string text = lines(5000);
  const std::string gz = gzip_of(text);
  struct Case {
    std::string name, body, reason;
  };
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 8] = static_cast<char>(bad_crc[bad_crc.size() - 8] ^ 0x55);  // the CRC-32 trailer
  std::string bad_length = gz;
  bad_length[bad_length.size() - 1] = static_cast<char>(bad_length[bad_length.size() - 1] ^ 0x01);  // ISIZE
  std::string bad_data = gz;
  bad_data[gz.size() / 2] = static_cast<char>(bad_data[gz.size() / 2] ^ 0xff);
  const Case cases[] = {
      {"cut in half", gz.substr(0, gz.size() / 2), "truncated"},
      {"missing the last trailer byte", gz.substr(0, gz.size() - 1), "truncated"},
      {"only the header", gz.substr(0, 10), "truncated"},
      {"bad CRC", bad_crc, "incorrect data check"},
      {"bad length", bad_length, "incorrect length check"},
      {"corrupt deflate data", bad_data, "not valid gzip"},
      {"trailing garbage", gz + "garbage!!", "not valid gzip"},
      {"not gzip", text, "not valid gzip"},
      {"empty", "", "empty"},
  };
  for (const auto& c : cases) {
    auto r = inflate_gzip(c.body, 1 << 24);
    REQUIRE_MESSAGE(!r.ok(), c.name);
    CHECK_MESSAGE(r.status().code() == Code::kInvalidArgument, c.name);
    CHECK_MESSAGE(r.status().message().find(c.reason) != std::string::npos, c.name, ": ", r.status().message());
  }
}

TEST_CASE("an inflated body over the limit is refused, however small its gzip") {
  const std::string zeros(1 << 20, '0');
  const std::string gz = gzip_of(zeros);
  CHECK(gz.size() < 10000);
  auto r = inflate_gzip(gz, 100000);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kResourceExhausted);
  CHECK(inflate_gzip(gz, zeros.size()).ok());  // exactly at the limit is fine
}
