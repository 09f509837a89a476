import { type AuditContext, auditInsert } from "../audit/audit.service";
import type { Database } from "../db/client";
import { zodFieldErrors } from "../lib/create-app";
import { ApiError, type FieldError, validationError } from "../lib/problem";
import { existingExternalIds, insertTransactions } from "./insert";
import { type LabelContext, loadLabelContext } from "./labelling";
import { CreateTransactionSchema } from "./transactions.schemas";
import { buildRow, type TransactionRow } from "./transactions.service";

export type ItemStatus = "created" | "duplicate" | "valid" | "error";

export interface ItemResult {
  index: number;
  status: ItemStatus;
  id?: string;
  errors?: FieldError[];
}

export interface IngestOptions {
  /** All or nothing: any invalid item rejects the whole request with a 422. */
  atomic: boolean;
  /** Validate and report only. */
  dryRun?: boolean;
  /** How an item's position is named in a 422 path (bulk: "transactions.3"). */
  label?: (index: number) => string;
  /** Run the user's active rules on each item (apply_rules, default true). */
  applyRules?: boolean;
  /** One audit entry per stored chunk, written in the chunk's batch. */
  audit: { context: AuditContext; action: "transaction.bulk_create" | "transaction.import" };
}

/** Rows per D1 batch: one atomic batch per chunk. Bulk requests (<= 1000 items) are one batch. */
export const INGEST_BATCH_ROWS = 1000;

function validate(userId: string, item: unknown, context: LabelContext, now: string): { row: TransactionRow } | { errors: FieldError[] } {
  const parsed = CreateTransactionSchema.safeParse(item);
  if (!parsed.success) return { errors: zodFieldErrors(parsed.error) };
  try {
    return { row: buildRow(userId, parsed.data, context, now).row };
  } catch (err) {
    if (err instanceof ApiError && err.options.errors) return { errors: err.options.errors };
    throw err;
  }
}

/**
 * Validates many transactions and stores them through the same rollup and analytics-counter path as
 * single creates. Repeated external_ids (in the request or already stored) are duplicates, not stored twice.
 */
export async function ingestTransactions(db: Database, userId: string, items: readonly unknown[], options: IngestOptions) {
  const now = new Date().toISOString();
  const results: ItemResult[] = [];
  const pending: { index: number; row: TransactionRow }[] = [];
  const firstByExternalId = new Map<string, string>();
  const context = await loadLabelContext(db, userId, options.applyRules ?? true);

  items.forEach((item, index) => {
    const outcome = validate(userId, item, context, now);
    if ("errors" in outcome) return results.push({ index, status: "error", errors: outcome.errors });
    const externalId = outcome.row.externalId;
    const earlier = externalId ? firstByExternalId.get(externalId) : undefined;
    if (earlier) return results.push({ index, status: "duplicate", id: earlier });
    if (externalId) firstByExternalId.set(externalId, outcome.row.id);
    pending.push({ index, row: outcome.row });
  });

  const failed = results.filter((r) => r.status === "error");
  if (options.atomic && failed.length > 0) {
    const label = options.label ?? ((i: number) => `${i}`);
    throw validationError(
      failed.flatMap((r) => (r.errors ?? []).map((e) => ({ path: `${label(r.index)}.${e.path}`, message: e.message }))),
      `${failed.length} of ${items.length} transactions are invalid; nothing was stored`,
    );
  }

  const existing = await existingExternalIds(
    db,
    userId,
    pending.flatMap((p) => (p.row.externalId ? [p.row.externalId] : [])),
  );
  const toInsert: { index: number; row: TransactionRow }[] = [];
  for (const p of pending) {
    const existingId = p.row.externalId ? existing.get(p.row.externalId) : undefined;
    if (existingId) results.push({ index: p.index, status: "duplicate", id: existingId });
    else toInsert.push(p);
  }

  let analyticsVersion = 0;
  if (options.dryRun) {
    for (const p of toInsert) results.push({ index: p.index, status: "valid" });
  } else {
    for (let i = 0; i < toInsert.length; i += INGEST_BATCH_ROWS) {
      const chunk = toInsert.slice(i, i + INGEST_BATCH_ROWS);
      const ids = chunk.map((p) => p.row.id);
      const written = await insertTransactions(
        db,
        userId,
        chunk.map((p) => p.row),
        [
          auditInsert(options.audit.context, {
            userId,
            action: options.audit.action,
            details: { submitted: items.length, in_batch: ids.length, first_id: ids[0], last_id: ids.at(-1) },
          }),
        ],
      );
      analyticsVersion = Math.max(analyticsVersion, written.analyticsVersion);
      // Not inserted means a concurrent request stored the same external_id first: report its id.
      const lost = chunk.filter((p) => !written.inserted.has(p.row.id));
      const winners = await existingExternalIds(
        db,
        userId,
        lost.map((p) => p.row.externalId ?? ""),
      );
      for (const p of chunk) {
        if (written.inserted.has(p.row.id)) results.push({ index: p.index, status: "created", id: p.row.id });
        else results.push({ index: p.index, status: "duplicate", id: winners.get(p.row.externalId ?? "") });
      }
    }
  }

  results.sort((a, b) => a.index - b.index);
  const count = (status: ItemStatus) => results.filter((r) => r.status === status).length;
  return {
    results,
    created: count("created"),
    duplicates: count("duplicate"),
    valid: count("valid"),
    failed: count("error"),
    analyticsVersion,
  };
}
