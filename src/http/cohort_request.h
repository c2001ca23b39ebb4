// CohortRequest: the body of POST /v1/cohorts, validated field by field.
//
// {program, capacity?, holdout_fraction?, seed?, as_of?, id?, preview?}. parse_cohort_request
// promises that a returned request is usable as is (capacity 1..100000, holdout_fraction in
// [0, 0.9], seed a non-negative integer, as_of a YYYY-MM-DD date, id made of letters, digits,
// '.', '_' and '-'); otherwise it names the one field that is wrong and why, so the API can
// answer 422 with `field`. Unknown fields are refused (a typo such as "holdout" would otherwise be
// silently ignored and the cohort built with the program's default).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/time.h"

namespace uplift::http {

struct CohortRequest {
  std::string program;
  std::optional<int> capacity;
  std::optional<double> holdout_fraction;
  std::optional<std::uint64_t> seed;
  std::optional<Date> as_of;  // eligibility judged at the end of this day
  std::string id;             // empty: "<program>-<yyyy>q<n>", made unique
  bool preview = false;       // true: nothing is saved
};

struct CohortFieldError {
  std::string field;   // "capacity"; "" when the body as a whole is wrong
  std::string reason;  // "expected an integer 1-100000, got -3"
};

inline constexpr int kMaxCohortCapacity = 100000;
inline constexpr double kMaxHoldoutFraction = 0.9;

std::variant<CohortRequest, CohortFieldError> parse_cohort_request(const nlohmann::json& body);

}  // namespace uplift::http
