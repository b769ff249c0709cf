#!/usr/bin/env node
// A stand-in browser for sign-in tests: follows redirects with a cookie jar, starting at argv[2], until a
// redirect leaves the authorization server for a loopback callback, then loads that callback once.
const start = process.argv[2];
const issuerOrigin = new URL(start).origin;
const jar = new Map();
let url = start;
for (let hop = 0; hop < 20; hop++) {
  const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const res = await fetch(url, { redirect: "manual", headers: cookie ? { cookie } : {} });
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const i = pair.indexOf("=");
    jar.set(pair.slice(0, i), pair.slice(i + 1));
  }
  const location = res.headers.get("location");
  if (!location) {
    console.error(`[browser] stopped at ${url} with ${res.status}`);
    process.exit(new URL(url).origin === issuerOrigin ? 1 : 0);
  }
  url = new URL(location, url).toString();
  if (new URL(url).origin !== issuerOrigin) {
    const done = await fetch(url);
    console.error(`[browser] callback ${done.status}`);
    process.exit(0);
  }
}
process.exit(1);
