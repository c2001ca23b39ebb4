// Query-string parameters, validated: every bad value is a 400 problem naming the parameter
// and what it accepts ("per_page: expected an integer 1-500, got 'x'"). Unknown parameters are
// ignored (clients such as caches add their own).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "http/message.h"

namespace uplift::http {

Result<long> int_param(const HttpRequest& r, const std::string& name, long fallback, long min, long max);
Result<std::string> enum_param(const HttpRequest& r, const std::string& name, const std::string& fallback,
                               const std::vector<std::string>& allowed);
Result<bool> bool_param(const HttpRequest& r, const std::string& name, bool fallback);
// A free-text parameter capped at `max_len` bytes; "" when absent.
Result<std::string> text_param(const HttpRequest& r, const std::string& name, std::size_t max_len = 200);

struct Page {
  long page = 1, per_page = 25;
  std::size_t offset() const { return static_cast<std::size_t>((page - 1) * per_page); }
};
// page (1-based, default 1) and per_page (1-500, default `fallback_per_page`).
Result<Page> page_params(const HttpRequest& r, long fallback_per_page = 25);

}  // namespace uplift::http
