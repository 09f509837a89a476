import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import {
  analyticsState,
  auditLog,
  categories,
  dailyRollups,
  events,
  idempotencyKeys,
  labelVersions,
  merchantRollups,
  recurringState,
  recurringStreams,
  rules,
  syncState,
  transactions,
  transactionTombstones,
  users,
  webhookDeliveries,
  webhooks,
} from "../db/schema";
import { fenceHeld, slotOf } from "../db/shards";

/**
 * How one per-user table is copied from a slot's old shard to its new one (docs/scaling.md, "Moving a slot").
 * - "diff": paged by the primary key `id`; a row is copied when it is missing on the target or its `version`
 *   column differs there, and removed from the target when the source no longer has it. Big tables.
 * - "replace": the user's rows on the target are deleted, then the source's copied (small tables).
 * - "upsert": copied over whatever the target has, never deleted (the users row: deleting it would cascade).
 * Rows travel as JSON that SQLite writes and reads itself, so 64-bit amounts stay exact.
 */
export interface MovedTable {
  name: string;
  userColumn: string;
  mode: "diff" | "replace" | "upsert";
  version?: string;
  columns: string[];
  primaryKey: string[];
}

/**
 * `keyedBy` names a unique key other than the primary key, with `omit` the columns not copied: the events'
 * `pos` is each database's own autoincrement, so a moved event takes the target's next and keeps its `id` and `seq`.
 */
function moved(
  table: SQLiteTable,
  userColumn: string,
  mode: MovedTable["mode"],
  version?: string,
  options: { keyedBy?: string[]; omit?: string[] } = {},
): MovedTable {
  const config = getTableConfig(table);
  const composite = config.primaryKeys[0]?.columns.map((c) => c.name);
  return {
    name: config.name,
    userColumn,
    mode,
    version,
    columns: config.columns.map((c) => c.name).filter((c) => !options.omit?.includes(c)),
    primaryKey: options.keyedBy ?? composite ?? config.columns.filter((c) => c.primary).map((c) => c.name),
  };
}

/**
 * Every table that holds a user's data in a shard, parents first (the users row, then categories before the
 * transactions whose triggers check them). A new per-user table must be added here: test/shards.test.ts
 * fails for any shard table with a user column that is missing.
 */
export const MOVED_TABLES: readonly MovedTable[] = [
  moved(users, "id", "upsert"),
  moved(categories, "user_id", "replace"),
  moved(rules, "user_id", "replace"),
  moved(transactions, "user_id", "diff", "etag"),
  moved(dailyRollups, "user_id", "replace"),
  moved(merchantRollups, "user_id", "replace"),
  moved(analyticsState, "user_id", "replace"),
  moved(auditLog, "user_id", "diff"),
  moved(idempotencyKeys, "scope", "replace"),
  moved(labelVersions, "user_id", "replace"),
  moved(syncState, "user_id", "replace"),
  moved(transactionTombstones, "user_id", "diff"),
  moved(events, "user_id", "diff", "enqueued_at", { keyedBy: ["id"], omit: ["pos"] }),
  // Replacing the endpoints cascades to their delivery log on the target, which the next table copies again.
  moved(webhooks, "user_id", "replace"),
  moved(webhookDeliveries, "user_id", "diff"),
  moved(recurringStreams, "user_id", "replace"),
  moved(recurringState, "user_id", "replace"),
];

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

function rowsAsJson(table: MovedTable): string {
  return `json_group_array(json_object(${table.columns.map((c) => `'${c}', ${quote(c)}`).join(", ")}))`;
}

/** An idempotent insert of rows given as one JSON array (one bound parameter, whatever the row count). */
function upsertFromJson(table: MovedTable): string {
  const cols = table.columns.map(quote).join(", ");
  const values = table.columns.map((c) => `json_extract(value, '$.${c}')`).join(", ");
  const updates = table.columns
    .filter((c) => !table.primaryKey.includes(c))
    .map((c) => `${quote(c)} = excluded.${quote(c)}`)
    .join(", ");
  return `INSERT INTO ${quote(table.name)} (${cols}) SELECT ${values} FROM json_each(?1) WHERE true
    ON CONFLICT (${table.primaryKey.map(quote).join(", ")}) DO ${updates ? `UPDATE SET ${updates}` : "NOTHING"}`;
}

