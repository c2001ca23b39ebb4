#include "http/cohort_request.h"

#include <array>
#include <cctype>
#include <string_view>

#include <fmt/format.h>

namespace uplift::http {

namespace {

constexpr std::array<std::string_view, 7> kFields = {"program", "capacity", "holdout_fraction", "seed",
                                                     "as_of",   "id",       "preview"};

// A short rendering of a JSON value for messages ("got -3", "got \"ten\"").
std::string shown(const nlohmann::json& v) {
  std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 100) return false;
  for (unsigned char c : id)
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return id != "." && id != "..";
}

}  // namespace

std::variant<CohortRequest, CohortFieldError> parse_cohort_request(const nlohmann::json& body) {
  if (!body.is_object()) return CohortFieldError{"", "expected a JSON object such as {\"program\": \"...\"}"};
  for (const auto& item : body.items()) {
    const std::string& key = item.key();
    bool known = false;
    for (auto f : kFields) known = known || key == f;
    if (!known)
      return CohortFieldError{key.substr(0, 60), "unknown field (known: program, capacity, holdout_fraction, seed, "
                                                 "as_of, id, preview)"};
  }
  CohortRequest r;
  auto present = [&](const char* k) { return body.contains(k) && !body[k].is_null(); };

  if (!present("program")) return CohortFieldError{"program", "required: the id of an accelerator program"};
  if (!body["program"].is_string() || body["program"].get<std::string>().empty())
    return CohortFieldError{"program", "expected a non-empty string, got " + shown(body["program"])};
  r.program = body["program"].get<std::string>();

  if (present("capacity")) {
    const auto& v = body["capacity"];
    bool ok = v.is_number_integer() && v.get<long long>() >= 1 && v.get<long long>() <= kMaxCohortCapacity;
    if (!ok) return CohortFieldError{"capacity", fmt::format("expected an integer 1-{}, got {}", kMaxCohortCapacity, shown(v))};
    r.capacity = static_cast<int>(v.get<long long>());
  }
  if (present("holdout_fraction")) {
    const auto& v = body["holdout_fraction"];
    bool ok = v.is_number() && v.get<double>() >= 0 && v.get<double>() <= kMaxHoldoutFraction;
    if (!ok)
      return CohortFieldError{"holdout_fraction", fmt::format("expected a number from 0 to {:g}, got {}",
                                                              kMaxHoldoutFraction, shown(v))};
    r.holdout_fraction = v.get<double>();
  }
  if (present("seed")) {
    const auto& v = body["seed"];
    if (!v.is_number_unsigned()) return CohortFieldError{"seed", "expected a non-negative integer, got " + shown(v)};
    r.seed = v.get<std::uint64_t>();
  }
  if (present("as_of")) {
    const auto& v = body["as_of"];
    if (!v.is_string()) return CohortFieldError{"as_of", "expected a date YYYY-MM-DD, got " + shown(v)};
    auto d = parse_date(v.get<std::string>());
    if (!d.ok()) return CohortFieldError{"as_of", "expected a date YYYY-MM-DD, got " + shown(v)};
    r.as_of = *d;
  }
  if (present("id")) {
    const auto& v = body["id"];
    if (!v.is_string() || !valid_id(v.get<std::string>()))
      return CohortFieldError{"id", "expected 1-100 letters, digits, '.', '_' or '-', got " + shown(v)};
    r.id = v.get<std::string>();
  }
  if (present("preview")) {
    if (!body["preview"].is_boolean()) return CohortFieldError{"preview", "expected true or false, got " + shown(body["preview"])};
    r.preview = body["preview"].get<bool>();
  }
  return r;
}

}  // namespace uplift::http
