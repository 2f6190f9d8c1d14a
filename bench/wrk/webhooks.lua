-- wrk script for fundbot's webhook benchmark (bench/run.py writes the data file and starts wrk).
--
--   wrk -s bench/wrk/webhooks.lua URL -- DATA_FILE NONCE [MEAN_DELAY_MS] [PER_SECOND]
--
-- DATA_FILE: records of "<X-Hub-Signature-256 value>\n<body length>\n<body bytes>\n", each body a signed
-- issues.opened delivery (run.py varies the issue and the installation; the signature covers the body only,
-- so it is computed once per body in Python). Each thread starts at a different record and cycles through
-- all of them; every request gets a fresh X-GitHub-Delivery GUID: NONCE-THREAD-4000-8000-COUNTER.
-- MEAN_DELAY_MS > 0: each connection waits an exponentially distributed pause (that mean) before each
-- request, so 200 connections with a mean of 667 ms offer about 300 requests/s (an open loop approximated
-- with think time; wrk2 is not packaged).
-- PER_SECOND = 1: count responses per wall-clock second (response() is then defined, which costs wrk a
-- little CPU, so only the backlog run uses it).
-- done() prints one line "WRKJSON {...}" with the summary, latency percentiles and per-second counts.

local threads = {}
local nthreads = 0

function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  table.insert(threads, thread)
end

local heads, tails, n, idx, counter = {}, {}, 0, 0, 0
local nonce, mean_delay = "00000000", 0
counts = {}
statuses = {}

local function load(path)
  local f = assert(io.open(path, "rb"))
  while true do
    local sig = f:read("*l")
    if not sig or sig == "" then break end
    local len = tonumber(f:read("*l"))
    local body = f:read(len)
    f:read("*l")
    local req = wrk.format("POST", wrk.path, {
      ["Content-Type"] = "application/json",
      ["User-Agent"] = "GitHub-Hookshot/bench",
      ["X-GitHub-Event"] = "issues",
      ["X-GitHub-Hook-ID"] = "1",
      ["X-Hub-Signature-256"] = sig,
      ["X-GitHub-Delivery"] = "@@GUID@@",
    }, body)
    local at = string.find(req, "@@GUID@@", 1, true)
    n = n + 1
    heads[n] = string.sub(req, 1, at - 1)
    tails[n] = string.sub(req, at + 8)
  end
  f:close()
  assert(n > 0, "no bodies in " .. path)
end

function init(args)
  load(args[1])
  nonce = args[2] or nonce
  mean_delay = tonumber(args[3] or "0") or 0
  idx = ((tid or 1) * 7919) % n
  math.randomseed((tid or 1) * 1000003 + os.time())
  if mean_delay <= 0 then delay = nil end
  if args[4] ~= "1" then response = nil end
end

function delay()
  return math.floor(-math.log(1 - math.random()) * mean_delay)
end

function request()
  idx = idx % n + 1
  counter = counter + 1
  local guid = string.format("%s-%04x-4000-8000-%012x", nonce, tid or 1, counter)
  return heads[idx] .. guid .. tails[idx]
end

function response(status, headers, body)
  local s = os.time()
  counts[s] = (counts[s] or 0) + 1
  statuses[status] = (statuses[status] or 0) + 1
end

local function json_counts(t)
  local keys = {}
  for k in pairs(t) do table.insert(keys, k) end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do table.insert(parts, string.format('"%d":%d', k, t[k])) end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local per_second, by_status = {}, {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("counts") or {}) do per_second[k] = (per_second[k] or 0) + v end
    for k, v in pairs(t:get("statuses") or {}) do by_status[k] = (by_status[k] or 0) + v end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f},' ..
    '"per_second":%s,"statuses":%s}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean,
    json_counts(per_second), json_counts(by_status)))
end
