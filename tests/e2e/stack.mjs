#!/usr/bin/env node
// A real OAuth-protected MCP deployment for the integration tests, on 127.0.0.1 with ephemeral ports:
//   - an OpenID Connect provider (panva/oidc-provider) that signs users in without a person (auto login and consent),
//     issues RS256 JWT access tokens whose `aud` is the MCP resource, refresh tokens, and supports DCR and revocation;
//   - an MCP server (the TypeScript SDK) that validates those tokens (signature via JWKS, issuer, audience, expiry),
//     answers 401 with an RFC 9728 challenge, 403 insufficient_scope for the `admin` tool, and speaks both
//     Streamable HTTP (/mcp) and the legacy HTTP+SSE transport (/sse + /messages).
// Prints one JSON line {"ready":true,"issuer":...,"mcp":...,"sse":...} on stdout once both listen.
//
// Env: AT_TTL (seconds, default 3600), RT_ROTATE=1|0 (default 1), AUTO_LOGIN=1|0 (default 1), DENY=1 (answer
// access_denied), SCOPES (resource scopes, default "mcp:tools mcp:admin"), ISS_PARAM=1|0 (RFC 9207 `iss`, default 1),
// PRM=1|0 (serve protected resource metadata and the challenge's resource_metadata, default 1).
// Control (for tests): POST {mcp origin}/_control/reject-next?count=N makes the next N authenticated MCP requests
// fail with 401 invalid_token; POST {mcp origin}/_control/drop forgets all sessions and cuts all streams;
// GET {mcp origin}/_stats returns counters.
import http from "node:http";
import crypto from "node:crypto";
import { randomUUID } from "node:crypto";
import Provider, { errors } from "oidc-provider";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { z } from "zod";

const env = process.env;
const AT_TTL = +(env.AT_TTL || 3600);
const AUTO = (env.AUTO_LOGIN ?? "1") === "1";
const DENY = env.DENY === "1";
const RS_SCOPES = (env.SCOPES || "mcp:tools mcp:admin").split(" ");
const PRM = (env.PRM ?? "1") === "1";

function listen(server) {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
}

// ---------- the MCP server's listener comes first, so the provider knows the resource URL ----------
const mcpHttp = http.createServer();
const mcpPort = await listen(mcpHttp);
const MCP_ORIGIN = `http://127.0.0.1:${mcpPort}`;
const RESOURCES = [`${MCP_ORIGIN}/mcp`, `${MCP_ORIGIN}/sse`];

// ---------- the identity provider ----------
const idpHttp = http.createServer();
const idpPort = await listen(idpHttp);
const ISSUER = `http://127.0.0.1:${idpPort}`;

const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "stack-rs256", use: "sig", alg: "RS256" };
const loopback = (path) => [`http://127.0.0.1:8976${path}`, `http://localhost:8976${path}`];
const redirects = [...loopback("/auth/callback"), ...loopback("/callback"), ...loopback("/oauth/callback")];

const provider = new Provider(ISSUER, {
  clients: [
    {
      client_id: "mcp-public",
      client_name: "MCP bridge (public)",
      application_type: "native",
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
      response_types: ["code"],
      redirect_uris: redirects,
    },
    {
      client_id: "mcp-confidential",
      client_secret: "test-secret",
      client_name: "MCP bridge (confidential)",
      application_type: "native",
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: ["authorization_code", "refresh_token", "client_credentials"],
      response_types: ["code"],
      redirect_uris: redirects,
    },
  ],
  clientAuthMethods: ["none", "client_secret_basic", "client_secret_post"],
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(16).toString("hex")] },
  scopes: ["openid", "offline_access", "profile", "email", ...RS_SCOPES],
  claims: { openid: ["sub"], profile: ["name"], email: ["email", "email_verified"] },
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, name: `Test ${id}`, email: `${id}@example.test`, email_verified: true }),
  }),
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: !AUTO },
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    registration: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf ?? RESOURCES[0],
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resource) => {
        if (!RESOURCES.includes(resource)) throw new errors.InvalidTarget(`unknown resource ${resource}`);
        return { scope: RS_SCOPES.join(" "), audience: resource, accessTokenTTL: AT_TTL, accessTokenFormat: "jwt", jwt: { sign: { alg: "RS256" } } };
      },
    },
  },
  rotateRefreshToken: (env.RT_ROTATE ?? "1") === "1",
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
  ttl: { AccessToken: () => AT_TTL, ClientCredentials: () => AT_TTL, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 14 * 24 * 3600, RefreshToken: 14 * 24 * 3600 },
  clientBasedCORS: () => true,
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => { ctx.type = "json"; ctx.body = out; },
});
provider.proxy = false;

