// The raw SQLite insert rate of the transactions schema (node:sqlite, Node >= 22.5), for comparison with
// the API's bulk import. Same migrations, same synthetic rows, a file database in WAL mode (like the
// SQLite files under local D1), foreign keys on (as D1 enforces them).
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
// The ledger's own rollup SQL text (a plain .ts file with no imports: Node 24 strips nothing and loads it).
import { ADD_TO_ROLLUPS_HEAD, ADD_TO_ROLLUPS_TAIL, ROW_CONTRIBUTION } from "../../src/analytics/rollup-sql.ts";
import { syntheticItem } from "./synthetic.mjs";

const USER_ID = "usr_rawbaseline0000000000000000";
const COLUMNS = [
  "id",
  "user_id",
  "transaction_date",
  "amount_minor",
  "currency",
  "transaction_type",
  "status",
  "description",
  "etag",
  "created_at",
  "updated_at",
  "external_id",
];

function openDatabase(file, migrationsDir) {
  const db = new DatabaseSync(file);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA foreign_keys = ON");
  // drizzle-kit's "--> statement-breakpoint" markers are SQL comments.
  for (const f of readdirSync(migrationsDir)
    .filter((n) => n.endsWith(".sql"))
    .sort())
    db.exec(readFileSync(join(migrationsDir, f), "utf8"));
  const now = new Date().toISOString();
  // A shard's users row (the password hash lives in the directory).
  db.prepare("INSERT INTO users (id, username, full_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)").run(
    USER_ID,
    "raw",
    "Raw",
    now,
    now,
  );
  return db;
}

/** Row values prepared up front, so only SQLite's work is timed. */
function rows(count) {
  const now = new Date().toISOString();
  return Array.from({ length: count }, (_, n) => {
    const item = syntheticItem(n);
    return [
      `txn_${randomBytes(13).toString("hex")}`,
      USER_ID,
      item.transaction_date,
      item.amount_minor,
      item.currency,
      item.transaction_type,
      "success",
      item.description,
      randomBytes(12).toString("hex"),
      now,
      now,
      null,
    ];
  });
}

/** Baseline: one prepared single-row INSERT per row, all rows in ONE transaction; no rollups. */
export function plainInsertRate({ dir, migrationsDir, count }) {
  const db = openDatabase(join(dir, "raw-plain.sqlite"), migrationsDir);
  const values = rows(count);
  const insert = db.prepare(`INSERT INTO transactions (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})`);
  const started = performance.now();
  db.exec("BEGIN");
  for (const v of values) insert.run(...v);
  db.exec("COMMIT");
  const seconds = (performance.now() - started) / 1000;
  const stored = db.prepare("SELECT COUNT(*) AS n FROM transactions").get()?.n;
  db.close();
  if (stored !== count) throw new Error(`raw baseline stored ${stored} rows, expected ${count}`);
  return { rows: count, seconds, rowsPerSecond: count / seconds };
}

/**
 * For the profile: the statements one bulk request's D1 batch runs (src/transactions/insert.ts, src/analytics/ledger.ts), per
 * 1,000 rows in one transaction: 8-row INSERTs (D1 binds at most 100 parameters) … ON CONFLICT DO NOTHING RETURNING id, the rollup upsert
 * per 98 ids, one audit row, the analytics counter bump. Same SQL work, no Worker, no D1 round trip.
 */
export function apiShapedInsertRate({ dir, migrationsDir, count, perRequest = 1000, analyzeAfterFirst = false }) {
  const db = openDatabase(join(dir, "raw-api-shaped.sqlite"), migrationsDir);
  const values = rows(count);
  const ROWS_PER_INSERT = Math.floor(100 / COLUMNS.length);
  const IDS_PER_ROLLUP = 98;
  const one = `(${COLUMNS.map(() => "?").join(", ")})`;
  const insertSql = (n) =>
    `INSERT INTO transactions (${COLUMNS.join(", ")}) VALUES ${Array(n).fill(one).join(", ")} ON CONFLICT DO NOTHING RETURNING id`;
  const rollupSql = (n) => `${ADD_TO_ROLLUPS_HEAD}
    SELECT user_id, currency, day, category_id, SUM(n), SUM(credit), SUM(debit) FROM (
      SELECT ${ROW_CONTRIBUTION} FROM transactions WHERE id IN (${Array(n).fill("?").join(", ")})
    ) GROUP BY user_id, currency, day, category_id
    ${ADD_TO_ROLLUPS_TAIL}`;
  const audit = db.prepare(
    "INSERT INTO audit_log (id, user_id, action, target_id, request_id, client_ip, details, created_at) VALUES (?, ?, 'transaction.bulk_create', NULL, ?, NULL, ?, ?)",
  );
  const bump = db.prepare(
    "INSERT INTO analytics_state (user_id, version) VALUES (?, 1) ON CONFLICT (user_id) DO UPDATE SET version = version + 1 RETURNING version",
  );
  const prepared = new Map();
  const statement = (sql) => prepared.get(sql) ?? prepared.set(sql, db.prepare(sql)).get(sql);

  const started = performance.now();
  for (let offset = 0; offset < values.length; offset += perRequest) {
    const chunk = values.slice(offset, offset + perRequest);
    db.exec("BEGIN");
    for (let i = 0; i < chunk.length; i += ROWS_PER_INSERT) {
      const part = chunk.slice(i, i + ROWS_PER_INSERT);
      statement(insertSql(part.length)).all(...part.flat());
    }
    for (let i = 0; i < chunk.length; i += IDS_PER_ROLLUP) {
      const ids = chunk.slice(i, i + IDS_PER_ROLLUP).map((v) => v[0]);
      statement(rollupSql(ids.length)).run(...ids);
    }
    const now = new Date().toISOString();
    audit.run(`aud_${randomBytes(13).toString("hex")}`, USER_ID, `req_${offset}`, JSON.stringify({ in_batch: chunk.length }), now);
    bump.get(USER_ID);
    db.exec("COMMIT");
    // Statistics as ANALYZE would leave them on a database in use: the planner then looks rows up by id.
    if (analyzeAfterFirst && offset === 0) {
      db.exec("ANALYZE");
      prepared.clear();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const stored = db.prepare("SELECT COUNT(*) AS n FROM transactions").get()?.n;
  const rolled = db.prepare("SELECT SUM(tx_count) AS n FROM daily_rollups").get()?.n;
  db.close();
  if (stored !== count || rolled !== count)
    throw new Error(`API-shaped baseline stored ${stored} rows / ${rolled} in rollups, expected ${count}`);
  return { rows: count, seconds, rowsPerSecond: count / seconds };
}
