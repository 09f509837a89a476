import { serializeSummary } from "../analytics/compute";
import { loadConsistent } from "../analytics/read";
import { getDb } from "../db/client";
import { bindingNamed, forgetSlotTable, SLOT_COUNT, shardBindingNames, slotTable } from "../db/shards";
import { logEvent } from "../lib/log";
import { copyPage, deleteChunk, MOVED_TABLES, rowCounts } from "./copy";

/**
 * Moving a slot (all its users' data) to another shard: docs/scaling.md. A row in the directory's
 * `slot_moves` holds the phase and a cursor; each queue message advances it by one bounded step and queues
 * the next. Steps are idempotent (upserts, diffs, deletes) and guarded by a step counter (compare-and-set),
 * so a redelivered or duplicated message does nothing twice, and a lost one is re-sent by the cron sweep.
 *
 * prepare  fence the slot on the TARGET (nothing may write there through a stale slot table)
 * copy     copy every user of the slot, table by table, page by page, while they keep writing on the source
 * fence    fence the slot on the SOURCE: from here its requests answer 503 (retry in a moment); the target's
 *          fence becomes the catch-up's (copy pages written late are refused there)
 * catchup  the same copy again: only what changed since (diffs by etag/id; small tables re-copied)
 * verify   per user: row counts of every table, and the analytics summary, equal on both shards
 * switch   the directory's slot table names the target; the target's fence goes; the source's stays
 * cleanup  the users' rows leave the source, in chunks
 * done     (or failed: verification found a difference; the source's fence is lifted, nothing switched)
 */

export type MovePhase = "prepare" | "copy" | "fence" | "catchup" | "verify" | "switch" | "cleanup" | "done" | "failed";

export interface SlotMoveMessage {
  kind: "slot_move";
  slot: number;
  step: number;
}

export function isSlotMoveMessage(body: unknown): body is SlotMoveMessage {
  const b = body as Partial<SlotMoveMessage> | null;
  return b?.kind === "slot_move" && typeof b.slot === "number" && typeof b.step === "number";
}

/** Where a phase that walks the slot's users is: the user, the table (index in MOVED_TABLES), the page cursor. */
interface Cursor {
  user: string;
  table: number;
  page: string | null;
  /** Rows per page and pages per step (small in tests, to interleave with writes). */
  pageSize: number;
  pagesPerStep: number;
  /** Verify: the users found different so far (their checks span several steps). */
  differences?: unknown[];
}

interface MoveRow {
  slot: number;
  from_binding: string;
  to_binding: string;
  phase: MovePhase;
  step: number;
  cursor: string | null;
  report: string | null;
}

const DEFAULTS = { pageSize: 500, pagesPerStep: 20 };
const DELETE_CHUNK = 1000;
/** Users verified per step: each costs about 50 D1 queries (two row counts of every table, two analytics loads). */
const VERIFY_USERS_PER_STEP = 10;
/** A move whose row has not changed for this long lost its message: the cron sweep sends it again. */
export const STALLED_MS = 60_000;

