// npm run bench, step 5 for bulk import: the rollup statement's plan before and after ANALYZE, the API's statements
// in plain SQLite, and a re-run of the import through the API after ANALYZE.
import { join } from "node:path";
import { root, signUpAndLogin } from "../lib/local-worker.mjs";
import { apiShapedInsertRate } from "../lib/sqlite-baseline.mjs";
import { BULK_ROWS, ms2, num } from "./config.mjs";
import { bulkScenario, db, log, restart, runLoad, work, worker } from "./session.mjs";

export async function profileBulk({ environment }) {
  log("profiling bulk import: rollup statement plan, the same statements in plain SQLite, a re-run after ANALYZE ...");
  await restart({ env: environment }); // as measured: no inspector, no probe
  const ids = Array(98).fill("?").join(", ");
  // The shape of addToRollups for fresh ids (src/transactions/insert.ts): keyed on id alone.
  const planSql = `EXPLAIN QUERY PLAN SELECT currency FROM transactions WHERE id IN (${ids})`;
  const plan = async () =>
    (
      await (
        await db("")
      )
        .prepare(planSql)
        .bind(...Array(98).fill("x"))
        .all()
    ).results
      .map((p) => p.detail)
      .join("; ");
  const planBefore = await plan();
  const shaped = apiShapedInsertRate({
    dir: work,
    migrationsDir: join(root, "migrations", "shard"),
    count: BULK_ROWS,
    analyzeAfterFirst: true,
  });
  // Every shard: the re-run's fresh user may live on any of them.
  for (const { binding } of worker.config.d1_databases) await (await worker.mf.getD1Database(binding)).exec("ANALYZE");
  const planAfter = await plan();
  const again = await signUpAndLogin(worker.url, "benchbulk2");
  const rerun = await runLoad(bulkScenario(again.token));
  if (rerun.created !== BULK_ROWS) throw new Error(`bulk re-run created ${rerun.created}`);
  const bulkProfile = { planBefore, planAfter, shaped, rerun, rerunRate: rerun.created / rerun.seconds };
  log(`plan before: ${planBefore} | after ANALYZE: ${planAfter}`);
  log(
    `API-shaped SQL in SQLite (with statistics): ${num(shaped.rowsPerSecond)} rows/s; API bulk after ANALYZE: ${num(bulkProfile.rerunRate)} rows/s, ${ms2(rerun.workerdCpuMsPerRequest)} ms workerd CPU per request`,
  );
  return bulkProfile;
}
