-- wrk script for bench/recommend: GET a random learner's recommendations. The nginx reference
-- is sent the very same requests (it answers every learner's path with one static file), so the
-- client does the same work for either server.
-- Every request is built once, in init(): request() only picks one. A request formatted per call
-- makes garbage, and LuaJIT's collector then walks the whole id table again and again. On the
-- 2-core bench machine, where wrk shares the CPUs with the server under test, nginx sent learner
-- paths answered 97,688 requests/s with requests formatted per call and 148,179 with requests
-- built once: the benchmark was measuring its own client (bench/HISTORY.md).
-- Environment: BENCH_IDS (file, one learner id a line), BENCH_KEY (lms key),
--   BENCH_PATH (path with %s for the learner id; a path without %s is fetched as is),
--   BENCH_DELAY_MS (optional: each connection waits this long after an answer before its next
--   request, so C connections send at most C * 1000 / BENCH_DELAY_MS requests/s — bench/mixed's
--   paced reader; unset, every connection sends its next request at once).
-- done() prints one line "BENCHJSON {...}" with requests, duration, errors and latency (µs).
local requests = {}
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
  local per_learner = path_fmt:find("%%s") ~= nil
  for line in io.lines(os.getenv("BENCH_IDS")) do
    if #line > 0 then
      local path = per_learner and string.format(path_fmt, line) or path_fmt
      requests[#requests + 1] = wrk.format("GET", path, headers)
      if not per_learner then break end
    end
  end
  assert(#requests > 0, "BENCH_IDS names no learner")
  math.randomseed(os.time() * 1000 + (thread_seed or 0))
  collectgarbage("collect")
end

function request()
  return requests[math.random(#requests)]
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
