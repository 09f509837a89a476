import { type SQL, sql } from "drizzle-orm";
import type { Context } from "hono";
import { type AuditAction, type AuditContext, auditContext, auditEachRow, auditFromRow, auditInsert } from "../audit/audit";
import { runBatch, type Statement } from "../db/batch";
import type { Database } from "../db/client";
import { bumpLabelsVersion } from "../db/label-versions";
import { shardDatabaseOf } from "../db/shard-database";
import { feedStatements, sequenceStatements } from "../feed/feed-statements";
import type { AppEnv } from "../http/context";
import { dispatchRead, type OutboxRow, pendingOutbox } from "../webhooks/outbox";
import { type Background, requestRecompute } from "./queue";
import { addToRollups, removeFromRollups } from "./rollups";

/**
 * The one owner of what every write to a user's transactions must also do.
 * In the same atomic D1 batch as the write: take the rows' old values out of the rollups, add their
 * new ones, write the audit row and bump the user's change counter. After the batch commits: ask the
 * analytics consumer to refresh the snapshot. Services describe their write and call `commitWrite`;
 * the sync feed's sequence and tombstones and the event outbox are added here too, once.
 */

/** What a write needs besides its input: the database, who asked, and the after-commit hook's bindings. */
export interface WriteContext extends Background {
  db: Database;
  audit: AuditContext;
}

export function writeContext(c: Context<AppEnv>): WriteContext {
  return {
    db: c.var.db,
    env: c.env,
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
    audit: auditContext(c),
  };
}

/**
 * The same outside a request (queue consumers): the user's shard (fence-checked on every round trip, so a
 * slot move's catch-up never misses a background write) and `waitUntil` from the invocation's ExecutionContext.
 */
export async function backgroundWriteContext(
  env: Env,
  userId: string,
  waitUntil: (promise: Promise<unknown>) => void,
  audit: AuditContext,
): Promise<WriteContext> {
  return { db: await shardDatabaseOf(env, userId), env, waitUntil, audit };
}

/**
 * The audit rows of a write: details read from the affected row inside the batch, one entry per changed
 * row (`eachRow`, read after the write), or given.
 */
export type LedgerAudit =
  | { action: AuditAction; fromRow: "before" | "after"; where: SQL }
  | { action: AuditAction; eachRow: SQL; details: Record<string, unknown> }
  | { action: AuditAction; targetId?: string; details?: Record<string, unknown>; onlyIf?: SQL };

export interface LedgerChange {
  userId: string;
  /** Checks that abort the whole batch when they fail (e.g. the label guard of a cached label context): first in it. */
  guards?: readonly SQL[];
  /** The write changes the user's categories or rules: their label version moves in the same batch. */
  labelsChanged?: boolean;
  /** The rows the write changes or removes, as they are before it: taken out of their days first. */
  removes?: SQL;
  /** The rows the write creates or changes, as they are after it: added to their days afterwards (one statement each). */
  adds?: readonly SQL[];
  audit: LedgerAudit | readonly LedgerAudit[];
  /**
   * The sync feed and event outbox: each changed row gets its sequence position, each deleted row its
   * tombstone, and each its event (created when the write only adds, updated when it changes, deleted when
   * it only removes). "sequence": positions only, no events (the local-only seed).
   */
  feed?: "events" | "sequence";
}

/** Bumps the user's change counter and returns it: the last statement of every write batch. */
export function bumpVersion(userId: string): SQL {
  return sql`
    INSERT INTO analytics_state (user_id, version) VALUES (${userId}, 1)
    ON CONFLICT (user_id) DO UPDATE SET version = version + 1
    RETURNING version`;
}

/** The counter value a bumpVersion statement returned in a batch. */
export function versionFrom(result: D1Result | undefined): number {
  return Number((result?.results[0] as { version?: number } | undefined)?.version ?? 0);
}

/** The side statements of a write: those that run before the write's own statements, and those after. */
export function ledgerStatements(change: LedgerChange, audit: AuditContext): { before: SQL[]; after: SQL[] } {
  const before: SQL[] = [...(change.guards ?? [])];
  const after: SQL[] = [];
  const entries = Array.isArray(change.audit) ? change.audit : [change.audit as LedgerAudit];
  // A row-based audit entry reads the row where it exists: before a delete, after an insert.
  for (const entry of entries) {
    if ("fromRow" in entry && entry.fromRow === "before")
      before.push(auditFromRow(audit, change.userId, entry.action, "before", entry.where));
  }
  if (change.removes) before.push(...removeFromRollups(change.removes));
  for (const where of change.adds ?? []) after.push(...addToRollups(where));
  const adds = change.adds ?? [];
  if (change.feed === "sequence") {
    for (const where of adds) after.push(...sequenceStatements(change.userId, where, true));
  } else if (change.removes && adds.length === 0) {
    before.unshift(...feedStatements(change.userId, "deleted", change.removes)); // reads the rows before they go
  } else {
    for (const where of adds) after.push(...feedStatements(change.userId, change.removes ? "updated" : "created", where));
  }
  for (const entry of entries) {
    if ("fromRow" in entry) {
      if (entry.fromRow === "after") after.push(auditFromRow(audit, change.userId, entry.action, "after", entry.where));
    } else if ("eachRow" in entry) {
      after.push(auditEachRow(audit, change.userId, entry.action, entry.eachRow, entry.details));
    } else {
      const { action, targetId, details, onlyIf } = entry;
      after.push(auditInsert(audit, { userId: change.userId, action, targetId, details }, onlyIf));
    }
  }
  if (change.labelsChanged) after.push(bumpLabelsVersion(change.userId));
  // Whether the write left events for a webhook to send (none when the user has no enabled endpoint).
  if (writesEvents(change)) after.push(pendingOutbox(change.userId));
  after.push(bumpVersion(change.userId));
  return { before, after };
}

function writesEvents(change: LedgerChange): boolean {
  return change.feed !== "sequence" && (change.removes !== undefined || (change.adds ?? []).length > 0);
}

export interface Committed {
  /** The results of the write's own statements, in order. */
  results: D1Result[];
  /** The user's change counter after this batch. */
  analyticsVersion: number;
  /** The user's outbox events not yet on the webhook queue, with their enabled endpoints (read in the batch). */
  outbox: OutboxRow[];
}

/**
 * Runs a write with its side statements as one atomic batch, then (when `changed` says the write took
 * effect) the after-commit hook. The only way services write transactions.
 */
export async function commitWrite(
  ctx: WriteContext,
  change: LedgerChange,
  writes: readonly Statement[],
  changed: (results: D1Result[]) => boolean = () => true,
): Promise<Committed> {
  const { before, after } = ledgerStatements(change, ctx.audit);
  const all = await runBatch(ctx.db, [...before, ...writes, ...after]);
  const outbox = writesEvents(change) ? ((all.at(-2)?.results ?? []) as OutboxRow[]) : [];
  const committed = {
    results: all.slice(before.length, before.length + writes.length),
    analyticsVersion: versionFrom(all.at(-1)),
    outbox,
  };
  if (changed(committed.results)) afterCommit(ctx, change.userId, committed);
  return committed;
}

/**
 * After a write commits, without holding up the response: ask the consumer to refresh the user's snapshot,
 * and hand the write's events (already in the outbox) to the webhook queue; the cron sweeps catch any failed send.
 */
export function afterCommit(ctx: WriteContext, userId: string, committed: Committed): void {
  requestRecompute(ctx, userId, committed.analyticsVersion);
  if (committed.outbox.length > 0) ctx.waitUntil(dispatchRead(ctx.env, ctx.db, userId, committed.outbox));
}
