// A minimal stdio MCP server for the gateway's restart tests: newline-delimited JSON-RPC by hand.
// Tools: "echo" (returns "Echo: <message>") and "crash" (exits the process with code 3).
import { createInterface } from "node:readline";

const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.trim()) return;
  const msg = JSON.parse(line);
  if (msg.id === undefined || msg.method === undefined) return;
  switch (msg.method) {
    case "initialize":
      send({ jsonrpc: "2.0", id: msg.id, result: { protocolVersion: msg.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "crash-server", version: String(process.pid) } } });
      break;
    case "ping":
      send({ jsonrpc: "2.0", id: msg.id, result: {} });
      break;
    case "tools/list":
      send({ jsonrpc: "2.0", id: msg.id, result: { tools: [
        { name: "echo", inputSchema: { type: "object", properties: { message: { type: "string" } } } },
        { name: "crash", inputSchema: { type: "object" } },
        { name: "pid", inputSchema: { type: "object" } },
      ] } });
      break;
    case "tools/call":
      if (msg.params.name === "crash") process.exit(3);
      if (msg.params.name === "pid") {
        send({ jsonrpc: "2.0", id: msg.id, result: { content: [{ type: "text", text: String(process.pid) }] } });
        break;
      }
      send({ jsonrpc: "2.0", id: msg.id, result: { content: [{ type: "text", text: "Echo: " + (msg.params.arguments?.message ?? "") }] } });
      break;
    default:
      send({ jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "Method not found" } });
  }
});
