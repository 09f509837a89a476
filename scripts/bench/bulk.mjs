// npm run bench, step 4: bulk import through the API against plain SQLite inserts; the targets of every row.
import { join } from "node:path";
import { root } from "../lib/local-worker.mjs";
import { plainInsertRate } from "../lib/sqlite-baseline.mjs";
import { BULK_CONNECTIONS, BULK_PER_REQUEST, BULK_ROWS, BULK_TARGET, num, SKIP_BULK, TARGETS } from "./config.mjs";
import { bulkScenario, db, log, runLoad, work } from "./session.mjs";

export async function measureBulk({ bulk, rows }) {
  // 4. Bulk import vs raw SQLite.
  log(`bulk import: ${num(BULK_ROWS)} rows, ${BULK_PER_REQUEST} per request, ${BULK_CONNECTIONS} connections ...`);
  const imported = SKIP_BULK ? { created: BULK_ROWS, seconds: 1, latency: { p50: 0, p99: 0 } } : await runLoad(bulkScenario(bulk.token));
  const stored = await (await db(bulk.id))
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
  const raw = plainInsertRate({ dir: work, migrationsDir: join(root, "migrations", "shard"), count: BULK_ROWS });
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
  return { imported, raw, bulkRate, bulkFirst, bulkLast, ref, bulkRatio, bulkMet, missed };
}
