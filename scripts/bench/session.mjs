// npm run bench: the run's state (temp dir, workerd, load generators), its cleanup, and the helpers every step
// uses to drive the Worker: the autocannon child, restarts, API calls.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { slotOf } from "../../src/db/slot.ts";
import { listenerProcess, processCpu, startWorkerd } from "../lib/bench-worker.mjs";
import { root } from "../lib/local-worker.mjs";
import { syntheticRequestItem } from "../lib/synthetic.mjs";
import { BULK_CONNECTIONS, BULK_PER_REQUEST, BULK_ROWS, CONNECTIONS, DURATION, WARMUP } from "./config.mjs";

export const startedAt = performance.now();
export const startLoad = loadavg();
export const work = mkdtempSync(join(tmpdir(), "finanalyze-bench-"));
const children = new Set();
/** @type {any} The running workerd (scripts/lib/bench-worker.mjs), once started. */
export let worker = null;
export let workerdPid = 0;
let cleaning = null;

/** Kills the load generators, stops workerd, removes the temp dir; every caller waits for the same run of it. */
export function cleanup() {
  cleaning ??= (async () => {
    for (const child of children) child.kill("SIGKILL");
    if (worker) await Promise.race([worker.dispose().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
    if (listenerProcess(worker?.port ?? 0)?.pid !== workerdPid) workerdPid = 0; // gone: never signal a reused pid
    rmSync(work, { recursive: true, force: true });
  })();
  return cleaning;
}
/** Synchronous last resort (signals, or whoever calls process.exit first: Miniflare's exit hook may). */
function cleanupNow() {
  for (const child of children) child.kill("SIGKILL");
  try {
    if (workerdPid) process.kill(workerdPid, "SIGKILL");
  } catch {
    /* already gone */
  }
  rmSync(work, { recursive: true, force: true, maxRetries: 3 });
}
process.on("exit", cleanupNow);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping workerd and load generators`);
    process.exit(130); // runs cleanupNow
  });
}

export const log = (line) => console.log(`[${((performance.now() - startedAt) / 1000).toFixed(0).padStart(3)} s] ${line}`);

/**
 * Runs one scenario in scripts/lib/load-child.mjs (autocannon) and returns its JSON result, plus the CPU
 * workerd used meanwhile (warm-up included): ms per request, and as a share of one core.
 */
export function runLoad(scenario) {
  return new Promise((resolve, reject) => {
    const cpuBefore = processCpu(workerdPid);
    const wallBefore = performance.now();
    const child = spawn(process.execPath, [join(root, "scripts", "lib", "load-child.mjs")], { stdio: ["pipe", "pipe", "pipe"] });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
    const limit = ((scenario.duration ?? 0) + (scenario.warmup ?? 0)) * 1000 + (scenario.amount ? 600_000 : 60_000);
    const timer = setTimeout(() => child.kill("SIGKILL"), limit);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code !== 0) return reject(new Error(`load generator exited with ${code ?? signal}:\n${stderr}`));
      const result = JSON.parse(stdout);
      const cpuAfter = processCpu(workerdPid);
      const cpu = cpuAfter.total - cpuBefore.total;
      result.workerdCpuMsPerRequest = (cpu * 1000) / (result.total + result.warmupTotal);
      result.workerdCpuShare = cpu / ((performance.now() - wallBefore) / 1000);
      // How much of it one thread did: workerd runs all isolates (app, D1, queue, entry) on one.
      const busiest = Math.max(0, ...[...cpuAfter.threads].map(([tid, t]) => t - (cpuBefore.threads.get(tid) ?? 0)));
      result.workerdBusiestThreadShare = busiest / cpu;
      resolve(result);
    });
    child.stdin.end(JSON.stringify({ url: worker.url, connections: CONNECTIONS, duration: DURATION, warmup: WARMUP, ...scenario }));
  });
}

export async function restart(options) {
  await worker.restart(options);
  workerdPid = listenerProcess(worker.port)?.pid ?? 0;
}

export async function api(method, path, token, body) {
  const res = await fetch(`${worker.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

export async function idsOfPages(token, pages) {
  const ids = [];
  let cursor = "";
  for (let i = 0; i < pages; i++) {
    const page = await api("GET", `/api/v1/transaction/all?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, token);
    ids.push(page.data.map((t) => t.id));
    cursor = page.next_cursor;
  }
  return ids;
}

/** Bulk-creates `count` transactions (1,000 per request, 2 in flight) and returns their ids. */
export async function createPool(token, count) {
  const ids = [];
  const requests = Array.from({ length: Math.ceil(count / BULK_PER_REQUEST) }, (_, r) => r);
  const next = async () => {
    for (let r = requests.shift(); r !== undefined; r = requests.shift()) {
      const transactions = Array.from({ length: BULK_PER_REQUEST }, (_, i) => syntheticRequestItem(r * BULK_PER_REQUEST + i));
      const result = await api("POST", "/api/v1/transaction/bulk", token, { transactions });
      ids.push(...result.results.map((x) => x.id));
    }
  };
  await Promise.all([next(), next()]);
  return ids;
}

export const bulkScenario = (token) => ({
  kind: "bulk",
  path: "/api/v1/transaction/bulk",
  amount: BULK_ROWS / BULK_PER_REQUEST,
  connections: BULK_CONNECTIONS,
  duration: undefined,
  warmup: 0,
  timeout: 120,
  firstRow: 0,
  perRequest: BULK_PER_REQUEST,
  headers: { authorization: `Bearer ${token}` },
});

/** Starts workerd with the deploy bundle (see scripts/lib/bench-worker.mjs) and remembers its process. */
export async function start(options) {
  worker = await startWorkerd(options);
  workerdPid = listenerProcess(worker.port)?.pid ?? 0;
}

/** The shard binding that holds a user's data, as the directory's slot table starts out (slot mod shard count). */
export function shardOf(userId) {
  const shards = worker.config.d1_databases.map((d) => d.binding).filter((b) => b !== "DB");
  return shards.length > 0 ? shards[slotOf(userId) % shards.length] : "DB";
}

/** The D1 database of a user's shard in the running workerd (stubs die with each restart, so ask each time). */
export const db = (userId) => worker.mf.getD1Database(shardOf(userId));
