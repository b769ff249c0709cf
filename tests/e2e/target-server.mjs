#!/usr/bin/env node
// The TypeScript-SDK MCP server the gateway's security suite attacks (McpServer of @modelcontextprotocol/sdk, as
// server authors write it). It looks resources up the SDK's way, by `new URL(uri).toString()`.
//   node target-server.mjs --stdio   speaks MCP on stdin/stdout
//   node target-server.mjs --http    Streamable HTTP on /mcp (stateful) and legacy HTTP+SSE on /sse + /messages, on
//                                    127.0.0.1 with an ephemeral port; prints {"ready":true,"mcp":...,"sse":...}
// Tools: echo {message}; admin_reset; env (this process's environment as JSON); ask (elicits an answer from the
// client and returns it as "answer: <json>"); pid. Resources: file:///public, file:///secret, demo://notes/secret, and
// the template file:///vault/{name}. Prompts: greeting, secret_prompt. Everything secret says "TOP SECRET".
import http from "node:http";
import { randomUUID } from "node:crypto";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { z } from "zod";

const text = (value) => ({ content: [{ type: "text", text: value }] });
const contents = (uri, value) => ({ contents: [{ uri: uri.href, mimeType: "text/plain", text: value }] });

function createServer() {
  const server = new McpServer({ name: "target-ts", version: "1.0.0" }, { capabilities: { logging: {} } });
  server.registerTool("echo", { description: "Echoes the message", inputSchema: { message: z.string() } }, async ({ message }) => text(`Echo: ${message}`));
  server.registerTool("admin_reset", { description: "Administrative", inputSchema: {} }, async () => text("TOP SECRET reset done"));
  server.registerTool("env", { description: "This process's environment", inputSchema: {} }, async () => text(JSON.stringify(process.env)));
  server.registerTool("pid", { description: "This process's id", inputSchema: {} }, async () => text(String(process.pid)));
  server.registerTool("ask", { description: "Asks the client for an answer (elicitation)", inputSchema: {} }, async () => {
    const result = await server.server.elicitInput({
      message: "Approve?",
      requestedSchema: { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] },
    });
    return text(`answer: ${JSON.stringify(result)}`);
  });
  server.registerResource("public", "file:///public", { mimeType: "text/plain" }, async (uri) => contents(uri, "public text"));
  server.registerResource("secret", "file:///secret", { mimeType: "text/plain" }, async (uri) => contents(uri, "TOP SECRET file"));
  server.registerResource("notes", "demo://notes/secret", { mimeType: "text/plain" }, async (uri) => contents(uri, "TOP SECRET notes"));
  server.registerResource("vault", new ResourceTemplate("file:///vault/{name}", { list: undefined }), { mimeType: "text/plain" },
    async (uri, { name }) => contents(uri, `TOP SECRET vault ${name}`));
  server.registerPrompt("greeting", { description: "Says hello" }, async () => ({ messages: [{ role: "user", content: { type: "text", text: "hello" } }] }));
  server.registerPrompt("secret_prompt", { description: "Administrative" }, async () => ({ messages: [{ role: "user", content: { type: "text", text: "TOP SECRET prompt" } }] }));
  return server;
}

if (process.argv.includes("--stdio")) {
  await createServer().connect(new StdioServerTransport());
} else {
  const streams = new Map();
  const legacy = new Map();
  const read = async (req) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString("utf8");
    try { return JSON.parse(raw); } catch { return undefined; }
  };
  const httpServer = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    try {
      if (url.pathname === "/mcp") {
        const id = req.headers["mcp-session-id"];
        let transport = id ? streams.get(id) : undefined;
        if (id && !transport) {
          res.writeHead(404, { "content-type": "application/json" });
          return res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32001, message: "Session not found" } }));
        }
        if (!transport) {
          transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (sid) => streams.set(sid, transport) });
          transport.onclose = () => transport.sessionId && streams.delete(transport.sessionId);
          await createServer().connect(transport);
        }
        const body = req.method === "POST" ? await read(req) : undefined;
        return await transport.handleRequest(req, res, body);
      }
      if (url.pathname === "/sse" && req.method === "GET") {
        const transport = new SSEServerTransport("/messages", res);
        legacy.set(transport.sessionId, transport);
        res.on("close", () => legacy.delete(transport.sessionId));
        return await createServer().connect(transport);
      }
      if (url.pathname === "/messages" && req.method === "POST") {
        const transport = legacy.get(url.searchParams.get("sessionId"));
        if (!transport) { res.writeHead(404); return res.end("Session not found"); }
        return await transport.handlePostMessage(req, res, await read(req));
      }
      res.writeHead(404);
      res.end();
    } catch (error) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    }
  });
  httpServer.listen(0, "127.0.0.1", () => {
    const base = `http://127.0.0.1:${httpServer.address().port}`;
    console.log(JSON.stringify({ ready: true, mcp: `${base}/mcp`, sse: `${base}/sse`, base }));
  });
  process.on("SIGTERM", () => process.exit(0));
}
