// npm run test:e2e: the docs pages in a real browser, offline, against a local Worker.
//
// Starts `wrangler dev` on its own port and state directory, drives Debian's Chromium through playwright-core
// (no browser download; `apt-get install -y chromium`), and checks:
//   1. Swagger UI (/api/v1/docs): sign up, log in, Authorize with the bearer token, create a transaction and
//      read analytics, each through "Try it out"; then the OAuth2 password flow of the Authorize dialog.
//   2. ReDoc (/external-api/v1/docs) lists every operation of /openapi.json.
//   3. The typed client example (examples/client.ts, run with tsx) works against the same Worker.
// Every request the browser makes to a host other than 127.0.0.1/localhost is aborted, recorded, and fails the run.
// Screenshots go to test-results/. Exit code 0 only if everything passed.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { dashboardE2e } from "./e2e-dashboard.mjs";
import { root, startLocalWorker } from "./lib/local-worker.mjs";

const PORT = Number(process.env.E2E_PORT ?? 8796);
const PERSIST = ".wrangler/e2e";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const OUT = join(root, "test-results");
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
/** Whole-run watchdog: a hung browser or Worker must not hang CI. */
const RUN_TIMEOUT_MS = 180_000;
/** Per wait (selectors, responses). */
const WAIT_MS = 30_000;
/**
 * External loads the page's own CSP already blocks before any request is made (so they never reach the network
 * and are not "requests"). Anything else blocked by the CSP is reported as a failure, like a real request.
 * - ReDoc's sidebar footer ("API docs by Redocly") always renders this logo from its CDN.
 */
const KNOWN_CSP_BLOCKED = new Set(["https://cdn.redoc.ly/redoc/logo-mini.svg"]);

/** @typedef {import("playwright-core").Page} Page */
/** @typedef {import("playwright-core").Locator} Locator */
/** @typedef {{ path: string, method: string, operationId: string, summary: string, tag: string }} Operation */
/** @typedef {{ name: string, status: "pass" | "fail" | "skip", ms: number, detail?: string }} Result */

const started = Date.now();
/** @type {Result[]} */
const results = [];
/** @type {string[]} */
const externalRequests = [];
/** @type {{ url: string, page: string }[]} */
const cspBlocked = [];
/** @type {string[]} */
const pageErrors = [];
let shots = 0;
// Live handles, so the watchdog and signal handlers can stop them.
/** @type {Awaited<ReturnType<typeof startLocalWorker>> | undefined} */
let worker;
/** @type {import("playwright-core").Browser | undefined} */
let browser;
/** @type {Page | undefined} The page a failing step screenshots. */
let activePage;

function elapsed() {
  return `${((Date.now() - started) / 1000).toFixed(1)}s`;
}

/**
 * Runs one check and records it; with `skip` set (an earlier step it depends on failed) it is only recorded.
 * @param {string} name
 * @param {() => Promise<string | void>} fn
 * @param {{ skip?: boolean }} [options]
 * @returns {Promise<boolean>} whether it passed
 */
async function step(name, fn, { skip = false } = {}) {
  if (skip) {
    results.push({ name, status: "skip", ms: 0 });
    console.log(`  skip ${name} (an earlier step failed)`);
    return false;
  }
  const t0 = Date.now();
  try {
    const detail = (await fn()) ?? undefined;
    results.push({ name, status: "pass", ms: Date.now() - t0, detail });
    console.log(`  ok   ${name} (${Date.now() - t0} ms)${detail ? ` - ${detail}` : ""}`);
    return true;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    results.push({ name, status: "fail", ms: Date.now() - t0, detail: message });
    if (activePage && !activePage.isClosed()) await screenshot(activePage, "FAILED").catch(() => {});
    console.log(`  FAIL ${name} (${Date.now() - t0} ms)\n       ${message.split("\n").join("\n       ")}`);
    return false;
  }
}

/**
 * @param {unknown} condition
 * @param {string} message
 * @returns {asserts condition}
 */
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/**
 * @param {Page | Locator} target
 * @param {string} name
 */
async function screenshot(target, name) {
  shots += 1;
  const path = join(OUT, `e2e-${String(shots).padStart(2, "0")}-${name}.png`);
  await target.screenshot({ path, timeout: WAIT_MS });
  return path;
}

