import { and, asc, eq, gt, lte, sql } from "drizzle-orm";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { syncState, transactions, transactionTombstones } from "../db/schema";
import { ApiError } from "../http/problem";
import type { TransactionRow } from "../transactions/transactions.service";

export interface SyncPage {
  added: TransactionRow[];
  modified: TransactionRow[];
  removed: { id: string; deleted_at: string }[];
  /** The sequence position to resume after. */
  nextSeq: number;
  hasMore: boolean;
}

type Entry = { seq: number } & ({ kind: "live"; row: TransactionRow } | { kind: "removed"; id: string; deletedAt: string });

/**
 * The changes after sequence position `after` (0 = from the beginning), oldest first, at most `limit` entries.
 * Relative to `after`: a live row created later is "added", one created before is "modified"; a tombstone
 * counts only when its row existed before `after` (created and deleted since: nowhere). All three reads run
 * in one D1 batch, i.e. one consistent view, so the cursor we hand out loses and repeats nothing.
 */
export async function readSyncPage(db: Database, userId: string, after: number, limit: number): Promise<SyncPage> {
  const [state, live, tombstones] = await db.batch([
    db.select({ changeSeq: syncState.changeSeq, prunedSeq: syncState.prunedSeq }).from(syncState).where(eq(syncState.userId, userId)),
    db
      .select()
      .from(transactions)
      .where(and(eq(transactions.userId, userId), gt(transactions.seq, after)))
      .orderBy(asc(transactions.seq))
      .limit(limit + 1),
    db
      .select({ id: transactionTombstones.id, seq: transactionTombstones.seq, deletedAt: transactionTombstones.deletedAt })
      .from(transactionTombstones)
      .where(
        and(
          eq(transactionTombstones.userId, userId),
          gt(transactionTombstones.seq, after),
          // Without a cursor nothing existed before: skip the tombstone read's work entirely.
          after === 0 ? sql`0` : lte(transactionTombstones.createdSeq, after),
        ),
      )
      .orderBy(asc(transactionTombstones.seq))
      .limit(limit + 1),
  ]);
  const counter = state[0] ?? { changeSeq: 0, prunedSeq: 0 };
  if (after > 0 && after < counter.prunedSeq) {
    throw new ApiError(
      "gone",
      "This cursor is older than the kept deletions (at least 30 days); start over without a cursor and replace your copy",
    );
  }
  const entries: Entry[] = [
    ...live.map((row): Entry => ({ seq: row.seq, kind: "live", row })),
    ...tombstones.map((t): Entry => ({ seq: t.seq, kind: "removed", id: t.id, deletedAt: t.deletedAt })),
  ].sort((a, b) => a.seq - b.seq);
  const hasMore = entries.length > limit;
  const page = entries.slice(0, limit);
  const out: SyncPage = { added: [], modified: [], removed: [], hasMore, nextSeq: after };
  for (const entry of page) {
    if (entry.kind === "removed") out.removed.push({ id: entry.id, deleted_at: entry.deletedAt });
    else if (entry.row.createdSeq > after) out.added.push(entry.row);
    else out.modified.push(entry.row);
  }
  // With nothing left, resume from the counter (it may be past skipped tombstones); else after the last entry.
  out.nextSeq = hasMore ? (page.at(-1)?.seq ?? after) : Math.max(after, counter.changeSeq);
  return out;
}

export const TOMBSTONE_DAYS = 30;

/**
 * Cron: drops tombstones older than 30 days and records, per user, the highest sequence dropped
 * (cursors below it answer 410). Both in one batch.
 */
export async function pruneTombstones(db: Database, now = new Date()): Promise<number> {
  const horizon = new Date(now.getTime() - TOMBSTONE_DAYS * 86_400_000).toISOString();
  const [, deleted] = await runBatch(db, [
    sql`
      UPDATE sync_state SET pruned_seq = MAX(pruned_seq, t.max_seq)
      FROM (SELECT user_id, MAX(seq) AS max_seq FROM transaction_tombstones WHERE deleted_at < ${horizon} GROUP BY user_id) AS t
      WHERE sync_state.user_id = t.user_id`,
    sql`DELETE FROM transaction_tombstones WHERE deleted_at < ${horizon}`,
  ]);
  return deleted?.meta.changes ?? 0;
}
