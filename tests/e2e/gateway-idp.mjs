#!/usr/bin/env node
// Test OIDC provider for the gateway's end-to-end tests (panva/oidc-provider 9, after harness.md section 4).
// Binds 127.0.0.1 on an ephemeral port (PORT=0 by default), builds the issuer from the bound port, and prints
// one JSON line {"ready":true,"issuer":...} on stdout. Access tokens are RFC 9068 JWTs whose aud is the
// requested resource (RFC 8707); any http://127.0.0.1 or http://localhost resource is accepted (test only).
// Clients: public native "mcp-public" (PKCE, any loopback redirect), confidential "mcp-confidential"/"test-secret"
// (client_credentials and introspection too), confidential native "mcp-gateway"/"gateway-secret" (the gateway's own client
// when it fronts this provider), and open dynamic registration unless REGISTRATION=0. REQUIRE_TOKEN_PARAM=name=value makes
// the token endpoint refuse requests without that parameter (as Auth0 wants its audience). Login and consent are automatic.
// POST /_control/rotate[?drop=1] rotates the signing key (see below).
import http from "node:http";
import crypto from "node:crypto";
import Provider, { errors } from "oidc-provider";

const env = process.env;
const SCOPES = env.SCOPES || "mcp:tools mcp:admin";
const ACCOUNT = env.ACCOUNT || "test-user";
const AT_TTL = +(env.AT_TTL || 3600);
const AT_FORMAT = env.AT_FORMAT || "jwt"; // "opaque" tokens can be introspected at /token/introspection

const server = http.createServer();
await new Promise((resolve) => server.listen(+(env.PORT || 0), "127.0.0.1", resolve));
const ISSUER = `http://127.0.0.1:${server.address().port}`;
const isLocalResource = (r) => /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(r);

// Signing keys, newest first (oidc-provider signs with the first). POST /_control/rotate puts a new key first and keeps
// the old ones published (?drop=1 drops them): the provider is built again with them, as a restart with new keys would.
let signingKeys = [];
let rotations = 0;
function newSigningKey() {
  const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid: rotations === 0 ? "gateway-test-rs256" : `gateway-test-rs256-${rotations}`, use: "sig", alg: "RS256" };
}
signingKeys = [newSigningKey()];
const callbacks = ["http://127.0.0.1/oauth/callback", "http://localhost/oauth/callback", "http://127.0.0.1/auth/callback"];

function build() {
const provider = new Provider(ISSUER, {
  clients: [
    { client_id: "mcp-public", application_type: "native", token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], redirect_uris: callbacks },
    { client_id: "mcp-gateway", client_secret: "gateway-secret", application_type: "native",
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], redirect_uris: callbacks },
    { client_id: "mcp-confidential", client_secret: "test-secret", application_type: "web",
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: ["authorization_code", "refresh_token", "client_credentials"], response_types: ["code"], redirect_uris: callbacks },
  ],
  clientAuthMethods: ["none", "client_secret_basic", "client_secret_post"],
  jwks: { keys: signingKeys },
  cookies: { keys: ["gateway-test-cookie-key"] },
  scopes: ["openid", "offline_access", ...SCOPES.split(" ")],
  findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  pkce: { required: (_ctx, client) => client.clientAuthMethod === "none" },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    registration: { enabled: env.REGISTRATION !== "0" },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resource) => {
        if (!isLocalResource(resource)) throw new errors.InvalidTarget(`unknown resource ${resource}`);
        return { scope: SCOPES, audience: resource, accessTokenTTL: AT_TTL, accessTokenFormat: AT_FORMAT, ...(AT_FORMAT === "jwt" ? { jwt: { sign: { alg: "RS256" } } } : {}) };
      },
    },
  },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
  ttl: { AccessToken: () => AT_TTL, ClientCredentials: () => AT_TTL, Interaction: () => 600, Session: () => 3600, Grant: () => 3600, IdToken: () => 3600, RefreshToken: () => 3600 },
  clientBasedCORS: () => true,
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => { ctx.type = "json"; ctx.body = out; },
});

provider.use(async (ctx, next) => {
  if (ctx.path === "/.well-known/oauth-authorization-server") ctx.path = "/.well-known/openid-configuration";
  await next();
  if (env.LOG === "1") console.error(`[idp] ${ctx.method} ${ctx.originalUrl} -> ${ctx.status}`);
});

// An extra parameter the token endpoint insists on (REQUIRE_TOKEN_PARAM=audience=mcp_api), checked before oidc-provider
// reads the body, which it then takes from ctx.request.body.
if (env.REQUIRE_TOKEN_PARAM) {
  const [name, value] = env.REQUIRE_TOKEN_PARAM.split("=");
  provider.use(async (ctx, next) => {
    if (ctx.method !== "POST" || ctx.path !== "/token") return next();
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    const raw = Buffer.concat(chunks).toString();
    if (new URLSearchParams(raw).get(name) !== value) {
      ctx.status = 400;
      ctx.body = { error: "invalid_request", error_description: `${name} must be ${value}` };
      return;
    }
    ctx.request.body = raw;
    return next();
  });
}

provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (!m || ctx.method !== "GET") return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params, session } = details;
  let result;
  if (prompt.name === "login") {
    result = { login: { accountId: params.login_hint || ACCOUNT } };
  } else {
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const d = prompt.details;
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(" "));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(d.missingResourceScopes || {})) grant.addResourceScope(indicator, scopes.join(" "));
    result = { consent: { grantId: await grant.save() } };
  }
  ctx.respond = false;
  await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
});

return provider;
}

let provider = build();
let handle = provider.callback();
server.on("request", (req, res) => {
  const url = new URL(req.url, ISSUER);
  if (req.method === "POST" && url.pathname === "/_control/rotate") {
    rotations++;
    signingKeys = [newSigningKey(), ...(url.searchParams.get("drop") === "1" ? [] : signingKeys)];
    provider = build();
    handle = provider.callback();
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify({ kid: signingKeys[0].kid, published: signingKeys.map((k) => k.kid) }));
  }
  return handle(req, res);
});
console.log(JSON.stringify({ ready: true, issuer: ISSUER }));
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
