-- wrk script: each request POSTs to PATH one of the lines of the file named by BODIES (one JSON resource
-- per line), in turn, with the bearer token of TOKEN. At the end it prints the latency percentiles wrk
-- itself does not ("latency-ms p50 X p95 Y p99 Z").
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do
  if #line > 0 then bodies[#bodies + 1] = line end
end
local path = os.getenv("PATH_POSTED")
local next_body = 0
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["Content-Type"] = "application/fhir+json"
wrk.headers["Accept"] = "application/fhir+json"
wrk.headers["Prefer"] = "return=minimal"

request = function()
  next_body = next_body % #bodies + 1
  return wrk.format("POST", path, nil, bodies[next_body])
end

done = function(summary, latency, requests)
  io.write(string.format("latency-ms p50 %.1f p95 %.1f p99 %.1f\n", latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
