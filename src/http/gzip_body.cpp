#include "http/gzip_body.h"

#include <zlib.h>

#include <fmt/format.h>

namespace uplift::http {

Result<std::string> inflate_gzip(std::string_view gzip, std::size_t limit) {
  if (gzip.empty()) return Status::InvalidArgument("the body is empty: a gzip body has at least a header");
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return Status::Internal("zlib: inflateInit2 failed");
  struct End {
    z_stream& z;
    ~End() { inflateEnd(&z); }
  } end{z};
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzip.data()));
  z.avail_in = static_cast<uInt>(gzip.size());
  char buffer[64 * 1024];
  int members = 0;
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    const int rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
    if (out.size() > limit)
      return Status::ResourceExhausted(fmt::format("the inflated request body is over {} bytes", limit));
    if (rc == Z_STREAM_END) {
      ++members;
      if (z.avail_in == 0) return out;
      // Another member follows (RFC 1952 §2.2) — or trailing bytes, which inflate then refuses.
      if (inflateReset(&z) != Z_OK) return Status::Internal("zlib: inflateReset failed");
      continue;
    }
    if (rc == Z_DATA_ERROR) {
      const std::string why = z.msg ? z.msg : "corrupt data";
      return Status::InvalidArgument(fmt::format(
          "the body is not valid gzip ({}{}): nothing of it was stored", why,
          members ? fmt::format(", after {} complete member(s)", members) : std::string()));
    }
    if (rc == Z_BUF_ERROR || (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0))
      return Status::InvalidArgument(fmt::format(
          "the gzip body ends before its end (truncated after {} of its bytes): nothing of it was stored",
          gzip.size()));
    if (rc != Z_OK) return Status::InvalidArgument(fmt::format("the body is not valid gzip (zlib error {})", rc));
  }
}

}  // namespace uplift::http
