#!/usr/bin/env node
// The gateway benchmark's upstream: a deliberately small and fast MCP server over Streamable HTTP (node:http only, no
// SDK), so that what a proxy in front of it adds is visible. It answers every POST with plain JSON (never SSE):
// initialize, notifications (202), ping, tools/list and tools/call `echo` ({"content":[{"type":"text","text":"Echo: <message>"}]}).
// It does not look at Authorization (the proxies in front of it do, or not; the gateway strips it).
// Stateless by default: no Mcp-Session-Id. With SESSIONS=1, initialize hands out an Mcp-Session-Id and later requests
// must carry a known one (404 otherwise); DELETE ends it.
// Binds 127.0.0.1 on an ephemeral port (PORT=0) and prints one JSON line {"ready":true,"url":...,"port":...}.
import http from "node:http";
import { randomUUID } from "node:crypto";

const SESSIONS = process.env.SESSIONS === "1";
const sessions = new Set();
const stats = { posts: 0, calls: 0, sessions: 0, authHeaders: 0 };

function reply(res, status, obj, headers = {}) {
  const body = obj === undefined ? "" : JSON.stringify(obj);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

function answer(msg) {
  switch (msg.method) {
    case "initialize":
      return { protocolVersion: msg.params?.protocolVersion || "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "bench-echo-http", version: "1.0.0" } };
    case "ping":
      return {};
    case "tools/list":
      return { tools: [{ name: "echo", description: "Echoes the message", inputSchema: { type: "object", properties: { message: { type: "string" } }, required: ["message"] } }] };
    case "tools/call":
      stats.calls++;
      if (msg.params?.name !== "echo") return { content: [{ type: "text", text: "unknown tool" }], isError: true };
      return { content: [{ type: "text", text: `Echo: ${msg.params?.arguments?.message ?? ""}` }] };
    default:
      return undefined;
  }
}

const server = http.createServer((req, res) => {
  if (req.url === "/_stats") return reply(res, 200, { ...stats, open: sessions.size });
  if (!req.url.startsWith("/mcp")) return reply(res, 404, { error: "not found" });
  if (req.headers.authorization) stats.authHeaders++;
  const sid = req.headers["mcp-session-id"];
  if (req.method === "DELETE") { if (sid) sessions.delete(sid); res.writeHead(200); return res.end(); }
  if (req.method === "GET") { res.writeHead(405, { allow: "POST, DELETE" }); return res.end(); }
  if (req.method !== "POST") { res.writeHead(405); return res.end(); }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    stats.posts++;
    let msg;
    try { msg = JSON.parse(Buffer.concat(chunks).toString("utf8")); } catch { return reply(res, 400, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }); }
    const headers = {};
    if (SESSIONS) {
      if (msg.method === "initialize") {
        const id = randomUUID();
        sessions.add(id); stats.sessions++;
        headers["mcp-session-id"] = id;
      } else if (!sid || !sessions.has(sid)) {
        return reply(res, 404, { jsonrpc: "2.0", id: msg.id ?? null, error: { code: -32001, message: "Session not found" } });
      }
    }
    if (msg.id === undefined) { res.writeHead(202, headers); return res.end(); }
    const result = answer(msg);
    if (result === undefined) return reply(res, 200, { jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "Method not found" } }, headers);
    reply(res, 200, { jsonrpc: "2.0", id: msg.id, result }, headers);
  });
});
server.keepAliveTimeout = 120000;
server.headersTimeout = 121000;
server.listen(+(process.env.PORT || 0), "127.0.0.1", () => {
  const port = server.address().port;
  console.log(JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}/mcp`, port }));
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