/**
 * Copies one page of one user's rows of `table` from `source` to `target`; returns the cursor of the next
 * page, or null when the table is done for this user. Safe to repeat: the same page copied twice leaves
 * the same rows. In the copy phase (the user keeps writing) the table is copied up to the key it reached
 * when its first page was read, so the copy ends however fast rows are added (ids grow with time); what
 * came later is the catch-up's, which runs unbounded with the slot's writes fenced. Each phase writes only
 * while the target holds that phase's fence (see fenceHeld).
 */
export async function copyPage(
  source: D1Database,
  target: D1Database,
  table: MovedTable,
  userId: string,
  cursor: string | null,
  pageSize: number,
  phase: "copy" | "catchup",
): Promise<string | null> {
  const position = cursor === null ? await startPosition(source, table, userId, phase === "copy") : decodePosition(cursor);
  const write = (statements: D1PreparedStatement[]) =>
    target.batch([fenceHeld(target, slotOf(userId), phase === "copy" ? "moving_in" : "catching_up"), ...statements]);
  const next =
    table.mode === "diff"
      ? await diffPage(source, target, write, table, userId, position, pageSize)
      : await replacePage(source, target, write, table, userId, cursor === null, position, pageSize);
  return next === null ? null : encodePosition({ ...position, after: next });
}

/** Writes a page's statements on the target, behind the phase's fence check. */
type PageWrite = (statements: D1PreparedStatement[]) => Promise<unknown>;

/** Where a table's copy for one user stands: past `after`, and (bounded) up to `ceiling`. */
interface Position {
  after: string;
  ceiling: string | null;
}

const SEPARATOR = "|"; // in no id (prefix and base-32 letters) and no rowid

function encodePosition(p: Position): string {
  return p.ceiling === null ? p.after : `${p.after}${SEPARATOR}${p.ceiling}`;
}

function decodePosition(cursor: string): Position {
  const [after = "", ceiling] = cursor.split(SEPARATOR);
  return { after, ceiling: ceiling ?? null };
}

async function startPosition(source: D1Database, table: MovedTable, userId: string, bounded: boolean): Promise<Position> {
  const start = table.mode === "diff" ? "" : "0";
  if (!bounded) return { after: start, ceiling: null };
  const key = table.mode === "diff" ? "id" : "rowid";
  const top = await source
    .prepare(`SELECT CAST(MAX(${key}) AS TEXT) AS top FROM ${quote(table.name)} WHERE ${quote(table.userColumn)} = ?1`)
    .bind(userId)
    .first<{ top: string | null }>();
  return { after: start, ceiling: top?.top ?? start };
}

async function replacePage(
  source: D1Database,
  target: D1Database,
  write: PageWrite,
  table: MovedTable,
  userId: string,
  first: boolean,
  position: Position,
  pageSize: number,
): Promise<string | null> {
  const page = await source
    .prepare(
      `SELECT COUNT(*) AS n, MAX(_rowid) AS last, ${rowsAsJson(table)} AS rows
       FROM (SELECT rowid AS _rowid, * FROM ${quote(table.name)} WHERE ${quote(table.userColumn)} = ?1 AND rowid > ?2
         AND (?4 IS NULL OR rowid <= ?4) ORDER BY rowid LIMIT ?3)`,
    )
    .bind(userId, Number(position.after), pageSize, position.ceiling === null ? null : Number(position.ceiling))
    .first<{ n: number; last: number | null; rows: string }>();
  const statements: D1PreparedStatement[] = [];
  if (first && table.mode === "replace") {
    statements.push(target.prepare(`DELETE FROM ${quote(table.name)} WHERE ${quote(table.userColumn)} = ?1`).bind(userId));
  }
  if (page && page.n > 0) statements.push(target.prepare(upsertFromJson(table)).bind(page.rows));
  if (statements.length > 0) await write(statements);
  return page && page.n === pageSize ? String(page.last) : null;
}