/**
 * Runs the typed client example against the Worker; resolves with its exit code and output.
 * @param {string} base
 * @returns {Promise<{ code: number | null, signal: string | null, output: string }>}
 */
function runClientExample(base) {
  return new Promise((resolve, reject) => {
    const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs");
    const child = spawn(process.execPath, [tsx, join(root, "examples", "client.ts"), base], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (/** @type {Buffer} */ c) => (output += c));
    child.stderr.on("data", (/** @type {Buffer} */ c) => (output += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/**
 * One operation block of Swagger UI, found by its tag and operationId.
 * @param {Page} page
 * @param {Operation} op
 */
function swaggerOperation(page, op) {
  return page.locator(`#operations-${op.tag}-${op.operationId}`);
}

/**
 * "Try it out" on one operation: expand it, enter the body and parameters, Execute, and read the live response
 * (the status code cell and the response body) from the page.
 * @param {Page} page
 * @param {Operation} op
 * @param {{ body?: unknown, params?: Record<string, string> }} [input]
 */
async function tryItOut(page, op, { body, params = {} } = {}) {
  const block = swaggerOperation(page, op);
  await block.waitFor({ timeout: WAIT_MS });
  if (!(await block.getAttribute("class"))?.split(/\s+/).includes("is-open")) {
    await block.locator(".opblock-summary-control").click();
  }
  const tryOut = block.locator("button.try-out__btn");
  await tryOut.waitFor({ timeout: WAIT_MS });
  if ((await tryOut.textContent())?.trim() === "Try it out") await tryOut.click();
  await block.locator("button.execute").waitFor({ timeout: WAIT_MS });
  if (body !== undefined) {
    const textarea = block.locator("textarea.body-param__text");
    await textarea.waitFor({ timeout: WAIT_MS });
    await textarea.fill(JSON.stringify(body, null, 2));
  }
  // Swagger UI pre-fills parameters with their examples (for example from=to=2026-11-01 on analytics):
  // fill the given ones and clear every other text field, like a user who only wants the defaults.
  for (const row of await block.locator("tr[data-param-name]").all()) {
    const name = (await row.getAttribute("data-param-name")) ?? "";
    const input = block
      .locator(`tr[data-param-name="${name}"] input[type="text"], tr[data-param-name="${name}"] input:not([type])`)
      .first();
    if ((await input.count()) === 0) continue;
    await input.fill(params[name] ?? "");
  }
  for (const name of Object.keys(params)) {
    assert(
      (await block.locator(`tr[data-param-name="${name}"]`).count()) > 0,
      `Swagger UI shows no parameter ${name} on ${op.operationId}`,
    );
  }
  await block.locator("button.execute").click();
  const status = block.locator(".live-responses-table tbody .response-col_status").first();
  await status.waitFor({ timeout: WAIT_MS });
  const code = (await status.textContent())?.trim() ?? "";
  const bodyCode = block.locator(".live-responses-table .response-col_description .highlight-code code").first();
  const text = (await bodyCode.count()) > 0 ? ((await bodyCode.textContent()) ?? "") : "";
  await block.locator(".live-responses-table").scrollIntoViewIfNeeded();
  return { block, code, text };
}

/**
 * @param {string} text
 * @param {string} what
 * @returns {any} the response body the page shows, parsed
 */
function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what}: the response body shown is not JSON: ${text.slice(0, 300)}`);
  }
}

/** @param {Page} page */
async function openAuthorizeDialog(page) {
  await page.locator(".auth-wrapper button.authorize").click();
  const modal = page.locator(".modal-ux");
  await modal.waitFor({ timeout: WAIT_MS });
  return modal;
}

/**
 * The Authorize dialog's section for one security scheme (its heading names the scheme).
 * @param {Page} page
 * @param {Locator} modal
 * @param {string} scheme
 */
function authContainer(page, modal, scheme) {
  return modal.locator(".auth-container").filter({ has: page.locator("h4", { hasText: scheme }) });
}

/** @param {Locator} modal */
async function closeAuthorizeDialog(modal) {
  await modal.locator("button.close-modal").click();
  await modal.waitFor({ state: "detached", timeout: WAIT_MS });
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  for (const f of readdirSync(OUT)) if (/^e2e-.*\.png$/.test(f)) rmSync(join(OUT, f));
  console.log(`e2e: starting the Worker on port ${PORT} (state in ${PERSIST})`);
  worker = await startLocalWorker({ port: PORT, persistTo: PERSIST });
  try {
    const base = worker.base;
    const doc = /** @type {{ paths: Record<string, Record<string, { operationId: string, summary: string, tags?: string[] }>> }} */ (
      await (await fetch(`${base}/openapi.json`)).json()
    );
    /** @type {Operation[]} */
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        path,
        method,
        operationId: op.operationId,
        summary: op.summary,
        tag: op.tags?.[0] ?? "default",
      })),
    );
    /** @param {string} id */
    const byId = (id) => {
      const op = operations.find((o) => o.operationId === id);
      if (!op) throw new Error(`operation ${id} is missing from /openapi.json`);
      return op;
    };
    console.log(`e2e: Worker up at ${base} (${elapsed()}); ${operations.length} operations in /openapi.json`);

    const launched = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
      ],
      timeout: WAIT_MS,
    });
    browser = launched;
    console.log(`e2e: Chromium ${launched.version()} up (${elapsed()})`);
    const context = await launched.newContext({ viewport: { width: 1400, height: 1000 } });
    context.setDefaultTimeout(WAIT_MS);
    await context.route("**/*", (route) => {
      const url = route.request().url();
      let host = "";
      try {
        host = new URL(url).hostname;
      } catch {
        /* not a URL with a host */
      }
      if (LOCAL_HOSTS.has(host) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
      externalRequests.push(url);
      return route.abort("blockedbyclient");
    });
    context.on("page", (p) => {
      p.on("pageerror", (err) => pageErrors.push(`${p.url()}: ${err.message}`));
      p.on("console", (msg) => {
        const text = msg.text();
        if (!text.includes("Content Security Policy")) return;
        const url = /'(https?:\/\/[^']+)'/.exec(text)?.[1];
        if (url && !LOCAL_HOSTS.has(new URL(url).hostname)) cspBlocked.push({ url, page: p.url() });
      });
    });

    // ---- Swagger UI ----
    const page = await context.newPage();
    activePage = page;
    const username = `e2e_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
    const password = "e2e-browser-password";
    let token = "";
    let userId = "";
    let ok = await step("Swagger UI loads with every operation", async () => {
      await page.goto(`${base}/api/v1/docs`, { waitUntil: "domcontentloaded" });
      await page.locator(".swagger-ui .opblock").first().waitFor();
      await swaggerOperation(page, byId("signUp")).waitFor();
      const count = await page.locator(".swagger-ui .opblock").count();
      assert(count === operations.length, `expected ${operations.length} operation blocks, found ${count}`);
      await screenshot(page, "swagger-loaded");
      return `${count} operations`;
    });

    ok = await step(
      "Try it out: POST /api/v1/user/sign_up -> 201",
      async () => {
        const { block, code, text } = await tryItOut(page, byId("signUp"), { body: { username, password, full_name: "E2E Browser" } });
        await screenshot(block, "sign-up");
        assert(code === "201", `expected 201, Swagger UI shows ${code}: ${text.slice(0, 300)}`);
        const profile = parseJson(text, "sign_up");
        assert(profile.username === username, `sign_up answered username ${profile.username}`);
        userId = profile.id;
        return userId;
      },
      { skip: !ok },
    );

    ok = await step(
      "Try it out: POST /api/v1/user/login -> 200 with a token",
      async () => {
        const { block, code, text } = await tryItOut(page, byId("login"), { body: { username, password } });
        await screenshot(block, "login");
        assert(code === "200", `expected 200, Swagger UI shows ${code}: ${text.slice(0, 300)}`);
        const login = parseJson(text, "login");
        assert(typeof login.access_token === "string" && login.access_token.length > 20, "no access_token in the login response");
        assert(login.user?.id === userId, `login user id ${login.user?.id} is not ${userId}`);
        token = login.access_token;
        return `token ${token.slice(0, 12)}...`;
      },
      { skip: !ok },
    );

    ok = await step(
      "Authorize: bearerAuth with the token",
      async () => {
        const modal = await openAuthorizeDialog(page);
        const input = modal.locator("#auth-bearer-value");
        await input.waitFor();
        await input.fill(token);
        const container = authContainer(page, modal, "bearerAuth");
        await container.locator("button.authorize").click();
        // Authorized: Swagger UI replaces the field with a Logout button.
        await container.locator("button", { hasText: "Logout" }).waitFor();
        await screenshot(modal, "authorize-bearer");
        await closeAuthorizeDialog(modal);
        await page.locator(".auth-wrapper button.authorize.locked").waitFor();
      },
      { skip: !ok },
    );

    ok = await step(
      "Try it out: POST /api/v1/transaction/create -> 201",
      async () => {
        const body = {
          transaction_amount: "125.50",
          transaction_type: "debit",
          transaction_date: "2026-11-25",
          currency: "USD",
          description: "E2E groceries",
        };
        const { block, code, text } = await tryItOut(page, byId("createTransaction"), {
          body,
          params: { "idempotency-key": randomUUID() },
        });
        await screenshot(block, "create-transaction");
        assert(code === "201", `expected 201, Swagger UI shows ${code}: ${text.slice(0, 300)}`);
        const created = parseJson(text, "create");
        assert(created.user_id === userId && created.transaction_amount === "125.50", `unexpected transaction: ${text.slice(0, 300)}`);
        return created.id;
      },
      { skip: !ok },
    );

    ok = await step(
      "Try it out: GET /api/v1/transaction/analytics/{user_id} (me) -> 200, transaction_count 1",
      async () => {
        const { block, code, text } = await tryItOut(page, byId("getAnalytics"), { params: { user_id: "me" } });
        await screenshot(block, "analytics");
        assert(code === "200", `expected 200, Swagger UI shows ${code}: ${text.slice(0, 300)}`);
        assert(
          text.includes('"transaction_count": 1'),
          `the response body shown does not contain "transaction_count": 1: ${text.slice(0, 300)}`,
        );
        const analytics = parseJson(text, "analytics");
        assert(analytics.transaction_count === 1 && analytics.user_id === userId, `unexpected analytics: ${text.slice(0, 300)}`);
        return `transaction_count ${analytics.transaction_count}, total_debit ${analytics.total_debit}`;
      },
      { skip: !ok },
    );

    await step(
      "Authorize: OAuth2 password flow, then GET /api/v1/user/me -> 200",
      async () => {
        const modal = await openAuthorizeDialog(page);
        // Drop the bearer token first, so the next call can only be authorized by the OAuth2 token.
        await authContainer(page, modal, "bearerAuth").locator("button", { hasText: "Logout" }).click();
        await modal.locator("#auth-bearer-value").waitFor();
        await modal.locator("#oauth_username").fill(username);
        await modal.locator("#oauth_password").fill(password);
        const container = authContainer(page, modal, "oauth2Password");
        await container.locator("button.authorize").click();
        try {
          await container.locator("button", { hasText: "Logout" }).waitFor();
        } catch {
          const errors = await modal.locator(".auth-container .errors").allTextContents();
          throw new Error(`the OAuth2 password flow did not authorize${errors.length ? `: ${errors.join(" ")}` : ""}`);
        }
        await screenshot(modal, "authorize-oauth2");
        await closeAuthorizeDialog(modal);
        const { block, code, text } = await tryItOut(page, byId("getMe"));
        await screenshot(block, "me-oauth2");
        assert(code === "200", `expected 200, Swagger UI shows ${code}: ${text.slice(0, 300)}`);
        assert(parseJson(text, "me").id === userId, `me answered ${text.slice(0, 200)}`);
        return "token from the login route's form branch";
      },
      { skip: !ok },
    );

    // ---- ReDoc ----
    await step("ReDoc lists every operation of /openapi.json", async () => {
      const redoc = await context.newPage();
      activePage = redoc;
      await redoc.goto(`${base}/external-api/v1/docs`, { waitUntil: "domcontentloaded" });
      await redoc.locator("[data-section-id]").first().waitFor();
      const last = operations[operations.length - 1];
      await redoc.locator(`[id$="operation/${last.operationId}"]`).first().waitFor({ state: "attached" });
      const text = await redoc.locator("body").innerText();
      const found = [];
      for (const op of operations) {
        const section = (await redoc.locator(`[id$="operation/${op.operationId}"]`).count()) > 0;
        const menuItem = redoc.locator(`[data-item-id$="operation/${op.operationId}"]`).first();
        const menu = (await menuItem.count()) > 0 && ((await menuItem.textContent()) ?? "").includes(op.summary);
        found.push({ id: op.operationId, section, menu, summary: text.includes(op.summary) });
      }
      await screenshot(redoc, "redoc");
      const missing = found.filter((f) => !f.section || !f.menu || !f.summary);
      assert(
        missing.length === 0,
        `missing from ReDoc: ${missing.map((m) => `${m.id} (${[!m.section && "section", !m.menu && "menu item", !m.summary && "summary text"].filter(Boolean).join(", ")})`).join("; ")}`,
      );
      await redoc.close();
      return `${found.length}/${operations.length} operations (section, menu item and summary)`;
    });

    await dashboardE2e({ base, browser: launched, step, persistTo: PERSIST });

    await step("No non-local request was attempted", async () => {
      const unexpectedCsp = cspBlocked.filter((c) => !KNOWN_CSP_BLOCKED.has(c.url));
      assert(externalRequests.length === 0, `aborted non-local requests:\n${[...new Set(externalRequests)].join("\n")}`);
      assert(
        unexpectedCsp.length === 0,
        `non-local loads blocked by the page's CSP:\n${unexpectedCsp.map((c) => `${c.url} (on ${c.page})`).join("\n")}`,
      );
      const known = [...new Set(cspBlocked.map((c) => c.url))];
      return known.length ? `0 requests; known CSP-blocked before any request: ${known.join(", ")}` : "0 requests";
    });

    await step("No uncaught errors in the docs pages", async () => {
      assert(pageErrors.length === 0, pageErrors.join("\n"));
    });

    browser = undefined;
    await launched.close();

    // ---- Typed client example ----
    await step("examples/client.ts (hc<AppType>) against the Worker", async () => {
      const { code, signal, output } = await runClientExample(base);
      assert(code === 0, `exit ${code ?? signal}:\n${output.slice(-2000)}`);
      assert(/^transaction_count: 1$/m.test(output), `output has no "transaction_count: 1" line:\n${output.slice(-2000)}`);
      return "exit 0, transaction_count: 1";
    });
  } finally {
    await stopAll();
  }
}

/**
 * Stops Chromium and the Worker (idempotent).
 * @param {NodeJS.Signals} [signal]
 */
async function stopAll(signal = "SIGTERM") {
  const b = browser;
  const w = worker;
  browser = undefined;
  worker = undefined;
  if (b) await Promise.race([b.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000).unref())]);
  await w?.stop(signal);
}

