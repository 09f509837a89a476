// npm run bench — throughput of the production build: the bundle `wrangler deploy` would upload, run in
// workerd (Miniflare's API) with a local D1, the queue and the rate limiter, loaded over loopback by
// autocannon from a separate process. Writes its section of docs/benchmarks.md. 3-4 minutes on 2 cores.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { packageVersion, root, signUpAndLogin } from "./lib/local-worker.mjs";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `npm run bench needs Node >= 22.12 (wrangler, node:sqlite); this is ${process.version}. Run it through npm, which uses the project's Node 24.`,
  );
  process.exit(1);
}
const { buildDeployBundle, listenerProcess, processCpu, PROBE_HOST, REFERENCE_HOST, runtimeVersions, startWorkerd } = await import(
  "./lib/bench-worker.mjs"
);
const { apiShapedInsertRate, plainInsertRate } = await import("./lib/sqlite-baseline.mjs");
const { attribute, startProfiling } = await import("./lib/profiler.mjs");
const { syntheticRequestItem } = await import("./lib/synthetic.mjs");

const DURATION = Number(process.env.BENCH_DURATION ?? 8); // seconds measured per endpoint
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2); // seconds of warm-up before each
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const PROFILE_SECONDS = 4;
const BULK_PROFILE_REQUESTS = 20;
const HISTORY = 100_000; // the list/analytics user's transactions
const BULK_ROWS = 100_000;
const BULK_PER_REQUEST = 1000;
const BULK_CONNECTIONS = 4;
// Shares of the bare reference Worker (one D1 primary-key query, no framework) in the same workerd.
const TARGETS = { get: 0.8, list: 0.6, analytics: 0.8, create: 0.5 };
const BULK_TARGET = 0.25;
// The latency mode: every D1 round trip waits this long (scripts/lib/bench-worker.mjs), as for a distant primary.
const D1_DELAY_MS = Number(process.env.BENCH_D1_DELAY_MS ?? 25);
const DELAY_SLACK_MS = 10;
const DELAY_CONNECTIONS = 1; // one request at a time: the latency a client sees, without queueing behind the other connections
const SKIP_BULK = process.env.BENCH_SKIP_BULK === "1"; // for iterating on the endpoint table only
// D1 round trips per request, from the one budget table the round-trip test enforces (src/db/round-trips.ts).
const { roundTripBudget } = await import("../src/db/round-trips.ts");
const ROUTES = {
  get: "GET /api/v1/transaction/{transaction_id}",
  list: "GET /api/v1/transaction/all",
  analytics: "GET /api/v1/transaction/analytics/{user_id}",
  create: "POST /api/v1/transaction/create",
  update: "PUT /api/v1/transaction/update/{transaction_id}",
  delete: "DELETE /api/v1/transaction/delete/{transaction_id}",
};
const ROUND_TRIPS = Object.fromEntries(Object.entries(ROUTES).map(([name, route]) => [name, roundTripBudget(route)]));

const startedAt = performance.now();
const startLoad = loadavg();
const work = mkdtempSync(join(tmpdir(), "finanalyze-bench-"));
const children = new Set();
let worker = null;
let workerdPid = 0;
let cleaning = null;

