// A minimal stdio MCP server for the gateway's restart and shared-process tests: newline-delimited JSON-RPC by hand.
// Tools: "echo" (returns "Echo: <message>"; arguments.delayMs answers later; a progressToken in _meta gets one
// notifications/progress first, its message naming the echoed message), "crash" (exits the process with code 3),
// "pid" (the process id), "list-changed" (sends notifications/tools/list_changed), "roots" (asks the client roots/list
// and returns its answer, result or error, as JSON text).
import { createInterface } from "node:readline";

const send = (message) => process.stdout.write(JSON.stringify({ jsonrpc: "2.0", ...message }) + "\n");
const text = (id, value) => send({ id, result: { content: [{ type: "text", text: value }] } });
const asked = new Map();
let serverRequests = 0;
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.trim()) return;
  const msg = JSON.parse(line);
  if (msg.method === undefined && msg.id !== undefined) {
    // The client's answer to one of our requests.
    const callId = asked.get(msg.id);
    if (callId !== undefined) {
      asked.delete(msg.id);
      text(callId, JSON.stringify(msg.error !== undefined ? { error: msg.error } : msg.result));
    }
    return;
  }
  if (msg.id === undefined || msg.method === undefined) return;
  switch (msg.method) {
    case "initialize":
      send({ id: msg.id, result: { protocolVersion: msg.params.protocolVersion, capabilities: { tools: { listChanged: true } }, serverInfo: { name: "crash-server", version: String(process.pid) } } });
      break;
    case "ping":
      send({ id: msg.id, result: {} });
      break;
    case "tools/list":
      send({ id: msg.id, result: { tools: [
        { name: "echo", inputSchema: { type: "object", properties: { message: { type: "string" }, delayMs: { type: "number" } } } },
        { name: "crash", inputSchema: { type: "object" } },
        { name: "pid", inputSchema: { type: "object" } },
        { name: "list-changed", inputSchema: { type: "object" } },
        { name: "roots", inputSchema: { type: "object" } },
      ] } });
      break;
    case "tools/call": {
      const name = msg.params.name;
      if (name === "crash") process.exit(3);
      if (name === "pid") {
        text(msg.id, String(process.pid));
        break;
      }
      if (name === "list-changed") {
        send({ method: "notifications/tools/list_changed" });
        text(msg.id, "sent");
        break;
      }
      if (name === "roots") {
        const serverId = "srv-" + ++serverRequests;
        asked.set(serverId, msg.id);
        send({ id: serverId, method: "roots/list" });
        break;
      }
      const message = msg.params.arguments?.message ?? "";
      const token = msg.params._meta?.progressToken;
      const reply = () => {
        if (token !== undefined) send({ method: "notifications/progress", params: { progressToken: token, progress: 1, total: 1, message: "progress " + message } });
        text(msg.id, "Echo: " + message);
      };
      const delay = Number(msg.params.arguments?.delayMs ?? 0);
      if (delay > 0) setTimeout(reply, delay); else reply();
      break;
    }
    default:
      send({ id: msg.id, error: { code: -32601, message: "Method not found" } });
  }
});
