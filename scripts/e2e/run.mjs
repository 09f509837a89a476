// npm run test:e2e: settings, the run's state, and the step runner every check goes through.
import { join } from "node:path";
import { root } from "../lib/local-worker.mjs";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const OUT = join(root, "test-results");
export const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
/** Per wait (selectors, responses). */
export const WAIT_MS = 30_000;
/**
 * External loads the page's own CSP already blocks before any request is made (so they never reach the network
 * and are not "requests"). Anything else blocked by the CSP is reported as a failure, like a real request.
 * - ReDoc's sidebar footer ("API docs by Redocly") always renders this logo from its CDN.
 */
export const KNOWN_CSP_BLOCKED = new Set(["https://cdn.redoc.ly/redoc/logo-mini.svg"]);

/** @typedef {import("playwright-core").Page} Page */
/** @typedef {import("playwright-core").Locator} Locator */
/** @typedef {{ path: string, method: string, operationId: string, summary: string, tag: string }} Operation */
/** @typedef {{ name: string, status: "pass" | "fail" | "skip", ms: number, detail?: string }} Result */

/** What the run found, and the live handles the watchdog and signal handlers stop. */
export const state = {
  started: Date.now(),
  /** @type {Result[]} */
  results: [],
  /** @type {string[]} */
  externalRequests: [],
  /** @type {{ url: string, page: string }[]} */
  cspBlocked: [],
  /** @type {string[]} */
  pageErrors: [],
  /** @type {string[]} docs-page loads answered 4xx/5xx */
  failedLoads: [],
  shots: 0,
  /** @type {Awaited<ReturnType<typeof import("../lib/local-worker.mjs").startLocalWorker>> | undefined} */
  worker: undefined,
  /** @type {import("playwright-core").Browser | undefined} */
  browser: undefined,
  /** @type {Page | undefined} The page a failing step screenshots. */
  activePage: undefined,
};

export function elapsed() {
  return `${((Date.now() - state.started) / 1000).toFixed(1)}s`;
}

/**
 * Runs one check and records it; with `skip` set (an earlier step it depends on failed) it is only recorded.
 * @param {string} name
 * @param {() => Promise<string | void>} fn
 * @param {{ skip?: boolean }} [options]
 * @returns {Promise<boolean>} whether it passed
 */
export async function step(name, fn, { skip = false } = {}) {
  if (skip) {
    state.results.push({ name, status: "skip", ms: 0 });
    console.log(`  skip ${name} (an earlier step failed)`);
    return false;
  }
  const t0 = Date.now();
  try {
    const detail = (await fn()) ?? undefined;
    state.results.push({ name, status: "pass", ms: Date.now() - t0, detail });
    console.log(`  ok   ${name} (${Date.now() - t0} ms)${detail ? ` - ${detail}` : ""}`);
    return true;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    state.results.push({ name, status: "fail", ms: Date.now() - t0, detail: message });
    if (state.activePage && !state.activePage.isClosed()) await screenshot(state.activePage, "FAILED").catch(() => {});
    console.log(`  FAIL ${name} (${Date.now() - t0} ms)\n       ${message.split("\n").join("\n       ")}`);
    return false;
  }
}

/**
 * @param {unknown} condition
 * @param {string} message
 * @returns {asserts condition}
 */
export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/**
 * @param {Page | Locator} target
 * @param {string} name
 */
export async function screenshot(target, name) {
  state.shots += 1;
  const path = join(OUT, `e2e-${String(state.shots).padStart(2, "0")}-${name}.png`);
  await target.screenshot({ path, timeout: WAIT_MS });
  return path;
}
