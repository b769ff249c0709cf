#!/usr/bin/env node
// The official MCP JSON schemas (the specification's schema.json of each protocol version), as the conformance suite
// ships them inside its bundle (node_modules/conformance-next, @modelcontextprotocol/conformance 0.2.0-alpha.12, whose
// sync-schema script copies them from the specification). Prints one JSON object: { "<version>": <schema>, ... }.
//   node spec-schemas.mjs [out.json]
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import vm from "node:vm";

const require = createRequire(import.meta.url);
const bundle = readFileSync(require.resolve("conformance-next/dist/index.js"), "utf8");
// The bundle declares the schemas one after the other, then maps versions to them: `const X={"2025-03-26":A,...}`.
const map = /const (\w+)=\{"2025-03-26":(\w+),"2025-06-18":(\w+),"2025-11-25":(\w+),\[\w+\]:(\w+)\};/.exec(bundle);
if (!map) throw new Error("schema map not found in the conformance bundle; its layout changed");
const [, , v0326, v0618, v1125, v0728] = map;
const start = bundle.indexOf(`${v0326}={$schema:`);
if (start < 0) throw new Error("first schema not found in the conformance bundle");
const declarations = bundle.slice(start, map.index).replace(/[;,]$/, "");
const context = {};
vm.runInNewContext(`var ${declarations}; result = { "2025-03-26": ${v0326}, "2025-06-18": ${v0618}, "2025-11-25": ${v1125}, "2026-07-28": ${v0728} };`, context);
const text = JSON.stringify(context.result);
if (process.argv[2]) writeFileSync(process.argv[2], text);
else process.stdout.write(text + "\n");
