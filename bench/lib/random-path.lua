-- wrk script: each request GETs one of the paths of the file named by PATHS, at random, with the
-- bearer token of TOKEN.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["Accept"] = "application/fhir+json"

request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
