#!/usr/bin/env node
// The gateway benchmark's stdio MCP server: newline-delimited JSON-RPC on stdin/stdout, no SDK, an `echo` tool.
// Small and fast on purpose, so that the gateway's (or supergateway's) own cost per call is what gets measured.
import readline from "node:readline";

const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.trim()) return;
  let msg;
  try { msg = JSON.parse(line); } catch { return out({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }); }
  if (msg.id === undefined || msg.method === undefined) return; // notifications, answers to our (no) requests
  switch (msg.method) {
    case "initialize":
      return out({ jsonrpc: "2.0", id: msg.id, result: { protocolVersion: msg.params?.protocolVersion || "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "bench-echo-stdio", version: "1.0.0" } } });
    case "ping":
      return out({ jsonrpc: "2.0", id: msg.id, result: {} });
    case "tools/list":
      return out({ jsonrpc: "2.0", id: msg.id, result: { tools: [{ name: "echo", description: "Echoes the message", inputSchema: { type: "object", properties: { message: { type: "string" } }, required: ["message"] } }] } });
    case "tools/call":
      return out({ jsonrpc: "2.0", id: msg.id, result: { content: [{ type: "text", text: `Echo: ${msg.params?.arguments?.message ?? ""}` }] } });
    default:
      return out({ jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "Method not found" } });
  }
});
rl.on("close", () => process.exit(0));
