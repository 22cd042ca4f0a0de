-- wrk script for the openhouse benchmark: each request picks a random line of a file.
--   wrk ... -s random.lua <url> -- GET  /v1.0/leads/ ids.txt       GET <prefix><line>
--   wrk ... -s random.lua <url> -- POST /v1.0/leads  bodies.jsonl  POST <prefix> with <line> as JSON body
-- At the end it prints one line: RESULT requests=... rps=... p50_ms=... p99_ms=... non2xx=... errors=...
-- where rps counts only the 2xx answers.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  method, prefix = args[1], args[2]
  lines = {}
  for line in io.lines(args[3]) do
    if #line > 0 then lines[#lines + 1] = line end
  end
  assert(#lines > 0, "no lines in " .. args[3])
  if method == "POST" then wrk.headers["Content-Type"] = "application/json" end
  math.randomseed(os.time() * 1000 + id)
end

function request()
  local line = lines[math.random(#lines)]
  if method == "POST" then
    return wrk.format("POST", prefix, nil, line)
  end
  return wrk.format("GET", prefix .. line)
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests, secs, (summary.requests - e.status) / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