// RFC 8414 alias: MCP clients try /.well-known/oauth-authorization-server first.
provider.use(async (ctx, next) => {
  if (ctx.path === "/.well-known/oauth-authorization-server") ctx.path = "/.well-known/openid-configuration";
  await next();
  if (ctx.path === "/.well-known/openid-configuration" && ctx.body && (env.ISS_PARAM ?? "1") === "0") {
    delete ctx.body.authorization_response_iss_parameter_supported;
  }
});

// Sign the user in without a person: login, then consent to every scope asked for.
if (AUTO) {
  provider.use(async (ctx, next) => {
    const m = /^\/interaction\/([^/]+)$/.exec(ctx.path);
    if (ctx.method !== "GET" || !m) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    let result;
    if (DENY) {
      result = { error: "access_denied", error_description: "The user said no." };
    } else if (details.prompt.name === "login") {
      result = { login: { accountId: "test-user" } };
    } else {
      const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      const missing = details.prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) grant.addResourceScope(indicator, scopes.join(" "));
      result = { consent: { grantId: await grant.save() } };
    }
    ctx.respond = false;
    await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  });
}
idpHttp.on("request", provider.callback());

// ---------- the MCP server ----------
const jwks = createRemoteJWKSet(new URL(`${ISSUER}/jwks`));
const stats = { unauthorized: 0, forbidden: 0, ok: 0, rejectedOnPurpose: 0, sessions: 0, deleted: 0 };
let rejectNext = 0;
const PRM_URL = `${MCP_ORIGIN}/.well-known/oauth-protected-resource/mcp`;

function challenge(res, status, error, description, scope) {
  const params = [];
  if (error) params.push(`error="${error}"`, `error_description="${description}"`);
  if (scope) params.push(`scope="${scope}"`);
  if (PRM) params.push(`resource_metadata="${PRM_URL}"`);
  res.writeHead(status, { "WWW-Authenticate": `Bearer ${params.join(", ")}`.trim(), "content-type": "application/json" });
  res.end(JSON.stringify({ error: error || "unauthorized", error_description: description }));
}

async function authenticate(req, res) {
  const m = /^Bearer (.+)$/i.exec(req.headers.authorization || "");
  if (!m) { stats.unauthorized++; challenge(res, 401, null, null, "mcp:tools"); return null; }
  if (rejectNext > 0) { rejectNext--; stats.rejectedOnPurpose++; challenge(res, 401, "invalid_token", "token revoked", null); return null; }
  try {
    const { payload } = await jwtVerify(m[1], jwks, { issuer: ISSUER, audience: RESOURCES });
    return { token: m[1], clientId: payload.client_id, scopes: String(payload.scope || "").split(" ").filter(Boolean), extra: { sub: payload.sub } };
  } catch (e) {
    stats.unauthorized++;
    challenge(res, 401, "invalid_token", String(e.code || e.message).replace(/"/g, "'"), null);
    return null;
  }
}

function newServer() {
  const server = new McpServer({ name: "stack-mcp", version: "1.0.0" }, { capabilities: { logging: {} }, instructions: "A test server behind OAuth." });
  server.registerTool("echo", { description: "Echoes the message", inputSchema: { message: z.string() } },
    async ({ message }) => ({ content: [{ type: "text", text: `Echo: ${message}` }] }));
  server.registerTool("add", { description: "Adds two numbers", inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }));
  server.registerTool("slow", { description: "Answers after ms milliseconds", inputSchema: { ms: z.number(), label: z.string() } },
    async ({ ms, label }) => { await new Promise((r) => setTimeout(r, ms)); return { content: [{ type: "text", text: label }] }; });
  server.registerTool("whoami", { description: "The token's subject and scopes" },
    async (extra) => ({ content: [{ type: "text", text: JSON.stringify({ sub: extra.authInfo?.extra?.sub, scopes: extra.authInfo?.scopes, client: extra.authInfo?.clientId }) }] }));
  server.registerTool("ask_llm", { description: "Asks the client's model (sampling)", inputSchema: { prompt: z.string() } },
    async ({ prompt }) => {
      const r = await server.server.createMessage({ messages: [{ role: "user", content: { type: "text", text: prompt } }], maxTokens: 50 });
      return { content: [{ type: "text", text: `model said: ${r.content.text}` }] };
    });
  server.registerTool("ask_user", { description: "Asks the user (elicitation)" },
    async () => {
      const r = await server.server.elicitInput({ message: "Your name?", requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } });
      return { content: [{ type: "text", text: `user said: ${r.action} ${r.content?.name ?? ""}` }] };
    });
  server.registerTool("progress", { description: "Reports progress three times" },
    async (extra) => {
      for (let i = 1; i <= 3; i++) {
        if (extra._meta?.progressToken !== undefined) await extra.sendNotification({ method: "notifications/progress", params: { progressToken: extra._meta.progressToken, progress: i, total: 3 } });
      }
      // Related to the request, so it travels on the request's own stream (the GET stream may not be open yet).
      await extra.sendNotification({ method: "notifications/message", params: { level: "info", data: "progress done" } });
      return { content: [{ type: "text", text: "done" }] };
    });
  server.registerTool("admin", { description: "Needs the mcp:admin scope" },
    async () => ({ content: [{ type: "text", text: "admin ok" }] }));
  return server;
}

