-- wrk script for bench/binding_api.py: posts pre-built tube requests, one per line of the
-- file named by FK_REQUESTS ("token<TAB>idempotency key<TAB>JSON body"); thread k of n
-- takes lines k, k+n, k+2n, … and logs "status<TAB>barcode" of each answer to
-- FK_LOG.<k>. When a thread runs out of lines it sends a cheap GET instead (logged as "-"),
-- with FK_TOKEN's token if set.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local total = tonumber(os.getenv("FK_THREADS"))
  requests = {}
  local n = 0
  local first_token = nil
  for line in io.lines(os.getenv("FK_REQUESTS")) do
    local token, key, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    if token ~= nil then
      first_token = first_token or token
      if n % total == id then
        table.insert(requests, wrk.format("POST", "/api/v1/lab/tubes", {
          ["Authorization"] = "Bearer " .. token,
          ["Idempotency-Key"] = key,
          ["Content-Type"] = "application/json",
        }, body))
      end
      n = n + 1
    end
  end
  -- FK_TOKEN: the idle GET's token when there are no tubes (the no-op floor)
  first_token = os.getenv("FK_TOKEN") or first_token
  position = 0
  log = io.open(os.getenv("FK_LOG") .. "." .. id, "w")
  -- wrk ends its threads without closing their files: a fully buffered log would lose its
  -- last block, and with it the answers the lost-bindings count must check
  log:setvbuf("line")
  -- an authenticated GET without a barcode in its answer (counted as idle, "-")
  idle = wrk.format("GET", "/api/v1/lab/sampling-codes/public-key", {
    ["Authorization"] = "Bearer " .. first_token,
  })
end

function request()
  position = position + 1
  if position <= #requests then
    return requests[position]
  end
  return idle
end

function response(status, headers, body)
  local barcode = body:match('"barcode":%s*"([^"]+)"')
  if barcode == nil then
    barcode = "-"
    if status >= 300 then
      barcode = "!" .. body:sub(1, 200):gsub("[\t\n]", " ")
    end
  end
  log:write(status, "\t", barcode, "\n")
end

function done(summary, latency, requests)
  local out = io.open(os.getenv("FK_LOG") .. ".summary", "w")
  out:write(string.format(
    '{"requests": %d, "seconds": %f, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_status": %d, ' ..
    '"errors_timeout": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout))
  out:close()
end
