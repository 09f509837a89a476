// npm run test:e2e: the docs pages in a real browser, offline, against a local Worker.
//
// Starts `wrangler dev` on its own port and state directory, drives Debian's Chromium through playwright-core
// (no browser download; `apt-get install -y chromium`), and checks:
//   1. Swagger UI (/api/v1/docs): sign up, log in, Authorize with the bearer token, create a transaction and
//      read analytics, each through "Try it out"; then the OAuth2 password flow of the Authorize dialog.
//      Also: the UserProfile schema renders as an object, the OAuth2 dialog shows no client id/secret fields.
//   2. ReDoc (/external-api/v1/docs) lists every operation of /openapi.json; every docs asset loads (favicon too).
//   3. The typed client example (examples/client.ts, run with tsx) works against the same Worker.
// Every request the browser makes to a host other than 127.0.0.1/localhost is aborted, recorded, and fails the run.
// Screenshots go to test-results/. Exit code 0 only if everything passed.
// Each part lives in scripts/e2e/: run.mjs (state, steps), browser.mjs, swagger-ui.mjs + swagger-flow.mjs, redoc.mjs,
// client-example.mjs.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { openBrowser } from "./e2e/browser.mjs";
import { clientExampleCheck } from "./e2e/client-example.mjs";
import { redocAndSessionChecks } from "./e2e/redoc.mjs";
import { elapsed, OUT, state, step } from "./e2e/run.mjs";
import { swaggerChecks } from "./e2e/swagger-flow.mjs";
import { dashboardE2e } from "./e2e-dashboard.mjs";
import { startLocalWorker } from "./lib/local-worker.mjs";

const PORT = Number(process.env.E2E_PORT ?? 8796);
const PERSIST = ".wrangler/e2e";
/** Whole-run watchdog: a hung browser or Worker must not hang CI. */
const RUN_TIMEOUT_MS = 180_000;

async function main() {
  mkdirSync(OUT, { recursive: true });
  for (const f of readdirSync(OUT)) if (/^e2e-.*\.png$/.test(f)) rmSync(join(OUT, f));
  console.log(`e2e: starting the Worker on port ${PORT} (state in ${PERSIST})`);
  state.worker = await startLocalWorker({ port: PORT, persistTo: PERSIST });
  try {
    const base = state.worker.base;
    const doc = /** @type {{ paths: Record<string, Record<string, { operationId: string, summary: string, tags?: string[] }>> }} */ (
      await (await fetch(`${base}/openapi.json`)).json()
    );
    /** @type {import("./e2e/run.mjs").Operation[]} */
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

    const { launched, context } = await openBrowser();
    await swaggerChecks(context, base, operations, byId);
    await redocAndSessionChecks(context, base, operations);
    await dashboardE2e({ base, browser: launched, step, persistTo: PERSIST });
    state.browser = undefined;
    await launched.close();

    await clientExampleCheck(base);
  } finally {
    await stopAll();
  }
}

/**
 * Stops Chromium and the Worker (idempotent).
 * @param {NodeJS.Signals} [signal]
 */
async function stopAll(signal = "SIGTERM") {
  const b = state.browser;
  const w = state.worker;
  state.browser = undefined;
  state.worker = undefined;
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

const failed = state.results.filter((r) => r.status !== "pass");
console.log("\ne2e summary");
for (const r of state.results)
  console.log(`  ${r.status.toUpperCase()}  ${r.name}${r.status === "pass" ? ` (${(r.ms / 1000).toFixed(1)}s)` : ""}`);
if (crashed) console.log(`  ERROR ${crashed instanceof Error ? crashed.stack : crashed}`);
console.log(
  `  non-local requests attempted: ${state.externalRequests.length}; screenshots: ${state.shots} in test-results/; time ${elapsed()}`,
);
const passed = !crashed && failed.length === 0 && state.results.length > 0;
console.log(
  passed
    ? `e2e: PASSED (${state.results.length} checks)`
    : `e2e: FAILED (${failed.length} of ${state.results.length} checks failed or skipped${crashed ? ", and an error" : ""})`,
);
process.exitCode = passed ? 0 : 1;
