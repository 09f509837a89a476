import { and, eq, gte, lt, type SQL } from "drizzle-orm";
import { commitWrite, type WriteContext } from "../analytics/ledger";
import { transactions } from "../db/schema";
import { keyset, toPage } from "../lib/keyset";
import { labelsKnowing } from "../transactions/label-cache";
import { withoutDeletedCategories } from "../transactions/labelling";
import { type Relabel, relabelWrite } from "../transactions/relabel";
import { applyRule, compileRule, type Rule } from "./evaluate";

const categoriesOf = (rule: Rule) => rule.actions.flatMap((a) => ("set_category" in a ? [a.set_category] : []));

/** Rows read and (when changed) rewritten per D1 batch. */
export const APPLY_PAGE_ROWS = 500;
/** Rows one request (or one queue message) handles before handing the rest to the queue. */
export const APPLY_ROWS_PER_INVOCATION = 5_000;

export interface ApplyRange {
  from?: string; // inclusive UTC timestamp
  toExclusive?: string;
}

export interface ApplyProgress {
  matched: number;
  changed: number;
  /** Where to continue (a keyset cursor), or null when the range is done. */
  cursor: string | null;
  analyticsVersion: number;
}

/**
 * Applies one rule to the user's transactions in a range, newest first, overwriting the fields its actions
 * name. Each page is one atomic batch: rollups, rows and an audit entry per changed row move together,
 * guarded by the etags read, so a concurrent edit is never overwritten with stale labels.
 * Re-running a page is harmless (an applied rule changes nothing the second time): safe for queue redelivery.
 */
export async function applyRuleToRange(
  ctx: WriteContext,
  userId: string,
  storedRule: Rule,
  range: ApplyRange,
  options: { dryRun: boolean; cursor?: string; maxRows: number },
): Promise<ApplyProgress> {
  const { db } = ctx;
  // The cached context unless the rule names a category it does not know; one deleted meanwhile fails the page's batch (409).
  const { categoryIds } = await labelsKnowing(db, userId, categoriesOf(storedRule));
  // Compiled once for the whole range, not once per row.
  const rule = compileRule(withoutDeletedCategories(storedRule, categoryIds));
  const progress: ApplyProgress = { matched: 0, changed: 0, cursor: options.cursor ?? null, analyticsVersion: 0 };
  let scanned = 0;
  do {
    const page = keyset(transactions.transactionDate, transactions.id, progress.cursor ?? undefined);
    const conditions: SQL[] = [eq(transactions.userId, userId)];
    if (page.after) conditions.push(page.after);
    if (range.from) conditions.push(gte(transactions.transactionDate, range.from));
    if (range.toExclusive) conditions.push(lt(transactions.transactionDate, range.toExclusive));
    const rows = await db
      .select()
      .from(transactions)
      .where(and(...conditions))
      .orderBy(...page.orderBy)
      .limit(APPLY_PAGE_ROWS + 1);
    const { rows: pageRows, nextCursor } = toPage(rows, APPLY_PAGE_ROWS, (r) => ({ date: r.transactionDate, id: r.id }));
    scanned += pageRows.length;
    const changes: Relabel[] = [];
    for (const row of pageRows) {
      const outcome = applyRule(rule, {
        description: row.description,
        merchant: row.merchant,
        amount_minor: BigInt(row.amountMinor),
        currency: row.currency,
        transaction_type: row.transactionType,
        category_id: row.categoryId,
        tags: JSON.parse(row.tags) as string[],
      });
      if (!outcome.matched) continue;
      progress.matched += 1;
      if (outcome.changed) {
        const d = outcome.draft;
        changes.push({ id: row.id, etag: row.etag, categoryId: d.category_id, merchant: d.merchant, tags: d.tags });
      }
    }
    if (options.dryRun || changes.length === 0) progress.changed += changes.length;
    else {
      const relabel = relabelWrite(userId, changes);
      const { results, analyticsVersion } = await commitWrite(
        ctx,
        {
          userId,
          removes: relabel.removes,
          adds: [relabel.changed],
          audit: { action: "transaction.rule_apply", eachRow: relabel.changed, details: { rule_id: rule.id } },
        },
        [relabel.write],
        ([updated]) => (updated?.meta.changes ?? 0) > 0,
      );
      progress.changed += results[0]?.meta.changes ?? 0;
      progress.analyticsVersion = analyticsVersion;
    }
    progress.cursor = nextCursor;
  } while (progress.cursor !== null && scanned < options.maxRows);
  return progress;
}
