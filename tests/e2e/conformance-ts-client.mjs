#!/usr/bin/env node
// The client under test for `conformance client --command "node conformance-ts-client.mjs <bridge.dll>"`: a 2025-era
// desktop client (the TypeScript SDK's Client, which speaks 2025-11-25 and validates every answer strictly) that starts
// the real bridge over stdio with the server URL the suite appends, then does what the scenario expects: list the
// tools and call them. The bridge translates to whatever era the suite's server speaks (2026-07-28 with
// --spec-version 2026-07-28). The suite's authorization server redirects at once, so the bridge's browser is the
// stand-in browser named in $CONFORMANCE_BROWSER.
//   MCP_CONFORMANCE_SCENARIO, MCP_CONFORMANCE_CONTEXT: set by the suite.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const args = process.argv.slice(2);
const server = args.at(-1);
const bridge = args[0];
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? "";
const tokens = join(tmpdir(), "mcp-auth-proxy-conformance-ts", randomUUID().slice(0, 12));
const bridgeArgs = [bridge, server, "--token-dir", tokens, "--client-metadata-url", "https://conformance-test.local/client-metadata.json", "--debug"];
const context = process.env.MCP_CONFORMANCE_CONTEXT ? JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT) : {};
if (context.client_id) bridgeArgs.push("--oidc-client-id", context.client_id);
if (context.client_secret) bridgeArgs.push("--oidc-client-secret", context.client_secret);
if (context.private_key_pem) {
  mkdirSync(tokens, { recursive: true });
  writeFileSync(join(tokens, "client-key.pem"), context.private_key_pem);
  bridgeArgs.push("--client-private-key", join(tokens, "client-key.pem"));
}
if (scenario.startsWith("auth/client-credentials")) bridgeArgs.push("--auth-flow", "client-credentials");

const env = { ...process.env };
if (process.env.CONFORMANCE_BROWSER) env.BROWSER = process.env.CONFORMANCE_BROWSER;
const transport = new StdioClientTransport({ command: "dotnet", args: bridgeArgs, env, stderr: "inherit" });
const client = new Client({ name: "mcp-auth-proxy-conformance-ts-client", version: "1.0.0" }, { capabilities: { elicitation: {} } });
client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: {} }));

// Arguments for the tools the scenarios offer; any other tool gets its required properties filled with plain values.
function argumentsFor(tool, tools) {
  if (tool.name === "add_numbers") return { a: 5, b: 10 };
  // Echoes back the input schema of the scenario's focal tool, as the client holds it.
  if (tool.name === "json_schema_echo") return { schema: tools.find((t) => t.name !== tool.name)?.inputSchema ?? {} };
  const result = {};
  for (const name of tool.inputSchema?.required ?? []) {
    const type = tool.inputSchema.properties?.[name]?.type;
    result[name] = type === "number" || type === "integer" ? 1 : type === "boolean" ? true : type === "object" ? {} : type === "array" ? [] : "x";
  }
  return result;
}

let code = 0;
const deadline = setTimeout(() => { console.error("[ts-client] timed out"); process.exit(1); }, 55_000);
try {
  await client.connect(transport);
  const { tools } = await client.listTools();
  console.error(`[ts-client] ${tools.length} tools: ${tools.map((t) => t.name).join(", ")}`);
  for (const tool of tools) {
    try {
      const result = await client.callTool({ name: tool.name, arguments: argumentsFor(tool, tools) });
      console.error(`[ts-client] ${tool.name}: ${JSON.stringify(result.content?.map((c) => c.text ?? c.type))}`);
    } catch (e) {
      // A tool that fails is the scenario's business (it checks what it saw); the client goes on.
      console.error(`[ts-client] ${tool.name} failed: ${e.message}`);
    }
  }
} catch (e) {
  console.error(`[ts-client] failed: ${e?.stack ?? e}`);
  code = 1;
} finally {
  clearTimeout(deadline);
  await client.close().catch(() => {});
  rmSync(tokens, { recursive: true, force: true });
}
process.exit(code);
