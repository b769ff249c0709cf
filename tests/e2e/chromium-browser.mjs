#!/usr/bin/env node
// A real browser for sign-in tests, started by the product through $BROWSER: Debian's Chromium, headless, driven by
// playwright-core (no browser download; the machine's /usr/bin/chromium). The authorization URL is the last argument.
// It opens the URL (the gateway's /authorize), waits for the gateway's consent page (the form posting to
// /authorize/consent), takes a full-page screenshot, records the page's response headers, presses Allow, checks that
// Chromium kept the gateway's __Host- consent cookie, then lets the identity provider's pages run (oidc-provider from
// gateway-idp.mjs signs in by itself; the embedded IdP's sign-in form is filled in and its consent page allowed) until
// the browser lands on the MCP client's loopback callback page and that page has loaded. Exit 0 then; 1 on any failure.
//   CHROMIUM               the Chromium executable (default /usr/bin/chromium)
//   CONSENT_SCREENSHOT     where to write the consent page's full-page PNG (none when unset)
//   CONSENT_HEADERS        where to write the consent page's HTTP response headers as JSON (none when unset)
//   TEST_BROWSER_LOG       file to append every log line to as well (the product drops a browser's stderr)
//   TEST_BROWSER_USER / TEST_BROWSER_PASSWORD   what to type into a provider's sign-in form
//   TEST_BROWSER_TIMEOUT_MS                     give up after this long (default 30000)
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const env = process.env;
const startedAt = Date.now();
const logFile = env.TEST_BROWSER_LOG;
function log(line) {
  const text = `[chromium-browser +${Date.now() - startedAt}ms] ${line}`;
  console.error(text);
  if (logFile) fs.appendFileSync(logFile, `${new Date().toISOString()} ${text}\n`);
}

let browser;
async function fail(message) {
  log(`FAILED: ${message}`);
  try { await browser?.close(); } catch { /* already gone */ }
  process.exit(1);
}

const url = process.argv.at(-1);
if (!url || !/^https?:\/\//.test(url)) await fail("usage: chromium-browser.mjs URL");
log(`open ${url}`);

const executablePath = env.CHROMIUM || "/usr/bin/chromium";
if (!fs.existsSync(executablePath)) {
  await fail(`no Chromium at ${executablePath}: install it with ` +
    "'apt-get install -y --no-install-recommends chromium' (./test.sh does), or set CHROMIUM");
}

const timeoutMs = +(env.TEST_BROWSER_TIMEOUT_MS || 30000);
let where = url;
setTimeout(() => fail(`timed out after ${timeoutMs / 1000} s; the page was ${where}`), timeoutMs).unref();

const gatewayOrigin = new URL(url).origin;
const consentPath = "/authorize/consent";
const isLoopback = (u) => u.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);