async function diffPage(
  source: D1Database,
  target: D1Database,
  write: PageWrite,
  table: MovedTable,
  userId: string,
  { after, ceiling }: Position,
  pageSize: number,
): Promise<string | null> {
  const version = table.version ? quote(table.version) : "NULL";
  const name = quote(table.name);
  const user = quote(table.userColumn);
  const page = await source
    .prepare(
      `SELECT COUNT(*) AS n, MAX(id) AS last, json_group_array(json_array(id, v)) AS keys
       FROM (SELECT id, ${version} AS v FROM ${name} WHERE ${user} = ?1 AND id > ?2 AND (?4 IS NULL OR id <= ?4) ORDER BY id LIMIT ?3)`,
    )
    .bind(userId, after, pageSize, ceiling)
    .first<{ n: number; last: string | null; keys: string }>();
  const keys = new Map((JSON.parse(page?.keys ?? "[]") as [string, string | null][]).map(([id, v]) => [id, v]));
  // A full page ends at its last key; the last page reaches to the ceiling (or the end), so the target's extra rows there go too.
  const full = page !== null && page.n === pageSize;
  const upTo = full ? page.last : ceiling;
  const { results: held } = await target
    .prepare(`SELECT id, ${version} AS v FROM ${name} WHERE ${user} = ?1 AND id > ?2 AND (?3 IS NULL OR id <= ?3)`)
    .bind(userId, after, upTo)
    .all<{ id: string; v: string | null }>();
  const there = new Map(held.map((r) => [r.id, r.v]));
  const copy = [...keys].filter(([id, v]) => !there.has(id) || there.get(id) !== v).map(([id]) => id);
  const remove = held.filter((r) => !keys.has(r.id)).map((r) => r.id);
  const statements: D1PreparedStatement[] = [];
  if (remove.length > 0) {
    statements.push(target.prepare(`DELETE FROM ${name} WHERE id IN (SELECT value FROM json_each(?1))`).bind(JSON.stringify(remove)));
  }
  if (copy.length > 0) {
    const rows = await source
      .prepare(`SELECT ${rowsAsJson(table)} AS rows FROM ${name} WHERE id IN (SELECT value FROM json_each(?1))`)
      .bind(JSON.stringify(copy))
      .first<{ rows: string }>();
    statements.push(target.prepare(upsertFromJson(table)).bind(rows?.rows ?? "[]"));
  }
  if (statements.length > 0) await write(statements);
  return full ? page.last : null;
}

/** Deletes one chunk of a user's rows of `table` on the shard the slot moved out of; returns whether rows remain. */
export async function deleteChunk(db: D1Database, table: MovedTable, userId: string, chunk: number): Promise<boolean> {
  const name = quote(table.name);
  const [, deleted] = await db.batch([
    fenceHeld(db, slotOf(userId), "moved_out"),
    db
      .prepare(`DELETE FROM ${name} WHERE rowid IN (SELECT rowid FROM ${name} WHERE ${quote(table.userColumn)} = ?1 LIMIT ?2)`)
      .bind(userId, chunk),
  ]);
  return deleted?.meta.changes === chunk;
}

/** A user's row count per moved table. */
export async function rowCounts(db: D1Database, userId: string): Promise<Record<string, number>> {
  const results = await db.batch<{ n: number }>(
    MOVED_TABLES.map((t) => db.prepare(`SELECT COUNT(*) AS n FROM ${quote(t.name)} WHERE ${quote(t.userColumn)} = ?1`).bind(userId)),
  );
  return Object.fromEntries(MOVED_TABLES.map((t, i) => [t.name, results[i]?.results[0]?.n ?? 0]));
}
