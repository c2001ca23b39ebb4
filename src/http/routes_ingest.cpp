// Ingest endpoints (scope ingest): canonical NDJSON records. The Segment, xAPI and LMS webhook
// adapters are in routes_adapters.cpp.
#include <string_view>

#include "http/ingest_common.h"
#include "http/json_body.h"
#include "http/problem.h"
#include "http/routes.h"
#include "ingest/ndjson.h"

namespace uplift::http {

namespace {

bool is_ndjson_type(const std::string& mt) {
  return mt == "application/x-ndjson" || mt == "application/ndjson" || mt == "application/jsonl" ||
         mt == "application/x-jsonlines" || mt == "application/json" || mt == "text/plain";
}

// Splits an NDJSON body into records and rejections, exactly as `uplift import` would.
IngestBatch parse_ndjson_body(std::string_view body) {
  IngestBatch batch;
  std::int64_t line_no = 0;
  while (!body.empty()) {
    auto nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    if (line.size() > ingest::kMaxLineBytes) {
      batch.reject({line_no, "", ingest::line_too_long_reason(ingest::kMaxLineBytes)});
      continue;
    }
    if (json_depth(line) < 0) {
      batch.reject({line_no, "", "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"});
      continue;
    }
    ingest::ParsedItem item;
    if (!ingest::parse_json_line(line, std::nullopt, item)) continue;  // blank
    if (item.ok()) {
      // An account or learner that names only some fields is merged over the stored one, as
      // `uplift import` does (ingest/merge.h; the two paths store the same bytes).
      batch.upserts.push_back(item.fields == kAllFields ? std::nullopt
                                                        : std::optional(carried_json(*item.record, item.fields)));
      batch.records.push_back(std::move(*item.record));
      batch.lines.push_back(line_no);
    } else {
      batch.reject({line_no, item.field, item.reason});
    }
  }
  return batch;
}

}  // namespace

void add_ingest_routes(Api& api, Service& service) {
  api.add("POST", "/v1/records", Access::kIngest, [&service](const RequestContext& ctx) {
    auto mt = ctx.request.media_type();
    if (!is_ndjson_type(mt))
      return problem_response(unsupported_media_type(
          "send canonical records as Content-Type: application/x-ndjson (one JSON object per line)" +
          (mt.empty() ? std::string() : "; got " + mt)));
    return commit_batch(service, parse_ndjson_body(ctx.request.body));
  });
}

}  // namespace uplift::http