/** Starts moving `slot` to the shard binding `to` (idempotent while that move is under way; a move elsewhere is refused). */
export async function startSlotMove(env: Env, slot: number, to: string, options: Partial<typeof DEFAULTS> = {}): Promise<MoveRow> {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new RangeError(`slot must be 0-${SLOT_COUNT - 1}`);
  if (!shardBindingNames(env).includes(to)) throw new RangeError(`${to} is not a shard binding`);
  forgetSlotTable();
  const from = (await slotTable(env))[slot] as string;
  if (from === to) throw new RangeError(`slot ${slot} is on ${to} already`);
  const now = new Date().toISOString();
  const cursor: Cursor = {
    user: "",
    table: 0,
    page: null,
    pageSize: options.pageSize ?? DEFAULTS.pageSize,
    pagesPerStep: options.pagesPerStep ?? DEFAULTS.pagesPerStep,
  };
  await env.DB.prepare(
    `INSERT INTO slot_moves (slot, from_binding, to_binding, phase, step, cursor, report, started_at, updated_at)
     VALUES (?1, ?2, ?3, 'prepare', 0, ?4, NULL, ?5, ?5)
     ON CONFLICT (slot) DO UPDATE SET from_binding = ?2, to_binding = ?3, phase = 'prepare', step = step + 1, cursor = ?4, report = NULL,
       started_at = ?5, updated_at = ?5
     WHERE phase IN ('done', 'failed')`,
  )
    .bind(slot, from, to, JSON.stringify(cursor), now)
    .run();
  const row = (await readMove(env, slot)) as MoveRow;
  // A move under way kept its row: the same move again is a no-op, another target is refused.
  if (row.to_binding !== to) throw new RangeError(`slot ${slot} is being moved to ${row.to_binding}; let that move end first`);
  await env.ANALYTICS_QUEUE.send({ kind: "slot_move", slot, step: row.step } satisfies SlotMoveMessage);
  logEvent("shards.move_started", { slot, from: row.from_binding, to: row.to_binding });
  return row;
}

export function readMove(env: Env, slot: number): Promise<MoveRow | null> {
  return env.DB.prepare("SELECT slot, from_binding, to_binding, phase, step, cursor, report FROM slot_moves WHERE slot = ?")
    .bind(slot)
    .first<MoveRow>();
}

/** One step of a move; returns the message for the next step (null when the move is over or the message was stale). */
export async function advanceSlotMove(env: Env, message: SlotMoveMessage): Promise<SlotMoveMessage | null> {
  const move = await readMove(env, message.slot);
  if (!move || move.step !== message.step || move.phase === "done" || move.phase === "failed") return null;
  const source = bindingNamed(env, move.from_binding);
  const target = bindingNamed(env, move.to_binding);
  const cursor = JSON.parse(move.cursor ?? "{}") as Cursor;
  const fresh: Cursor = { ...cursor, user: "", table: 0, page: null, differences: undefined };
  let next: { phase: MovePhase; cursor: Cursor; report?: unknown };
  switch (move.phase) {
    case "prepare":
      await fence(target, move.slot, "moving_in");
      next = { phase: "copy", cursor: fresh };
      break;
    case "copy":
    case "catchup": {
      const phase = move.phase;
      const walked = await walkUsers(source, move.slot, cursor, async (user, table, page) =>
        copyPage(source, target, MOVED_TABLES[table] as (typeof MOVED_TABLES)[number], user, page, cursor.pageSize, phase),
      );
      next = walked ? { phase, cursor: walked } : { phase: phase === "copy" ? "fence" : "verify", cursor: fresh };
      break;
    }
    case "fence":
      await fence(source, move.slot, "moving_out");
      // From here the target takes only the catch-up's pages: a copy page read before the fence and written
      // after the catch-up would put an older version of a row back.
      await fence(target, move.slot, "catching_up");
      // The slot's writes wait from here: the catch-up goes in full pages, however small the copy's were.
      next = {
        phase: "catchup",
        cursor: {
          ...fresh,
          pageSize: Math.max(cursor.pageSize, DEFAULTS.pageSize),
          pagesPerStep: Math.max(cursor.pagesPerStep, DEFAULTS.pagesPerStep),
        },
      };
      break;
    case "verify": {
      const checked = await verifyUsers(source, target, move.slot, cursor.user, Math.min(cursor.pagesPerStep, VERIFY_USERS_PER_STEP));
      const differences = [...(cursor.differences ?? []), ...checked.differences];
      if (checked.last !== null) next = { phase: "verify", cursor: { ...cursor, user: checked.last, differences } };
      else if (differences.length > 0) {
        await unfenceFailed(source, target, move.slot);
        next = { phase: "failed", cursor: fresh, report: { differences } };
      } else next = { phase: "switch", cursor: fresh };
      break;
    }
    case "switch":
      await env.DB.prepare("INSERT INTO slots (slot, binding) VALUES (?1, ?2) ON CONFLICT (slot) DO UPDATE SET binding = ?2")
        .bind(move.slot, move.to_binding)
        .run();
      await target.prepare("DELETE FROM slot_fences WHERE slot = ?").bind(move.slot).run();
      await fence(source, move.slot, "moved_out");
      forgetSlotTable();
      next = { phase: "cleanup", cursor: fresh };
      break;
    case "cleanup": {
      const walked = await walkUsers(
        source,
        move.slot,
        cursor,
        async (user, table) => {
          // Children first, the users row last (deleting it first would cascade in one unbounded statement).
          const t = MOVED_TABLES[MOVED_TABLES.length - 1 - table] as (typeof MOVED_TABLES)[number];
          return (await deleteChunk(source, t, user, DELETE_CHUNK)) ? "more" : null;
        },
        true,
      );
      next = walked ? { phase: "cleanup", cursor: walked } : { phase: "done", cursor: fresh };
      break;
    }
    default:
      return null;
  }
  const report = next.report === undefined ? move.report : JSON.stringify(next.report);
  const saved = await env.DB.prepare(
    "UPDATE slot_moves SET phase = ?1, cursor = ?2, report = ?3, step = step + 1, updated_at = ?4 WHERE slot = ?5 AND step = ?6",
  )
    .bind(next.phase, JSON.stringify(next.cursor), report, new Date().toISOString(), move.slot, move.step)
    .run();
  if (saved.meta.changes !== 1) {
    // Another delivery of this step got there first; a late prepare or fence may have fenced too late.
    if (move.phase === "prepare" || move.phase === "fence") await settleLateFences(env, move);
    return null;
  }
  if (next.phase !== move.phase) logEvent("shards.move_phase", { slot: move.slot, phase: next.phase });
  return next.phase === "done" || next.phase === "failed" ? null : { kind: "slot_move", slot: move.slot, step: move.step + 1 };
}

