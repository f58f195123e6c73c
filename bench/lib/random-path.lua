-- wrk script: each request GETs one of the paths of the file named by PATHS, at random, with the
-- bearer token of TOKEN (none if TOKEN is empty: a server without an authorization server). At the end
-- it prints the latency percentiles wrk itself does not ("latency-ms p50 X p95 Y p99 Z").
local paths = {}
for line in io.lines(os.getenv("PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local token = os.getenv("TOKEN") or ""
if #token > 0 then
  wrk.headers["Authorization"] = "Bearer " .. token
end
wrk.headers["Accept"] = "application/fhir+json"

request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end

done = function(summary, latency, requests)
  io.write(string.format("latency-ms p50 %.1f p95 %.1f p99 %.1f\n", latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
