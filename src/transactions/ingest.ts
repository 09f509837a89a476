import type { WriteContext } from "../analytics/ledger";
import type { AuditAction } from "../audit/audit";
import { ApiError, type FieldError, validationError } from "../http/problem";
import { zodFieldErrors } from "../http/validation";
import { existingExternalIds, existingIds, insertTransactions } from "./insert";
import { type GuardedLabels, loadLabelContext, withLabels } from "./label-cache";
import type { LabelContext } from "./labelling";
import { CreateTransactionSchema } from "./transactions.schemas";
import { buildRow, type TransactionRow } from "./transactions.service";

export type ItemStatus = "created" | "duplicate" | "error";

export interface ItemResult {
  index: number;
  status: ItemStatus;
  id?: string;
  errors?: FieldError[];
}

export interface IngestItem {
  /** A request body shaped like a create request. */
  body: unknown;
  /** The id the row had in an export: if the caller already has that transaction, the row is a duplicate of it. */
  exportedId?: string;
}

export interface IngestOptions {
  /** All or nothing: any invalid item rejects the whole request with a 422. */
  atomic: boolean;
  /** Validate and report only: nothing is stored and `created` counts what would be. */
  dryRun?: boolean;
  /** How an item's position is named in a 422 path (bulk: "transactions.3"). */
  label?: (index: number) => string;
  /** The audit action of each stored chunk (one entry per chunk, in the chunk's batch). */
  /** Run the user's active rules on each item (apply_rules, default true). */
  applyRules?: boolean;
  action: Extract<AuditAction, "transaction.bulk_create" | "transaction.import">;
}

export interface IngestOutcome {
  /** Every item, in order; in a dry run, items that would be stored are reported as created without an id. */
  results: ItemResult[];
  created: number;
  duplicates: number;
  failed: number;
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
 * Validates many transactions and stores them through the same ledger as single creates. Repeated
 * external_ids (in the request or already stored) and exported rows the caller already has are
 * duplicates, not stored twice.
 */
export async function ingestTransactions(
  ctx: WriteContext,
  userId: string,
  items: readonly IngestItem[],
  options: IngestOptions,
): Promise<IngestOutcome> {
  const own = await existingIds(
    ctx.db,
    userId,
    items.flatMap((item) => (item.exportedId ? [item.exportedId] : [])),
  );
  const withRules = options.applyRules ?? true;
  // A dry run writes nothing for a guard to check: it reads the context now (its one round trip).
  if (options.dryRun) {
    const context = await loadLabelContext(ctx.db, userId, withRules);
    return ingestWith(ctx, userId, items, options, own, { context, guards: [] });
  }
  return withLabels(ctx.db, userId, { withRules, categoryIds: namedCategories(items) }, (labels) =>
    ingestWith(ctx, userId, items, options, own, labels),
  );
}

/** The category ids the items name (a cached context that does not know one is reloaded before validating). */
function namedCategories(items: readonly IngestItem[]): string[] {
  return items.flatMap((item) => {
    const id = (item.body as { category_id?: unknown } | null)?.category_id;
    return typeof id === "string" ? [id] : [];
  });
}

/**
 * One attempt with one label context. The guard goes into each chunk's batch until one commits: a stale
 * context fails the first write, before anything is stored, so withLabels can redo the whole attempt.
 */
async function ingestWith(
  ctx: WriteContext,
  userId: string,
  items: readonly IngestItem[],
  options: IngestOptions,
  own: Set<string>,
  labels: GuardedLabels,
): Promise<IngestOutcome> {
  const { context } = labels;
  let guards = labels.guards;
  const now = new Date().toISOString();
  const results: ItemResult[] = [];
  const pending: { index: number; row: TransactionRow }[] = [];
  const firstByExternalId = new Map<string, string>();

  items.forEach((item, index) => {
    const outcome = validate(userId, item.body, context, now);
    if ("errors" in outcome) return results.push({ index, status: "error", errors: outcome.errors });
    if (item.exportedId && own.has(item.exportedId)) return results.push({ index, status: "duplicate", id: item.exportedId });
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
    ctx.db,
    userId,
    pending.flatMap((p) => (p.row.externalId ? [p.row.externalId] : [])),
  );
  const toInsert: { index: number; row: TransactionRow }[] = [];
  for (const p of pending) {
    const existingId = p.row.externalId ? existing.get(p.row.externalId) : undefined;
    if (existingId) results.push({ index: p.index, status: "duplicate", id: existingId });
    else toInsert.push(p);
  }

  if (options.dryRun) {
    for (const p of toInsert) results.push({ index: p.index, status: "created" });
  } else {
    for (let i = 0; i < toInsert.length; i += INGEST_BATCH_ROWS) {
      const chunk = toInsert.slice(i, i + INGEST_BATCH_ROWS);
      const ids = chunk.map((p) => p.row.id);
      let written: Awaited<ReturnType<typeof insertTransactions>>;
      try {
        written = await insertTransactions(
          ctx,
          userId,
          chunk.map((p) => p.row),
          {
            action: options.action,
            details: { submitted: items.length, in_batch: ids.length, first_id: ids[0], last_id: ids.at(-1) },
          },
          { guards },
        );
        guards = [];
      } catch (err) {
        // Earlier chunks are committed: a chunk refused for the day-total limit becomes its rows' errors, not a 422 for all.
        if (options.atomic || !(err instanceof ApiError && err.options.errors)) throw err;
        for (const p of chunk) results.push({ index: p.index, status: "error", errors: err.options.errors });
        continue;
      }
      // Not inserted means a concurrent request stored the same external_id first: report its id.
      const lost = chunk.filter((p) => !written.inserted.has(p.row.id));
      const winners = await existingExternalIds(
        ctx.db,
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
  return { results, created: count("created"), duplicates: count("duplicate"), failed: count("error") };
}
