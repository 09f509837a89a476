// npm run bench, step 5: where the time goes when a target is missed: a D1 probe Worker, V8 sampling profiles of
// the app's isolate, and for bulk import the rollup statement's plan and the same statements in plain SQLite.
import { join } from "node:path";
import { PROBE_HOST } from "../lib/bench-worker.mjs";
import { root, signUpAndLogin } from "../lib/local-worker.mjs";
import { attribute, startProfiling } from "../lib/profiler.mjs";
import { apiShapedInsertRate } from "../lib/sqlite-baseline.mjs";
import { BULK_PROFILE_REQUESTS, BULK_ROWS, ms2, num, PROFILE_SECONDS, pct } from "./config.mjs";
import { bulkScenario, db, log, restart, runLoad, work, worker } from "./session.mjs";

export async function profileMisses({ missed, bulkMet, environment, hist, getIds, auth, bundle }) {
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
  return { probe, v8, bulkProfile };
}