/** Kills the load generators, stops workerd, removes the temp dir; every caller waits for the same run of it. */
function cleanup() {
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

const log = (line) => console.log(`[${((performance.now() - startedAt) / 1000).toFixed(0).padStart(3)} s] ${line}`);

/**
 * Runs one scenario in scripts/lib/load-child.mjs (autocannon) and returns its JSON result, plus the CPU
 * workerd used meanwhile (warm-up included): ms per request, and as a share of one core.
 */
function runLoad(scenario) {
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

async function restart(options) {
  await worker.restart(options);
  workerdPid = listenerProcess(worker.port)?.pid ?? 0;
}

async function api(method, path, token, body) {
  const res = await fetch(`${worker.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function idsOfPages(token, pages) {
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
async function createPool(token, count) {
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

const bulkScenario = (token) => ({
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

const ms = (n) => (Number.isInteger(n) || n >= 100 ? n.toFixed(0) : n.toFixed(1));
const ms2 = (n) => n.toFixed(2);
const pct = (r) => `${(r * 100).toFixed(0)}%`;
const num = (n) => Math.round(n).toLocaleString("en");

function row(name, label, result) {
  const errors = result.non2xx + result.errors;
  const codes = Object.entries(result.statusCodes)
    .filter(([code]) => !code.startsWith("2"))
    .map(([code, n]) => `${n}x${code}`);
  if (result.timeouts) codes.push(`${result.timeouts} timeouts`);
  if (result.errors - result.timeouts > 0) codes.push(`${result.errors - result.timeouts} conn. errors`);
  if (result.exhausted) codes.push(`${result.exhausted} past the id pool`);
  return {
    name,
    label,
    ok: result.ok,
    consumed: result.consumed,
    rps: result.ok / result.seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
    errorDetail: codes.join(", "),
    cpuMs: result.workerdCpuMsPerRequest,
    cpuShare: result.workerdCpuShare,
    threadShare: result.workerdBusiestThreadShare,
    loadGeneratorCpu: result.loadGeneratorCpu,
  };
}

let exitCode = 0;
try {
  // 1. Build as deploy would.
  const versions = runtimeVersions();
  const bundle = buildDeployBundle(join(work, "build"));
  log(
    `built ${bundle.main}: ${num(bundle.bytes)} B, gzip ${num(bundle.gzipBytes)} B (wrangler deploy --dry-run, ${bundle.seconds.toFixed(1)} s)`,
  );

  // 2. workerd with the deploy bundle. ENVIRONMENT=development only while seeding (/__dev/seed is 404 in production).
  const jwtSecret = randomBytes(48).toString("base64url");
  worker = await startWorkerd({ bundle, persistDir: join(work, "state"), environment: "development", jwtSecret });
  workerdPid = listenerProcess(worker.port)?.pid ?? 0;
  const migrations = await worker.applyMigrations();
  log(`workerd on ${worker.url}, migrations ${migrations.join(", ")}`);

  const hist = await signUpAndLogin(worker.url, "benchhist");
  const seedStarted = performance.now();
  const seeded = await api("POST", "/__dev/seed", hist.token, { offset: 0, count: HISTORY, days: 1000, start_date: "2024-01-01" });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  await api("POST", "/__dev/recompute", hist.token); // store the analytics snapshot: reads take the normal path
  const del = await signUpAndLogin(worker.url, "benchdel");
  const bulk = await signUpAndLogin(worker.url, "benchbulk");
  log(`seeded ${num(seeded.inserted)} transactions in ${seedSeconds.toFixed(1)} s`);

  // Measure with wrangler.toml's own vars: production. Same port, same D1 files.
  const environment = worker.config.vars.ENVIRONMENT;
  await restart({ env: environment });
  const listener = listenerProcess(worker.port);
  const devRouteStatus = (await fetch(`${worker.url}/__dev/seed`, { method: "POST" })).status;
  if (devRouteStatus !== 404) throw new Error(`/__dev/seed answered ${devRouteStatus} after switching to ENVIRONMENT=${environment}`);
  const [getIds, updateIds] = await idsOfPages(hist.token, 2);
  log(
    `measuring with ENVIRONMENT=${environment} (/__dev/seed now 404), workerd pid ${workerdPid}; ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s each`,
  );

  // 3. Endpoints.
  const auth = { authorization: `Bearer ${hist.token}` };
  const rows = [];
  const measure = async (name, label, scenario) => {
    const r = row(name, label, await runLoad(scenario));
    rows.push(r);
    log(
      `${label.padEnd(48)} ${num(r.rps).padStart(6)} req/s  p50 ${ms(r.p50)} ms  p99 ${ms(r.p99)} ms  errors ${r.errors}${r.errorDetail ? ` (${r.errorDetail})` : ""}  workerd ${ms2(r.cpuMs)} ms CPU/req, ${pct(r.cpuShare)} of a core`,
    );
    return r;
  };
  await measure("health", "GET /health", { kind: "static", method: "GET", path: "/health" });
  const reference = { kind: "rotate", path: "/{id}", ids: getIds, headers: { host: REFERENCE_HOST } };
  await measure("reference", "reference: bare Worker, one D1 primary-key query", reference);
  // Like Cloudflare's edge, Miniflare's entry worker sets cf-connecting-ip (127.0.0.1 here) on every request
  // that lacks it, so LOGIN_RATE_LIMITER (30/min per address) would answer all but 30 logins with 429.
  // Each login therefore comes from its own address, as logins from many users would.
  await measure("login", "POST /api/v1/user/login", {
    kind: "login",
    path: "/api/v1/user/login",
    body: { username: hist.username, password: hist.password },
  });
  await measure("get", "GET /api/v1/transaction/{id}", { kind: "rotate", path: "/api/v1/transaction/{id}", ids: getIds, headers: auth });
  await measure("list", `GET /api/v1/transaction/all?limit=100 (${num(HISTORY)} tx)`, {
    kind: "static",
    method: "GET",
    path: "/api/v1/transaction/all?limit=100",
    headers: auth,
  });
  await measure("analytics", `GET /api/v1/transaction/analytics/me (${num(HISTORY)} tx)`, {
    kind: "static",
    method: "GET",
    path: "/api/v1/transaction/analytics/me",
    headers: auth,
  });
  const create = await measure("create", "POST /api/v1/transaction/create", {
    kind: "create",
    path: "/api/v1/transaction/create",
    headers: auth,
  });
  const update = await measure("update", "PUT /api/v1/transaction/update/{id}", {
    kind: "update",
    path: "/api/v1/transaction/update/{id}",
    ids: updateIds,
    headers: auth,
  });
  // Every DELETE removes a distinct existing row: a pool comfortably larger than the write rate seen so far.
  // (Deletes run fewer statements than creates: three times the faster write rate, at least 5,000.)
  const poolSize = Math.min(60_000, Math.max(5000, Math.ceil((Math.max(create.rps, update.rps) * (WARMUP + DURATION) * 3) / 1000) * 1000));
  const poolStarted = performance.now();
  const pool = await createPool(del.token, poolSize);
  log(`created ${num(pool.length)} transactions to delete (${((performance.now() - poolStarted) / 1000).toFixed(1)} s)`);
  const remove = await measure("delete", "DELETE /api/v1/transaction/delete/{id}", {
    kind: "walk",
    method: "DELETE",
    path: "/api/v1/transaction/delete/{id}",
    ids: pool,
    headers: { authorization: `Bearer ${del.token}` },
  });
  const db = () => worker.mf.getD1Database("DB"); // stubs die with each restart
  // A 200 is only answered when the row was deleted; check the rows too (warm-up deletes included, and a
  // request built when the run stopped may not have been sent).
  const deleted =
    pool.length - (await (await db()).prepare("SELECT COUNT(*) AS n FROM transactions WHERE user_id = ?").bind(del.id).first()).n;
  if (deleted < remove.ok || deleted > remove.consumed)
    throw new Error(`${deleted} rows deleted, ${remove.ok} measured 200s, ${remove.consumed} ids used`);
  await measure("health-end", "GET /health (again, drift check)", { kind: "static", method: "GET", path: "/health" });

  await measure("reference-end", "reference again (drift check)", reference);

  // 3b. Production-like latency: every D1 round trip waits D1_DELAY_MS.
  log(`latency mode: ${D1_DELAY_MS} ms before every D1 round trip, ${DELAY_CONNECTIONS} connections ...`);
  await restart({ env: environment, delayMs: D1_DELAY_MS });
  const delayed = [];
  const latency = async (name, label, scenario) => {
    const r = row(name, label, await runLoad({ connections: DELAY_CONNECTIONS, duration: 5, warmup: 1, ...scenario }));
    const trips = name === "reference" ? 1 : ROUND_TRIPS[name];
    Object.assign(r, { trips, limit: trips * D1_DELAY_MS + DELAY_SLACK_MS, oneTripLimit: D1_DELAY_MS + DELAY_SLACK_MS });
    delayed.push(r);
    log(
      `${label.padEnd(48)} p50 ${ms(r.p50)} ms  p99 ${ms(r.p99)} ms  ${num(r.rps)} req/s  errors ${r.errors}${r.errorDetail ? ` (${r.errorDetail})` : ""}`,
    );
  };
  await latency("reference", "reference: bare Worker, one D1 primary-key query", reference);
  await latency("get", "GET /api/v1/transaction/{id}", { kind: "rotate", path: "/api/v1/transaction/{id}", ids: getIds, headers: auth });
  await latency("list", "GET /api/v1/transaction/all?limit=100", {
    kind: "static",
    method: "GET",
    path: "/api/v1/transaction/all?limit=100",
    headers: auth,
  });
  await latency("analytics", "GET /api/v1/transaction/analytics/me", {
    kind: "static",
    method: "GET",
    path: "/api/v1/transaction/analytics/me",
    headers: auth,
  });
  await latency("create", "POST /api/v1/transaction/create", { kind: "create", path: "/api/v1/transaction/create", headers: auth });
  await latency("update", "PUT /api/v1/transaction/update/{id}", {
    kind: "update",
    path: "/api/v1/transaction/update/{id}",
    ids: updateIds,
    headers: auth,
  });
  await latency("delete", "DELETE /api/v1/transaction/delete/{id}", {
    kind: "walk",
    method: "DELETE",
    path: "/api/v1/transaction/delete/{id}",
    ids: pool.slice(remove.consumed),
    headers: { authorization: `Bearer ${del.token}` },
  });
  await restart({ env: environment });

  // 4. Bulk import vs raw SQLite.
  log(`bulk import: ${num(BULK_ROWS)} rows, ${BULK_PER_REQUEST} per request, ${BULK_CONNECTIONS} connections ...`);
  const imported = SKIP_BULK ? { created: BULK_ROWS, seconds: 1, latency: { p50: 0, p99: 0 } } : await runLoad(bulkScenario(bulk.token));
  const stored = await (await db())
    .prepare(
      "SELECT COUNT(*) AS n, (SELECT SUM(tx_count) FROM daily_rollups WHERE user_id = ?1) AS rolled FROM transactions WHERE user_id = ?1",
    )
    .bind(bulk.id)
    .first();
  if (!SKIP_BULK && (imported.created !== BULK_ROWS || stored.n !== BULK_ROWS || stored.rolled !== BULK_ROWS)) {
    throw new Error(
      `bulk import: ${imported.created} reported created, ${stored.n} stored, ${stored.rolled} in rollups; expected ${BULK_ROWS}`,
    );
  }
  const bulkRate = imported.created / imported.seconds;
  const [bulkFirst, bulkLast] = (imported.phases ?? [NaN, NaN]).map((p) => p * BULK_PER_REQUEST);
  log(
    `bulk import: ${num(bulkRate)} rows/s (${imported.seconds.toFixed(1)} s; first fifth ${num(bulkFirst)} rows/s, last fifth ${num(bulkLast)} rows/s)`,
  );
  const raw = plainInsertRate({ dir: work, migrationsDir: join(root, "migrations"), count: BULK_ROWS });
  log(`raw SQLite: ${num(raw.rowsPerSecond)} rows/s (${raw.seconds.toFixed(2)} s)`);

  const ref = rows.find((r) => r.name === "reference");
  for (const r of rows) {
    r.ratio = r.rps / ref.rps;
    r.target = TARGETS[r.name];
    r.met = r.target === undefined ? undefined : r.ratio >= r.target;
  }
  const bulkRatio = bulkRate / raw.rowsPerSecond;
  const bulkMet = SKIP_BULK || bulkRatio >= BULK_TARGET;
  const missed = rows.filter((r) => r.met === false);

  // 5. Profile where targets were missed.
  let probe = null;
  const v8 = {};
  if (missed.length > 0) {
    log(`profiling (missed: ${missed.map((r) => r.name).join(", ")}): probe Worker in the same workerd, on the same D1 ...`);
    await restart({ env: environment, probeUserId: hist.id });
    const probeRun = async (path) => {
      const r = await runLoad({ kind: "static", method: "GET", path, duration: PROFILE_SECONDS, warmup: 1, headers: { host: PROBE_HOST } });
      if (r.non2xx + r.errors > 0) throw new Error(`probe ${path}: ${JSON.stringify(r.statusCodes)}`);
      return { rps: r.ok / r.seconds, cpuMs: r.workerdCpuMsPerRequest };
    };
    const noop = await probeRun("/noop");
    const d1 = await probeRun("/d1");
    const d1x2 = await probeRun("/d1x2");
    probe = { noop, d1, d1x2, roundTripMs: (d1x2.cpuMs - noop.cpuMs) / 2 };
    log(
      `probe: noop ${ms2(probe.noop.cpuMs)}, 1 D1 query ${ms2(probe.d1.cpuMs)}, 2 queries ${ms2(probe.d1x2.cpuMs)} ms CPU/req -> ${ms2(probe.roundTripMs)} ms per D1 round trip`,
    );
  }
  // V8 sampling profile of the app's isolate (DevTools inspector) while it serves the missed kinds of request.
  const profiled = [...(missed.length > 0 ? ["get", "create"] : []), ...(bulkMet ? [] : ["bulk"])];
  if (profiled.length > 0) {
    await restart({ env: environment, inspector: true });
    const inspector = (await worker.mf.getInspectorURL()).href;
    const target = `core:user:${worker.config.name}`;
    for (const name of profiled) {
      // Each after an unprofiled warm-up on the fresh isolate, so that the profile is not of the JIT warming up.
      let scenario;
      if (name === "get")
        scenario = { kind: "rotate", path: "/api/v1/transaction/{id}", ids: getIds, headers: auth, duration: PROFILE_SECONDS, warmup: 0 };
      else if (name === "create")
        scenario = { kind: "create", path: "/api/v1/transaction/create", headers: auth, duration: PROFILE_SECONDS, warmup: 0 };
      else scenario = { ...bulkScenario((await signUpAndLogin(worker.url, "benchprofile")).token), amount: BULK_PROFILE_REQUESTS }; // a fresh user: short history
      await runLoad(scenario.amount ? { ...scenario, amount: 8, firstRow: 1_000_000 } : { ...scenario, duration: 1 });
      const session = await startProfiling(inspector, { intervalUs: 1000, only: [target] });
      const r = await runLoad(scenario);
      const profiles = await session.stop();
      if (!profiles[target]) throw new Error("no profile from the app's isolate");
      v8[name] = { ...attribute(profiles[target], join(bundle.dir, `${bundle.main}.map`)), requests: r.total };
      log(
        `V8 profile of ${name}: ${v8[name].parts
          .slice(0, 5)
          .map(([k, t]) => `${k} ${pct(t / v8[name].busy)}`)
          .join(", ")}`,
      );
    }
  }
  let bulkProfile = null;
  if (!bulkMet) {
    log("profiling bulk import: rollup statement plan, the same statements in plain SQLite, a re-run after ANALYZE ...");
    await restart({ env: environment }); // as measured: no inspector, no probe
    const ids = Array(98).fill("?").join(", ");
    // The shape of addToRollups for fresh ids (src/transactions/insert.ts): keyed on id alone.
    const planSql = `EXPLAIN QUERY PLAN SELECT currency FROM transactions WHERE id IN (${ids})`;
    const plan = async () =>
      (
        await (
          await db()
        )
          .prepare(planSql)
          .bind(...Array(98).fill("x"))
          .all()
      ).results
        .map((p) => p.detail)
        .join("; ");
    const planBefore = await plan();
    const shaped = apiShapedInsertRate({ dir: work, migrationsDir: join(root, "migrations"), count: BULK_ROWS, analyzeAfterFirst: true });
    await (await db()).exec("ANALYZE");
    const planAfter = await plan();
    const again = await signUpAndLogin(worker.url, "benchbulk2");
    const rerun = await runLoad(bulkScenario(again.token));
    if (rerun.created !== BULK_ROWS) throw new Error(`bulk re-run created ${rerun.created}`);
    bulkProfile = { planBefore, planAfter, shaped, rerun, rerunRate: rerun.created / rerun.seconds };
    log(`plan before: ${planBefore} | after ANALYZE: ${planAfter}`);
    log(
      `API-shaped SQL in SQLite (with statistics): ${num(shaped.rowsPerSecond)} rows/s; API bulk after ANALYZE: ${num(bulkProfile.rerunRate)} rows/s, ${ms2(rerun.workerdCpuMsPerRequest)} ms workerd CPU per request`,
    );
  }
  const endLoad = loadavg();

  // 6. Report.
  const elapsed = (performance.now() - startedAt) / 1000;
  const mark = (met) => (met === undefined ? "" : met ? "met" : "**missed**");
  const endpointTable = [
    "| endpoint | D1 round trips | req/s | p50 ms | p99 ms | errors | vs reference | target | | workerd CPU ms/req | workerd CPU (1 core = 100%) | vs reference per CPU ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.name.startsWith("reference") ? 1 : (ROUND_TRIPS[r.name] ?? (r.name === "login" ? 2 : 0))} | ${num(r.rps)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.errors}${r.errorDetail ? ` (${r.errorDetail})` : ""} | ${pct(r.ratio)} | ${r.target === undefined ? "" : `>= ${pct(r.target)}`} | ${mark(r.met)} | ${ms2(r.cpuMs)} | ${pct(r.cpuShare)} | ${pct(ref.cpuMs / r.cpuMs)} |`,
    ),
  ].join("\n");
  const latencyTable = [
    `| endpoint (${D1_DELAY_MS} ms per D1 round trip, ${DELAY_CONNECTIONS} connections) | D1 round trips | p50 ms | p99 ms | req/s | errors | target p50 | |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...delayed.map((r) => {
      const target = r.trips === 1 ? `<= ${r.oneTripLimit}` : `<= ${r.limit} (${r.trips} round trips, listed)`;
      return `| ${r.label} | ${r.trips} | ${ms(r.p50)} | ${ms(r.p99)} | ${num(r.rps)} | ${r.errors}${r.errorDetail ? ` (${r.errorDetail})` : ""} | ${target} | ${r.p50 <= r.limit ? "met" : "**missed**"} |`;
    }),
  ].join("\n");
  const bulkTable = [
    "| bulk import | rows | s | rows/s | vs raw SQLite | target | |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    `| POST /api/v1/transaction/bulk, ${BULK_PER_REQUEST}/request, ${BULK_CONNECTIONS} connections (p50 ${ms(imported.latency.p50)} ms, p99 ${ms(imported.latency.p99)} ms per request; first fifth ${num(bulkFirst)} rows/s, last fifth ${num(bulkLast)} rows/s) | ${num(imported.created)} | ${imported.seconds.toFixed(1)} | ${num(bulkRate)} | ${pct(bulkRatio)} | >= ${pct(BULK_TARGET)} | ${mark(bulkMet)} |`,
    `| raw SQLite (node:sqlite): plain INSERTs of the same rows, one transaction, no rollups | ${num(raw.rows)} | ${raw.seconds.toFixed(2)} | ${num(raw.rowsPerSecond)} | 100% | | |`,
  ].join("\n");
  const sizeLine = `Bundle (\`wrangler deploy --dry-run\`): ${bundle.modules.join(", ")} ${num(bundle.bytes)} bytes (${(bundle.bytes / 1024).toFixed(1)} KiB), gzip ${num(bundle.gzipBytes)} bytes (${(bundle.gzipBytes / 1024).toFixed(1)} KiB, zlib level 6)${bundle.wranglerReported ? `; wrangler's own count: ${bundle.wranglerReported.kib} KiB / gzip ${bundle.wranglerReported.gzipKib} KiB` : ""}.`;

  const profileText = [];
  const share = (name, test) => {
    const p = v8[name];
    return p ? p.parts.filter(([k]) => test(k)).reduce((sum, [, t]) => sum + t, 0) / p.busy : NaN;
  };
  const top = (name, n = 7) =>
    v8[name].parts
      .slice(0, n)
      .map(([k, t]) => `${k} ${pct(t / v8[name].busy)}`)
      .join(", ");
  const v8Intro =
    `V8's sampling profiler on the app's isolate (DevTools inspector, 1 ms samples, source-mapped to npm packages and src/ files; natives such as JSON or console.log charged to their JavaScript caller; shares of the isolate's busy samples; ` +
    `approximate, since V8 inlining can move samples between a library and the app code that calls it)`;
  if (probe) {
    const floor = ref.cpuMs;
    const measured = rows.filter((r) => r.name !== "health-end");
    profileText.push(
      "",
      "### Where the time goes (missed targets)",
      "",
      `workerd ran the app, D1's Durable Object and Miniflare's entry and queue workers on one thread (its busiest thread did ${pct(Math.min(...measured.map((r) => r.threadShare)))}-${pct(Math.max(...measured.map((r) => r.threadShare)))} of its CPU in every run), ` +
        `so throughput is bounded by 1 / (workerd CPU per request): the CPU columns are the cost, and "vs reference per CPU ms" is the throughput ratio with the noise of the shared machine taken out. ` +
        `Where workerd got less than a full core, the rest went to autocannon (${pct(Math.max(...rows.map((r) => r.loadGeneratorCpu)))} of a core at most) and other processes.`,
      "",
      `**D1 round trips.** A probe Worker (plain JS, no Hono, no drizzle) was added to the same workerd, bound to the same D1 database, behind the same entry worker: ` +
        `\`/noop\` ${ms2(probe.noop.cpuMs)} ms CPU/request (${num(probe.noop.rps)} req/s), one D1 query (the auth user lookup) ${ms2(probe.d1.cpuMs)} ms (${num(probe.d1.rps)} req/s), ` +
        `two sequential queries ${ms2(probe.d1x2.cpuMs)} ms (${num(probe.d1x2.rps)} req/s): **about ${ms2(probe.roundTripMs)} ms of runtime CPU per D1 round trip** ` +
        `(D1's client, the RPC into Miniflare's D1 Durable Object, SQLite, the results serialized back). D1 in local workerd is a SQLite-backed Durable Object: every query is a round trip into it.`,
      "",
      "| endpoint | workerd CPU ms/req | reference (bare Worker, 1 round trip) | further D1 round trips (src/db/round-trips.ts) x probe cost | left: the app's JavaScript, and for writes the write batch, queue send, consumer |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...rows
        .filter((r) => ROUND_TRIPS[r.name] !== undefined)
        .map((r) => {
          const d1 = (ROUND_TRIPS[r.name] - 1) * probe.roundTripMs;
          return `| ${r.name} | ${ms2(r.cpuMs)} | ${ms2(floor)} | ${ROUND_TRIPS[r.name] - 1} x ${ms2(probe.roundTripMs)} = ${ms2(d1)} | ${ms2(r.cpuMs - floor - d1)} |`;
        }),
      "",
      `**The app's own JavaScript.** ${v8Intro}:`,
      ...["get", "create"].filter((n) => v8[n]).map((name) => `- ${name}: ${top(name)}.`),
      "",
      "What is left, and why:",
      `- D1: get, list, analytics, create and delete make one round trip, like the reference (the token check travels in the handler's batch); update makes two (listed in src/db/round-trips.ts). ` +
        `What separates an endpoint from the reference is the app's own work per request (JWT verification, routing, validation, drizzle, the response) and, for writes, the bigger batch, the queue send and the consumer's recompute.`,
      `- In the app's isolate, drizzle-orm is ${pct(share("get", (k) => k === "drizzle-orm"))} of get's samples and ${pct(share("create", (k) => k === "drizzle-orm"))} of create's: ` +
        `SQL rebuilt from the query builders and relational queries (\`db.query.*.findFirst\`) on every request, then row mapping; drizzle's prepared queries (\`.prepare()\`) would skip the rebuilding. ` +
        `Hono (routing, context, \`c.json\`, the middleware chain) is ${pct(share("get", (k) => k === "hono"))} / ${pct(share("create", (k) => k === "hono"))}; the request log line (src/lib/log.ts) ` +
        `${pct(share("get", (k) => k === "src/lib/log.ts"))} / ${pct(share("create", (k) => k === "src/lib/log.ts"))}; workerd's D1 client code inside the isolate ` +
        `${pct(share("get", (k) => k.includes("d1-api")))} / ${pct(share("create", (k) => k.includes("d1-api")))}.`,
      `- Creates (${ms2(create.cpuMs)} ms) pay, on top of a read's costs, for a write batch (insert, rollup upsert, audit row, counter bump) committed by D1's Durable Object, ` +
        `the queue send in \`waitUntil\` (an RPC into the queue broker's Durable Object, which stores the message) and the consumer's snapshot recompute, all on the same thread.`,
    );
  }
  if (bulkProfile) {
    const perRequest = bulkProfile.rerun.workerdCpuMsPerRequest;
    profileText.push(
      "",
      "### Bulk import (missed target)",
      "",
      `- Over the run: ${num(bulkFirst)} rows/s in the first fifth of the requests, ${num(bulkLast)} in the last. The rollup statement each bulk batch runs per 98 fresh ids ` +
        `(\`addToRollups\`: \`… WHERE id IN (…98 ids)\`) plans as \`${bulkProfile.planBefore}\`, a primary-key lookup per id, so a batch does not scan the user's history. ` +
        `(An earlier version also filtered on user_id; without statistics SQLite then walked the (user_id, …) index through the whole history for every chunk, and the import slowed from 5.4k to 2.0k rows/s as it went.)`,
      `- After \`ANALYZE\` (plan \`${bulkProfile.planAfter}\`), a second ${num(BULK_ROWS)}-row import through the API (fresh user) ran at ` +
        `**${num(bulkProfile.rerunRate)} rows/s** (${pct(bulkProfile.rerunRate / raw.rowsPerSecond)} of raw; first fifth ${num(bulkProfile.rerun.phases?.[0] * BULK_PER_REQUEST)}, last fifth ${num(bulkProfile.rerun.phases?.[1] * BULK_PER_REQUEST)} rows/s; ` +
        `workerd ${ms2(perRequest)} ms CPU per 1,000-row request, ${pct(bulkProfile.rerun.workerdCpuShare)} of a core).`,
      `- What is left: the statements the API's batch runs (8-row INSERTs with RETURNING, as D1 binds at most 100 parameters; 11 rollup upserts; an audit row; the counter bump; ` +
        `one transaction per 1,000 rows) manage ${num(bulkProfile.shaped.rowsPerSecond)} rows/s in plain SQLite with statistics (${pct(bulkProfile.shaped.rowsPerSecond / raw.rowsPerSecond)} of raw): ` +
        `the write amplification of rollups and audit trail${bulkProfile.shaped.rowsPerSecond / raw.rowsPerSecond < BULK_TARGET ? `, so the ${pct(BULK_TARGET)} target is not reachable with this write path even with a free Worker` : ""}. ` +
        `The rest is the Worker's own work and the batch's trip through D1's Durable Object` +
        `${v8.bulk ? `; the app's isolate, profiled over ${BULK_PROFILE_REQUESTS} bulk requests of a fresh user (same method as above): ${top("bulk", 8)}.` : "."}`,
    );
  }

  const section = `<!-- bench:main:start -->
## API throughput of the production build (\`npm run bench\`)

Run on ${new Date().toISOString().slice(0, 10)} in ${elapsed.toFixed(0)} s: ${cpus().length} x ${cpus()[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}
(load average ${startLoad.map((l) => l.toFixed(2)).join(" ")} at the start, ${endLoad.map((l) => l.toFixed(2)).join(" ")} at the end: other processes shared the 2 cores);
Node ${process.version}, workerd ${versions.workerd} (${versions.workerdDate}), wrangler ${versions.wrangler}, miniflare ${versions.miniflare}, hono ${packageVersion("hono")}, drizzle-orm ${packageVersion("drizzle-orm")}, autocannon ${packageVersion("autocannon")}.
${sizeLine}

${endpointTable}

${latencyTable}

${SKIP_BULK ? "(bulk import skipped: BENCH_SKIP_BULK=1)" : bulkTable}

How it was measured:
- **The deploy bundle in workerd, not \`wrangler dev\`.** \`wrangler deploy --dry-run --outdir <tmp>\` wrote \`${bundle.main}\` (sha256 ${bundle.sha256.slice(0, 16)}…), the module deploy would upload;
  it was loaded as is (\`scriptPath\`, \`modules: true\`) through Miniflare ${versions.miniflare}'s API (the copy wrangler ${versions.wrangler} depends on) into workerd ${versions.workerd}. The socket autocannon hit,
  127.0.0.1:${worker.port}, was owned by ${listener ? `pid ${listener.pid}, \`${listener.exe.replace(`${root}/`, "")}\`${listener.childOfBench ? ", a child of the benchmark process" : ""}` : "workerd (not verified: no /proc)"}: no wrangler dev proxy worker,
  no esbuild watch build, none of the middleware wrangler dev injects. Requests pass Miniflare's entry worker inside the same workerd (as on Cloudflare, it adds \`cf-connecting-ip\`);
  \`request.cf\` is a placeholder (\`cf: false\`), Miniflare's request logging is off, the app's own log lines are collected and dropped.
- Bindings as in wrangler.toml (read with wrangler's \`unstable_readConfig\`): D1 \`DB\` (fresh, persisted under a temp dir, migrations/*.sql applied through the binding), queue producer
  \`ANALYTICS_QUEUE\` with both consumers in the same Worker, rate limiter \`LOGIN_RATE_LIMITER\`, the vars, a random 48-byte \`JWT_SECRET\`. Cron triggers are not fired.
  ENVIRONMENT was "development" only to seed through \`/__dev/seed\`; workerd was then restarted with wrangler.toml's "${environment}" (same port and data; \`/__dev/seed\` then answered 404),
  so the numbers include no development-only work (such as the fault-switch lookup before every queue send).
- Load: autocannon in a separate Node process over loopback, ${CONNECTIONS} connections, no pipelining, ${WARMUP} s warm-up then ${DURATION} s per endpoint, in the order listed, one run.
  req/s counts 2xx responses; errors are non-2xx responses plus timeouts and connection errors; latency percentiles are autocannon's (1 ms resolution).
  workerd CPU is the workerd process's user+system time (all threads, /proc) over warm-up and run, per request and as a share of one core (above 100%: V8's helper threads).
- get/list/analytics/create/update on one user seeded with ${num(HISTORY)} transactions over 1,000 days (one \`/__dev/seed\` call, ${seedSeconds.toFixed(1)} s), snapshot recomputed before the reads;
  get cycles through 1,000 of its ids, update through 1,000 others (amount, status, description); create posts a different day and amount each time.
  Login always uses the right password (no failure throttling) and, because the runtime adds \`cf-connecting-ip\` anyway, each attempt carries its own address so the per-address
  limiter (30/min) lets it through, as it would for logins from many users; it is bound by PBKDF2 (100,000 iterations).
  Delete: ${num(pool.length)} transactions pre-created for another user (bulk endpoint); every DELETE targets a distinct existing id; the rows left afterwards were checked against the 200s.
- Bulk import: ${num(BULK_ROWS)} new transactions for a fresh user in ${BULK_ROWS / BULK_PER_REQUEST} requests of ${BULK_PER_REQUEST} (atomic), ${BULK_CONNECTIONS} in flight; rows and rollups were counted in D1 afterwards.
  Raw baseline: the same ${num(BULK_ROWS)} rows through \`node:sqlite\` (DatabaseSync, file database in WAL mode, foreign keys on, migrations applied), one prepared single-row INSERT per row,
  all in one transaction, values prepared before timing, **without** the daily_rollups upsert the API also does.
- **The reference** is a bare Worker in the same workerd (a plain module, no framework, \`scripts/lib/bench-worker.mjs\`): one D1 primary-key query (\`SELECT * FROM transactions WHERE id = ?\`, the same ids as get) per request on the same database, reached through the same entry worker (by its own host name); it was measured right before the endpoints and again after them (drift check). Targets, as shares of the first reference run: get and analytics >= 80%, list of 100 >= 60%, create >= 50%; bulk import >= 25% of raw SQLite. "D1 round trips" is the budget of src/db/round-trips.ts that test/round-trips.test.ts enforces.
- **Latency mode**: the same bundle and data, restarted with an entry module that wraps the D1 binding of the app and of the reference so that every round trip (a statement's first/all/run/raw, or a batch) first waits ${D1_DELAY_MS} ms, as a Worker far from D1's primary would; ${DELAY_CONNECTIONS} connections, 1 s warm-up then 5 s per endpoint. Target: each endpoint's p50 within one delay plus ${DELAY_SLACK_MS} ms (routes listed with more round trips: that many delays plus ${DELAY_SLACK_MS} ms).
${profileText.join("\n")}
<!-- bench:main:end -->`;

  const file = join(root, "docs", "benchmarks.md");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  const marker = /<!-- bench:main:start -->[\s\S]*<!-- bench:main:end -->/;
  const updated = marker.test(current)
    ? current.replace(marker, () => section)
    : current.replace(/^(# [^\n]*\n)/, (title) => `${title}\n${section}\n`);
  writeFileSync(file, updated.includes(section) ? updated : `${current.trimEnd()}\n\n${section}\n`);
  console.log(
    `\n${sizeLine}\n\n${endpointTable}\n\n${latencyTable}\n\n${bulkTable}\n${profileText.join("\n")}\n\nwritten to docs/benchmarks.md (${elapsed.toFixed(0)} s)`,
  );
  if (worker.logs.errors.length) console.log(`worker error logs:\n${worker.logs.errors.join("\n")}`);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