/**
 * A prepare or fence step that lost the race may have written its fence after the move went past it (the
 * step counter is in the directory, the fences in the shards: no batch holds both). Put back what the move's
 * phase now says: past its verify, the target holds no fence (a late one would shut the slot's users out for
 * good); failed, the source holds none and the target its pre-catch-up one.
 */
async function settleLateFences(env: Env, stale: MoveRow): Promise<void> {
  const now = await readMove(env, stale.slot);
  if (!now || now.to_binding !== stale.to_binding || now.from_binding !== stale.from_binding) return;
  const target = bindingNamed(env, stale.to_binding);
  if (["switch", "cleanup", "done"].includes(now.phase)) {
    await target.prepare("DELETE FROM slot_fences WHERE slot = ? AND reason IN ('moving_in', 'catching_up')").bind(stale.slot).run();
  } else if (now.phase === "failed") {
    await unfenceFailed(bindingNamed(env, stale.from_binding), target, stale.slot);
  }
}

/**
 * A failed move: the source serves the slot again (only the catch-up's fence goes, so a late delivery after
 * a switch never opens an old copy); the target keeps the fence it had before the catch-up, and its copy.
 */
async function unfenceFailed(source: D1Database, target: D1Database, slot: number): Promise<void> {
  await source.prepare("DELETE FROM slot_fences WHERE slot = ? AND reason = 'moving_out'").bind(slot).run();
  await target.prepare("UPDATE slot_fences SET reason = 'moving_in' WHERE slot = ? AND reason = 'catching_up'").bind(slot).run();
}

/**
 * Fences `slot` on a shard. A late step never turns a fence back: "moving_out" never replaces "moved_out"
 * (cleanup holds on to that), "moving_in" never replaces "catching_up" (the catch-up's pages need it).
 */
async function fence(db: D1Database, slot: number, reason: "moving_in" | "catching_up" | "moving_out" | "moved_out"): Promise<void> {
  await db
    .prepare(
      `INSERT INTO slot_fences (slot, reason, since) VALUES (?1, ?2, ?3)
       ON CONFLICT (slot) DO UPDATE SET reason = ?2
       WHERE NOT ((?2 = 'moving_out' AND reason = 'moved_out') OR (?2 = 'moving_in' AND reason = 'catching_up'))`,
    )
    .bind(slot, reason, new Date().toISOString())
    .run();
}

