-- wrk script: GET /rooms/{id}/messages?limit=50 with a bearer token.
-- Reads BENCH_TOKEN and BENCH_ROOM from the environment (set by bench/rest/run).
local token = os.getenv("BENCH_TOKEN") or error("BENCH_TOKEN not set")
local room = os.getenv("BENCH_ROOM") or error("BENCH_ROOM not set")

wrk.method = "GET"
wrk.path = "/rooms/" .. room .. "/messages?limit=50"
wrk.headers["Authorization"] = "Bearer " .. token