const streamable = new Map(); // session id -> transport
const sse = new Map(); // session id -> transport

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

function needsAdmin(body) {
  const msgs = Array.isArray(body) ? body : [body];
  return msgs.some((m) => m && m.method === "tools/call" && m.params?.name === "admin");
}

mcpHttp.on("request", async (req, res) => {
  try {
    const url = new URL(req.url, MCP_ORIGIN);
    if (url.pathname === "/_stats") { res.writeHead(200, { "content-type": "application/json" }); return res.end(JSON.stringify(stats)); }
    if (url.pathname === "/_control/reject-next" && req.method === "POST") { rejectNext = +(url.searchParams.get("count") || 1); res.writeHead(204); return res.end(); }
    if (url.pathname === "/_control/drop" && req.method === "POST") {
      // Forget every session and cut every stream, as a server restart would.
      for (const t of sse.values()) t.close?.();
      for (const t of streamable.values()) t.close?.();
      sse.clear(); streamable.clear(); stats.dropped = (stats.dropped || 0) + 1;
      res.writeHead(204); return res.end();
    }
    if (PRM && (url.pathname === "/.well-known/oauth-protected-resource/mcp" || url.pathname === "/.well-known/oauth-protected-resource/sse" || url.pathname === "/.well-known/oauth-protected-resource")) {
      const resource = url.pathname.endsWith("/sse") ? RESOURCES[1] : RESOURCES[0];
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ resource, authorization_servers: [ISSUER], scopes_supported: RS_SCOPES, bearer_methods_supported: ["header"] }));
    }
    if (!["/mcp", "/sse", "/messages"].includes(url.pathname)) { res.writeHead(404); return res.end(); }

    const auth = await authenticate(req, res);
    if (!auth) return;
    req.auth = auth;
    const body = req.method === "POST" ? await readBody(req) : undefined;
    if (body && needsAdmin(body) && !auth.scopes.includes("mcp:admin")) {
      stats.forbidden++;
      return challenge(res, 403, "insufficient_scope", "the admin tool needs mcp:admin", "mcp:tools mcp:admin");
    }
    stats.ok++;

    if (url.pathname === "/mcp") {
      const sid = req.headers["mcp-session-id"];
      let transport = sid ? streamable.get(sid) : undefined;
      if (!transport) {
        if (sid || req.method !== "POST") { res.writeHead(404, { "content-type": "application/json" }); return res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null })); }
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => { streamable.set(id, transport); stats.sessions++; },
        });
        transport.onclose = () => { if (transport.sessionId) streamable.delete(transport.sessionId); };
        await newServer().connect(transport);
      }
      if (req.method === "DELETE") stats.deleted = (stats.deleted || 0) + 1;
      return transport.handleRequest(req, res, body);
    }
    if (url.pathname === "/sse" && req.method === "GET") {
      const transport = new SSEServerTransport("/messages", res);
      sse.set(transport.sessionId, transport);
      res.on("close", () => sse.delete(transport.sessionId));
      stats.sessions++;
      return newServer().connect(transport);
    }
    if (url.pathname === "/messages" && req.method === "POST") {
      const transport = sse.get(url.searchParams.get("sessionId"));
      if (!transport) { res.writeHead(404); return res.end("unknown session"); }
      return transport.handlePostMessage(req, res, body);
    }
    res.writeHead(405); res.end();
  } catch (e) {
    if (!res.headersSent) res.writeHead(500);
    res.end(String(e));
  }
});

console.log(JSON.stringify({ ready: true, issuer: ISSUER, mcp: `${MCP_ORIGIN}/mcp`, sse: `${MCP_ORIGIN}/sse`, origin: MCP_ORIGIN }));
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