/** @param {string} reason */
async function abort(reason) {
  console.error(`e2e: ${reason}; stopping Chromium and the Worker`);
  await stopAll("SIGKILL");
  process.exit(1);
}

const watchdog = setTimeout(() => void abort(`timed out after ${RUN_TIMEOUT_MS / 1000} s`), RUN_TIMEOUT_MS);
for (const sig of /** @type {const} */ (["SIGINT", "SIGTERM"])) process.once(sig, () => void abort(`received ${sig}`));

/** @type {unknown} */
let crashed;
try {
  await main();
} catch (err) {
  crashed = err;
}
clearTimeout(watchdog);

const failed = results.filter((r) => r.status !== "pass");
console.log("\ne2e summary");
for (const r of results)
  console.log(`  ${r.status.toUpperCase()}  ${r.name}${r.status === "pass" ? ` (${(r.ms / 1000).toFixed(1)}s)` : ""}`);
if (crashed) console.log(`  ERROR ${crashed instanceof Error ? crashed.stack : crashed}`);
console.log(`  non-local requests attempted: ${externalRequests.length}; screenshots: ${shots} in test-results/; time ${elapsed()}`);
const passed = !crashed && failed.length === 0 && results.length > 0;
console.log(
  passed
    ? `e2e: PASSED (${results.length} checks)`
    : `e2e: FAILED (${failed.length} of ${results.length} checks failed or skipped${crashed ? ", and an error" : ""})`,
);
process.exitCode = passed ? 0 : 1;
