// npm run bench, step 3: every endpoint under load, one after another, each a row of the report; the reference
// Worker before and after them (drift check).
import { DURATION, HISTORY, ms, ms2, num, pct, WARMUP } from "./config.mjs";
import { row, scenariosOf } from "./scenarios.mjs";
import { createPool, db, log, runLoad } from "./session.mjs";

export async function measureEndpoints(ctx) {
  const { hist, del } = ctx;
  const load = scenariosOf(ctx);
  // 3. Endpoints.
  const rows = [];
  const measure = async (name, label, scenario) => {
    const r = row(name, label, await runLoad(scenario));
    rows.push(r);
    log(
      `${label.padEnd(48)} ${num(r.rps).padStart(6)} req/s  p50 ${ms(r.p50)} ms  p99 ${ms(r.p99)} ms  errors ${r.errors}${r.errorDetail ? ` (${r.errorDetail})` : ""}  workerd ${ms2(r.cpuMs)} ms CPU/req, ${pct(r.cpuShare)} of a core`,
    );
    return r;
  };
  await measure("health", "GET /health", load.health);
  await measure("reference", "reference: bare Worker, one D1 primary-key query", load.reference);
  // Like Cloudflare's edge, Miniflare's entry worker sets cf-connecting-ip (127.0.0.1 here) on every request
  // that lacks it, so LOGIN_RATE_LIMITER (30/min per address) would answer all but 30 logins with 429.
  // Each login therefore comes from its own address, as logins from many users would.
  await measure("login", "POST /api/v1/user/login", {
    kind: "login",
    path: "/api/v1/user/login",
    body: { username: hist.username, password: hist.password },
  });
  await measure("get", "GET /api/v1/transaction/{id}", load.get);
  await measure("list", `GET /api/v1/transaction/all?limit=100 (${num(HISTORY)} tx)`, load.list);
  await measure("analytics", `GET /api/v1/transaction/analytics/me (${num(HISTORY)} tx)`, load.analytics);
  const create = await measure("create", "POST /api/v1/transaction/create", load.create);
  const update = await measure("update", "PUT /api/v1/transaction/update/{id}", load.update);
  // Every DELETE removes a distinct existing row: a pool comfortably larger than the write rate seen so far.
  // (Deletes run fewer statements than creates: three times the faster write rate, at least 5,000.)
  const poolSize = Math.min(60_000, Math.max(5000, Math.ceil((Math.max(create.rps, update.rps) * (WARMUP + DURATION) * 3) / 1000) * 1000));
  const poolStarted = performance.now();
  const pool = await createPool(del.token, poolSize);
  log(`created ${num(pool.length)} transactions to delete (${((performance.now() - poolStarted) / 1000).toFixed(1)} s)`);
  const remove = await measure("delete", "DELETE /api/v1/transaction/delete/{id}", load.delete(del.token, pool));
  // A 200 is only answered when the row was deleted; check the rows too (warm-up deletes included, and a
  // request built when the run stopped may not have been sent).
  const deleted =
    pool.length - (await (await db(del.id)).prepare("SELECT COUNT(*) AS n FROM transactions WHERE user_id = ?").bind(del.id).first()).n;
  if (deleted < remove.ok || deleted > remove.consumed)
    throw new Error(`${deleted} rows deleted, ${remove.ok} measured 200s, ${remove.consumed} ids used`);
  await measure("health-end", "GET /health (again, drift check)", load.health);

  await measure("reference-end", "reference again (drift check)", load.reference);
  return { rows, create, pool, remove };
}
