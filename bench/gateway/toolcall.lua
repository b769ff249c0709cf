-- wrk script of the gateway benchmark: POST a JSON-RPC tools/call (echo) with a bearer token, as an MCP client
-- does on a stateless Streamable HTTP connection. The token is read from the file named by $BENCH_TOKEN_FILE.
local f = assert(io.open(assert(os.getenv("BENCH_TOKEN_FILE"), "BENCH_TOKEN_FILE is not set"), "r"))
local token = f:read("*a"):gsub("%s+$", "")
f:close()
wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"bench"}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-06-18"
wrk.headers["Authorization"] = "Bearer " .. token
