#!/usr/bin/env node
// An MCP server that speaks only the 2026-07-28 revision (stateless Streamable HTTP): POST only, no initialize, no
// sessions; every request carries _meta with the protocol version and client capabilities, and the
// MCP-Protocol-Version / Mcp-Method / Mcp-Name headers must match the body. Tools: echo, and needs_input, which
// answers with an input_required result. Prints {"ready":true,"mcp":...} on stdout. GET /_last returns the last
// request's _meta and headers, for tests. With --no-instructions its discovery result carries no instructions (the
// field is optional).
import http from "node:http";

const VERSION = "2026-07-28";
const instructions = process.argv.includes("--no-instructions") ? {} : { instructions: "A 2026-07-28-only server." };
const PV = "io.modelcontextprotocol/protocolVersion";
const CAPS = "io.modelcontextprotocol/clientCapabilities";
let last = null;

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const tools = [
  { name: "echo", description: "Echoes the message", inputSchema: { type: "object", properties: { message: { type: "string" } }, required: ["message"] } },
  { name: "needs_input", description: "Asks the client for input (MRTR)", inputSchema: { type: "object", properties: {} } },
];

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  if (url.pathname === "/_last") return send(res, 200, last ?? {});
  if (url.pathname !== "/mcp") { res.writeHead(404); return res.end(); }
  if (req.method !== "POST") { res.writeHead(405, { allow: "POST" }); return res.end(); }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  let msg;
  try { msg = JSON.parse(Buffer.concat(chunks).toString("utf8")); } catch { return send(res, 400, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }); }
  const id = msg.id ?? null;
  const reject = (status, code, message, data) => send(res, status, { jsonrpc: "2.0", id, error: { code, message, ...(data ? { data } : {}) } });
  if (msg.id === undefined) { res.writeHead(202); return res.end(); } // notifications
  const header = req.headers["mcp-protocol-version"];
  if (!header) return reject(400, -32020, "Missing MCP-Protocol-Version header");
  const meta = msg.params?._meta ?? {};
  const missing = [PV, CAPS].filter((k) => meta[k] === undefined);
  if (missing.length) return reject(400, -32602, `Invalid params: missing _meta keys: ${missing.join(", ")}`);
  if (meta[PV] !== header) return reject(400, -32020, "MCP-Protocol-Version header does not match _meta");
  if (header !== VERSION) return reject(400, -32022, "Unsupported protocol version", { supported: [VERSION], requested: header });
  if (req.headers["mcp-method"] !== msg.method) return reject(400, -32020, "Mcp-Method header does not match the body");
  last = { meta, headers: { "mcp-protocol-version": header, "mcp-method": req.headers["mcp-method"], "mcp-name": req.headers["mcp-name"] ?? null } };
  const ok = (result) => send(res, 200, { jsonrpc: "2.0", id, result: { resultType: "complete", ...result } });
  switch (msg.method) {
    case "server/discover":
      return ok({ supportedVersions: [VERSION], capabilities: { tools: {} }, ...instructions, cacheScope: "private", ttlMs: 0,
        _meta: { "io.modelcontextprotocol/serverInfo": { name: "modern-mcp", version: "1.0.0" } } });
    case "tools/list":
      return ok({ tools, cacheScope: "private", ttlMs: 0 });
    case "tools/call":
      if (req.headers["mcp-name"] !== msg.params?.name) return reject(400, -32020, "Mcp-Name header does not match the body");
      if (msg.params.name === "echo") return ok({ content: [{ type: "text", text: `Echo: ${msg.params.arguments?.message}` }] });
      if (msg.params.name === "needs_input") return send(res, 200, { jsonrpc: "2.0", id, result: { resultType: "input_required", inputRequests: { confirm: { method: "elicitation/create", params: { message: "Sure?", requestedSchema: { type: "object", properties: {} } } } }, requestState: "s1" } });
      return reject(200, -32602, `Unknown tool ${msg.params?.name}`);
    default:
      return reject(404, -32601, `Method not found: ${msg.method}`);
  }
});
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ ready: true, mcp: `http://127.0.0.1:${server.address().port}/mcp` })));
process.on("SIGTERM", () => process.exit(0));
