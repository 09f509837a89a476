// npm run bench, step 3: every endpoint under load, one after another, each a row of the report.
import { DURATION, HISTORY, ms, ms2, num, pct, WARMUP } from "./config.mjs";
import { createPool, db, log, runLoad } from "./session.mjs";

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

export async function measureEndpoints({ hist, del, getIds, updateIds }) {
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
  // A 200 is only answered when the row was deleted; check the rows too (warm-up deletes included, and a
  // request built when the run stopped may not have been sent).
  const deleted =
    pool.length - (await (await db()).prepare("SELECT COUNT(*) AS n FROM transactions WHERE user_id = ?").bind(del.id).first()).n;
  if (deleted < remove.ok || deleted > remove.consumed)
    throw new Error(`${deleted} rows deleted, ${remove.ok} measured 200s, ${remove.consumed} ids used`);
  await measure("health-end", "GET /health (again, drift check)", { kind: "static", method: "GET", path: "/health" });
  return { auth, rows, create, update, pool };
}
