// Query-string parameters, validated: every bad value is a 400 problem naming the parameter
// and what it accepts ("per_page: expected an integer 1-500, got 'x'"). Endpoints that filter
// refuse unknown parameters (known_params: a misspelt filter must not silently return everything);
// names starting with "_" (cache busters such as jQuery's `_=…`) are always allowed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/records.h"
#include "core/status.h"
#include "http/message.h"

namespace uplift::http {

Result<long> int_param(const HttpRequest& r, const std::string& name, long fallback, long min, long max);
Result<std::string> enum_param(const HttpRequest& r, const std::string& name, const std::string& fallback,
                               const std::vector<std::string>& allowed);
Result<bool> bool_param(const HttpRequest& r, const std::string& name, bool fallback);
// A free-text parameter capped at `max_len` bytes; "" when absent.
Result<std::string> text_param(const HttpRequest& r, const std::string& name, std::size_t max_len = 200);

// InvalidArgument naming the first parameter not in `known` (and listing the known ones).
Status known_params(const HttpRequest& r, const std::vector<std::string>& known);

// audience=customer (default), trial, partner, employee or all (nullopt).
Result<std::optional<Audience>> audience_param(const HttpRequest& r);

struct Page {
  long page = 1, per_page = 25;
  std::size_t offset() const { return static_cast<std::size_t>((page - 1) * per_page); }
};
// page (1-based, default 1) and per_page (1-500, default `fallback_per_page`).
Result<Page> page_params(const HttpRequest& r, long fallback_per_page = 25);

}  // namespace uplift::http