/**
 * Walks the slot's users (by id) and for each the moved tables, calling `page` until it returns null, for at
 * most `pagesPerStep` pages; returns where to go on, or null when every user is done. With `restart`, each
 * user is looked up from the start again (cleanup deletes the users it has finished).
 */
async function walkUsers(
  source: D1Database,
  slot: number,
  start: Cursor,
  page: (user: string, table: number, cursor: string | null) => Promise<string | null>,
  restart = false,
): Promise<Cursor | null> {
  const cursor = { ...start };
  for (let pages = 0; pages < cursor.pagesPerStep; pages++) {
    if (cursor.user === "" || cursor.table >= MOVED_TABLES.length) {
      const after = cursor.user === "" || restart ? "" : cursor.user;
      const nextUser = await source
        .prepare("SELECT id FROM users WHERE slot = ?1 AND id > ?2 ORDER BY id LIMIT 1")
        .bind(slot, after)
        .first<string>("id");
      if (!nextUser) return null;
      Object.assign(cursor, { user: nextUser, table: 0, page: null });
    }
    const more = await page(cursor.user, cursor.table, cursor.page);
    if (more === null) Object.assign(cursor, { table: cursor.table + 1, page: null });
    else cursor.page = more;
  }
  return cursor;
}

/**
 * Up to `count` users of the slot after `after` (by id): the row counts of every moved table and the analytics
 * summary, source against target. `last` is where the next step goes on, or null when the slot is done.
 */
async function verifyUsers(
  source: D1Database,
  target: D1Database,
  slot: number,
  after: string,
  count: number,
): Promise<{ differences: unknown[]; last: string | null }> {
  const differences: unknown[] = [];
  const { results } = await source
    .prepare("SELECT id FROM users WHERE slot = ?1 AND id > ?2 ORDER BY id LIMIT ?3")
    .bind(slot, after, count)
    .all<{ id: string }>();
  for (const { id } of results) {
    const [before, after] = await Promise.all([rowCounts(source, id), rowCounts(target, id)]);
    const counts = Object.keys(before).filter((t) => before[t] !== after[t]);
    const [a, b] = await Promise.all([loadConsistent(getDb(source), id, "UTC"), loadConsistent(getDb(target), id, "UTC")]);
    const analyticsEqual = serializeSummary(a.summary) === serializeSummary(b.summary) && a.version === b.version;
    if (counts.length > 0 || !analyticsEqual) differences.push({ user_id: id, tables: counts, analytics: analyticsEqual });
  }
  return { differences, last: results.length === count ? (results.at(-1)?.id ?? null) : null };
}

/** Queue consumer: one step per message, then the next step's message. */
export async function consumeSlotMoves(messages: readonly Message<unknown>[], env: Env): Promise<void> {
  for (const message of messages) {
    try {
      const next = await advanceSlotMove(env, message.body as SlotMoveMessage);
      if (next) await env.ANALYTICS_QUEUE.send(next);
      message.ack();
    } catch (err) {
      logEvent("shards.move_step_failed", { body: message.body, error: String(err) });
      message.retry({ delaySeconds: 1 });
    }
  }
}

/** Cron: re-sends the message of a move that has not advanced for STALLED_MS (its message was lost). */
export async function resumeStalledMoves(env: Env): Promise<number> {
  const before = new Date(Date.now() - STALLED_MS).toISOString();
  const { results } = await env.DB.prepare("SELECT slot, step FROM slot_moves WHERE phase NOT IN ('done', 'failed') AND updated_at < ?")
    .bind(before)
    .all<{ slot: number; step: number }>();
  for (const { slot, step } of results) await env.ANALYTICS_QUEUE.send({ kind: "slot_move", slot, step } satisfies SlotMoveMessage);
  return results.length;
}