// The flags this machine needs (its closed network refuses Chromium's background connections). Playwright starts
// Chromium with a fresh temporary --user-data-dir of its own and adds --headless.
browser = await chromium.launch({
  executablePath,
  headless: true,
  timeout: timeoutMs,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
log(`launched ${executablePath} (Chromium ${browser.version()})`);
const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
const page = await context.newPage();
page.setDefaultTimeout(timeoutMs);

// Every navigation of the main frame, redirects included, and the last HTML document the frame received.
let providerOrigin = null; // the first origin other than the gateway's that the browser goes to after Allow
let allowed = false;
let backAtGateway = false; // the provider sent the browser back to the gateway's /oauth/callback
let lastDocument = null;
page.on("request", (request) => {
  if (!request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
  const target = new URL(request.url());
  log(`navigate ${request.method()} ${target.origin}${target.pathname}${request.redirectedFrom() ? " (redirect)" : ""}`);
  if (allowed && target.origin !== gatewayOrigin && providerOrigin === null) providerOrigin = target.origin;
  if (target.origin === gatewayOrigin && target.pathname === "/oauth/callback") backAtGateway = true;
});
page.on("response", (response) => {
  const request = response.request();
  if (!request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
  log(`response ${response.status()} ${new URL(response.url()).pathname}`);
  if (response.status() >= 200 && response.status() < 300) lastDocument = response;
});
let documents = 0; // documents committed in the main frame: a page is acted on once (a sign-in page may come back at the same URL)
page.on("framenavigated", (frame) => {
  if (frame !== page.mainFrame()) return;
  where = frame.url();
  documents++;
});

// 1. The gateway's consent page.
await page.goto(url, { waitUntil: "load" });
const consentForm = page.locator(`form[action$="${consentPath}"]`);
await consentForm.waitFor({ state: "visible" });
const consentUrl = new URL(page.url());
if (consentUrl.origin !== gatewayOrigin) await fail(`the consent form is on ${consentUrl.origin}, not the gateway's ${gatewayOrigin}`);
log(`consent page shown: "${await page.title()}" at ${consentUrl.origin}${consentUrl.pathname}`);
const headers = lastDocument ? await lastDocument.allHeaders() : {};
log(`consent page headers ${JSON.stringify(headers)}`);
if (env.CONSENT_HEADERS) fs.writeFileSync(env.CONSENT_HEADERS, JSON.stringify(headers, null, 2));
if (env.CONSENT_SCREENSHOT) {
  fs.mkdirSync(path.dirname(path.resolve(env.CONSENT_SCREENSHOT)), { recursive: true });
  await page.screenshot({ path: env.CONSENT_SCREENSHOT, fullPage: true });
  log(`screenshot ${path.resolve(env.CONSENT_SCREENSHOT)}`);
}

// 2. Allow, as the user would; the gateway answers with a consent cookie and a redirect to the provider.
const answered = page.waitForResponse((r) => r.url() === gatewayOrigin + consentPath && r.request().method() === "POST");
allowed = true;
await consentForm.locator("button[value=allow]").click();
const answer = await answered;
log(`consent answer ${answer.status()} ${answer.headers().location ? "-> " + new URL(answer.headers().location).origin : ""}`);
if (answer.status() !== 303 && answer.status() !== 302) {
  await fail(`the gateway refused the consent answer with ${answer.status()}: ${(await answer.text()).replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300)}`);
}

// 3. Chromium must have kept the consent cookie (a __Host- cookie, Secure, on plain http://127.0.0.1).
let consentCookie;
for (let i = 0; i < 50 && !consentCookie; i++) {
  consentCookie = (await context.cookies(gatewayOrigin)).find((c) => c.name.startsWith("__Host-mcp-consent-"));
  if (!consentCookie) await new Promise((r) => setTimeout(r, 100));
}
if (!consentCookie) {
  const names = (await context.cookies(gatewayOrigin)).map((c) => c.name).join(", ") || "none";
  await fail(`Chromium did not keep the gateway's consent cookie (cookies for ${gatewayOrigin}: ${names})`);
}
const { name, secure, httpOnly, sameSite, path: cookiePath, domain } = consentCookie;
const cookieOk = secure && httpOnly && sameSite === "Lax" && cookiePath === "/";
log(`consent cookie ${cookieOk ? "accepted" : "WRONG"} by Chromium: ${name} domain=${domain} path=${cookiePath} secure=${secure} httpOnly=${httpOnly} sameSite=${sameSite}`);
if (!cookieOk) await fail("the consent cookie must be Secure, HttpOnly, SameSite=Lax, Path=/");

// 4. The provider's pages, until the MCP client's loopback callback page has loaded.
let acted = null;
while (true) {
  await page.waitForLoadState("load");
  const here = new URL(page.url());
  if (backAtGateway && isLoopback(here) && here.origin !== gatewayOrigin && here.origin !== providerOrigin) {
    const text = (await page.locator("body").innerText().catch(() => "")).replace(/\s+/g, " ").trim();
    log(`landed on the client's callback ${here.origin}${here.pathname}: ${text.slice(0, 200)}`);
    break;
  }

  // One action per document: a sign-in form (the embedded IdP) or a consent page with an allow button.
  const documentId = documents;
  if (acted !== documentId && here.origin !== gatewayOrigin) {
    const password = page.locator("input[type=password]");
    const allow = page.locator("form button[value=allow]");
    if (await password.count() > 0) {
      acted = documentId;
      const user = page.locator("input[name=username], input[name=login], input[name=email], input[type=email]").first();
      if (await user.count() > 0) await user.fill(env.TEST_BROWSER_USER || "demo");
      await password.first().fill(env.TEST_BROWSER_PASSWORD || "demo");
      log(`sign-in form at ${here.origin}${here.pathname}: submitting as ${env.TEST_BROWSER_USER || "demo"}`);
      await page.locator("form button[type=submit], form input[type=submit]").first().click();
      continue;
    }
    if (await allow.count() > 0) {
      acted = documentId;
      log(`provider consent page at ${here.origin}${here.pathname}: allow`);
      await allow.first().click();
      continue;
    }
  }
  await new Promise((r) => setTimeout(r, 100));
}

const kept = (await context.cookies(gatewayOrigin)).map((c) => c.name);
log(`done: cookies Chromium keeps for the gateway: ${kept.join(", ") || "none"}`);
await browser.close();
process.exit(0);
