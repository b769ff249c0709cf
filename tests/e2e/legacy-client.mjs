#!/usr/bin/env node
// A 2025-era desktop client: the TypeScript SDK's Client over stdio, which starts `command args...` (the bridge),
// initializes, lists tools and calls them. Prints one JSON line with what it saw.
//   node legacy-client.mjs <command> [args...]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [command, ...args] = process.argv.slice(2);
const transport = new StdioClientTransport({ command, args, stderr: "inherit", env: { ...process.env } });
const client = new Client({ name: "legacy-client", version: "1.0.0" });
const out = {};
try {
  await client.connect(transport);
  out.protocolVersion = transport._protocolVersion ?? null;
  out.server = client.getServerVersion();
  out.instructions = client.getInstructions();
  out.tools = (await client.listTools()).tools.map((t) => t.name);
  const echo = await client.callTool({ name: "echo", arguments: { message: "from 2025" } });
  out.echo = echo.content?.[0]?.text;
  try {
    await client.callTool({ name: "needs_input", arguments: {} });
    out.needsInput = "no error";
  } catch (e) {
    out.needsInput = String(e.message);
  }
} catch (e) {
  out.error = String(e?.stack ?? e);
}
console.log(JSON.stringify(out));
await client.close().catch(() => {});
process.exit(out.error ? 1 : 0);
