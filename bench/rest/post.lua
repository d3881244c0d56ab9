-- wrk script: POST /rooms/{id}/messages with a JSON body and a bearer token.
-- Reads BENCH_TOKEN and BENCH_ROOM from the environment (set by bench/rest/run).
local token = os.getenv("BENCH_TOKEN") or error("BENCH_TOKEN not set")
local room = os.getenv("BENCH_ROOM") or error("BENCH_ROOM not set")

wrk.method = "POST"
wrk.path = "/rooms/" .. room .. "/messages"
wrk.body = '{"text":"benchmark message: the quick brown fox jumps over the lazy dog"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
