-- wrk script for bench/recommend: GET a random learner's recommendations (or, for the nginx
-- reference, the static file) with the same per-request work on the client side either way.
-- Environment: BENCH_IDS (file, one learner id a line), BENCH_KEY (lms key),
--   BENCH_PATH (path with %s for the learner id; a path without %s is fetched as is),
--   BENCH_DELAY_MS (optional: each connection waits this long after an answer before its next
--   request, so C connections send at most C * 1000 / BENCH_DELAY_MS requests/s — bench/mixed's
--   paced reader; unset, every connection sends its next request at once).
-- done() prints one line "BENCHJSON {...}" with requests, duration, errors and latency (µs).
local ids = {}
local path_fmt = os.getenv("BENCH_PATH") or "/v1/learners/%s/recommendations"
local headers = { ["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "") }
local counter = 0
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if delay_ms then
  function delay() return delay_ms end
end

function setup(thread)
  counter = counter + 1
  thread:set("thread_seed", counter)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_IDS")) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  math.randomseed(os.time() * 1000 + (thread_seed or 0))
end

function request()
  local id = ids[math.random(#ids)]
  local path = path_fmt:find("%%s") and string.format(path_fmt, id) or path_fmt
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
end
