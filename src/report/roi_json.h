// The ROI report's machine-readable forms: JSON (DESIGN.md's shape plus dose_response,
// conversion, renewal_by_stage, warnings and not_estimable reasons; tests/data/report.schema.json
// is its JSON Schema) and CSV (one row per program metric).
//
// Numbers are rounded to 2 decimals; a figure that could not be estimated is null next to a
// `not_estimable` reason — never NaN or infinity.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "attribution/roi.h"

namespace uplift::report {

nlohmann::json roi_to_json(const attribution::RoiReport& r);
// Header: quarter,program,cohort,metric,value,ci95_low,ci95_high,control,note
std::string roi_to_csv(const attribution::RoiReport& r);

}  // namespace uplift::report
