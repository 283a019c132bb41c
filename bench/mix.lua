-- wrk script. Without BENCH_PATHS: POST the advisor form (body and cookie from BENCH_BODY and
-- BENCH_COOKIE). With BENCH_PATHS ("GET /a|GET /b|POST /advisor/"): cycle through the requests,
-- for the soak test. With BENCH_PATHS_FILE (one path per line): GET each in turn, each thread
-- from its own place, for cache misses (every line a different query). Counts status classes so
-- the summary can tell 3xx asked for from errors. Every request accepts gzip, as browsers do.
local paths = {}
local body = os.getenv("BENCH_BODY") or ""
local cookie = os.getenv("BENCH_COOKIE") or ""
local spec = os.getenv("BENCH_PATHS")
if spec then
  for item in string.gmatch(spec, "[^|]+") do
    local method, path = string.match(item, "(%S+) (%S+)")
    table.insert(paths, {method = method, path = path})
  end
end
local file = os.getenv("BENCH_PATHS_FILE")
if file then
  for line in io.lines(file) do
    table.insert(paths, {method = "GET", path = line})
  end
end
local i = 0
local threads = {}
local classes = {"1xx", "2xx", "3xx", "4xx", "5xx"}

function setup(thread)
  thread:set("thread_index", #threads / 2)  -- threads start halfway apart in the paths file
  table.insert(threads, thread)
end

function init(args)
  if file then
    i = math.floor(#paths * (thread_index or 0)) % #paths
  end
  -- one global number per status class: wrk copies numbers (not tables) out of threads
  for _, class in ipairs(classes) do
    _G[class] = 0
  end
end

function request()
  local headers = {["Cookie"] = cookie, ["Accept-Encoding"] = "gzip"}
  if #paths == 0 then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", nil, headers, body)
  end
  i = i % #paths + 1
  local item = paths[i]
  if item.method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", item.path, headers, body)
  end
  return wrk.format("GET", item.path, headers)
end

function response(status, headers, body)
  local class = math.floor(status / 100) .. "xx"
  _G[class] = (_G[class] or 0) + 1
end

function done(summary, latency, requests)
  local parts = {}
  for _, class in ipairs(classes) do
    local total = 0
    for _, thread in ipairs(threads) do
      total = total + (thread:get(class) or 0)
    end
    if total > 0 then
      table.insert(parts, class .. "=" .. total)
    end
  end
  io.write("STATUSES " .. table.concat(parts, ",") .. "\n")
end
