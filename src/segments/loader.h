// Loading segment catalogs (segments/*.json) with validation.
//
// File shape: {"segments": [{"id": "new_admins", "title": "...", "description": "...",
//                            "rule": {"all": [{"role": "admin"}, {"tenure_days": {"lte": 30}}]}}]}
// A rule node is an object; its keys are `all` (list), `any` (list), `not` (one rule) or a field
// name; several keys in one object mean all of them. A field's value is a string (equals), a list
// (one of), or an operator object: text fields take {"in": [...]} / {"not_in": [...]}, tenure
// fields take {"gt"|"gte"|"lt"|"lte"|"eq": days} (several combine with and), achieved/flag take
// a string or list (all present).
// Every problem is reported, each naming the file and the segment id: unknown fields and
// operators, bad values (unknown audience, negative days, unknown stage or milestone when the
// caller supplies the known ones), duplicate ids (also across files).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "segments/segment.h"

namespace uplift::segments {

// Optional reference lists; an empty list means "do not check".
struct KnownIds {
  std::vector<std::string> stages;
  std::vector<std::string> milestones;
};

// Parses one catalog document; `name` is used in messages. Appends to `set`.
Status parse_segments(const nlohmann::json& doc, const std::string& name, const KnownIds& known,
                      SegmentSet& set);
// A file, or every *.json in a directory (sorted by name).
Result<SegmentSet> load_segments(const std::string& path, const KnownIds& known = {});

}  // namespace uplift::segments
