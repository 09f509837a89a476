import { and, eq, type SQL, sql } from "drizzle-orm";
import { bumpVersion, versionFrom } from "../analytics/analytics.service";
import { type AuditContext, auditFromRow, auditInsert, factsOf } from "../audit/audit.service";
import { runBatch } from "../db/batch";
import type { Database } from "../db/client";
import { transactions } from "../db/schema";
import type { AuthUser } from "../lib/context";
import { newEtag, newId } from "../lib/ids";
import { keyset, toPage } from "../lib/keyset";
import { formatAmount, type ParseAmountResult, parseAmount, rescaleMinor } from "../lib/money";
import { ApiError, validationError } from "../lib/problem";
import type { MatchedRule } from "../rules/evaluate";
import { insertTransactions } from "./insert";
import { checkCategory, guardCategoryRace, type LabelContext, labelNewTransaction, loadLabelContext } from "./labelling";
import { labelFilters } from "./list-filters";
import { localRangeConditions } from "./local-range";
import { addToRollups, removeFromRollups } from "./rollups";
import type { CreateTransactionInput, ListQuery, UpdateTransactionInput } from "./transactions.schemas";

export type TransactionRow = typeof transactions.$inferSelect;

export function toRecord(row: TransactionRow, owner: AuthUser) {
  return {
    id: row.id,
    user_id: row.userId,
    full_name: owner.fullName,
    transaction_date: row.transactionDate,
    date_only: row.dateOnly,
    transaction_amount: formatAmount(row.amountMinor, row.currency),
    transaction_type: row.transactionType,
    currency: row.currency,
    status: row.status,
    description: row.description,
    external_id: row.externalId,
    category_id: row.categoryId,
    merchant: row.merchant,
    tags: JSON.parse(row.tags) as string[],
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export type TransactionRecord = ReturnType<typeof toRecord>;

export function amountToMinor(amount: string, currency: string): number {
  return unwrapAmount(parseAmount(amount, currency));
}

function unwrapAmount(parsed: ParseAmountResult): number {
  if (!parsed.ok) {
    throw validationError([{ path: "transaction_amount", message: parsed.message }]);
  }
  return Number(parsed.minor);
}

const owned = (userId: string, id: string) => and(eq(transactions.id, id), eq(transactions.userId, userId)) as SQL;

/** A write's result: the row and the user's analytics change counter after it. */
export interface WriteResult<T> {
  value: T;
  analyticsVersion: number;
}

/**
 * The stored row for a validated create request (amount checked against the currency's digits, category
 * against the caller's), labelled by the rules in `context`, and the rules that matched.
 */
export function buildRow(
  userId: string,
  input: CreateTransactionInput,
  context: LabelContext,
  now = new Date().toISOString(),
): { row: TransactionRow; matched: MatchedRule[] } {
  const currency = input.currency ?? "USD";
  const amountMinor = amountToMinor(input.transaction_amount, currency);
  const description = input.description ?? null;
  const labels = labelNewTransaction({ ...input, description, amountMinor, currency, transactionType: input.transaction_type }, context);
  const row: TransactionRow = {
    id: newId("txn"),
    userId,
    transactionDate: input.transaction_date?.utc ?? now,
    dateOnly: input.transaction_date?.dateOnly ?? false,
    amountMinor,
    currency,
    transactionType: input.transaction_type,
    status: input.status ?? "success",
    description,
    externalId: input.external_id ?? null,
    categoryId: labels.categoryId,
    merchant: labels.merchant,
    tags: JSON.stringify(labels.tags),
    etag: newEtag(),
    createdAt: now,
    updatedAt: now,
  };
  return { row, matched: labels.matched };
}

export async function createTransaction(
  db: Database,
  userId: string,
  input: CreateTransactionInput,
  audit: AuditContext,
  withRules = true,
): Promise<WriteResult<TransactionRow>> {
  const { row } = buildRow(userId, input, await loadLabelContext(db, userId, withRules));
  const { inserted, analyticsVersion } = await insertTransactions(
    db,
    userId,
    [row],
    [auditFromRow(audit, userId, "transaction.create", "after", eq(transactions.id, row.id))],
  );
  if (!inserted.has(row.id)) {
    const existing = await db.query.transactions.findFirst({
      where: and(eq(transactions.userId, userId), eq(transactions.externalId, row.externalId ?? "")),
    });
    throw new ApiError(
      "conflict",
      `A transaction with external_id ${JSON.stringify(row.externalId)} already exists${existing ? ` (${existing.id})` : ""}`,
    );
  }
  return { value: row, analyticsVersion };
}

export async function getTransaction(db: Database, userId: string, id: string): Promise<TransactionRow> {
  const row = await db.query.transactions.findFirst({ where: owned(userId, id) });
  if (!row) throw new ApiError("not_found", "Transaction not found");
  return row;
}

/** `zone`: the one plain-date bounds are local days of (the `tz` parameter, else the caller's time_zone). */
export async function listTransactions(db: Database, userId: string, query: ListQuery, zone: string) {
  const page = keyset(transactions.transactionDate, transactions.id, query.cursor);
  const conditions: SQL[] = [eq(transactions.userId, userId)];
  if (page.after) conditions.push(page.after);
  conditions.push(...localRangeConditions(query.from, query.to, query.tz ?? zone));
  if (query.transaction_type) conditions.push(eq(transactions.transactionType, query.transaction_type));
  if (query.currency) conditions.push(eq(transactions.currency, query.currency));
  if (query.status) conditions.push(eq(transactions.status, query.status));
  conditions.push(...(await labelFilters(db, userId, query)));

  const rows = await db
    .select()
    .from(transactions)
    .where(and(...conditions))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  return toPage(rows, query.limit, (row) => ({ date: row.transactionDate, id: row.id }));
}

const MAX_UPDATE_ATTEMPTS = 3;

/**
 * Applies a partial update. The row's etag guards every statement of the batch, so a concurrent
 * writer makes this attempt a no-op (rollups included) and it retries on the fresh row.
 */
export async function updateTransaction(
  db: Database,
  userId: string,
  id: string,
  patch: UpdateTransactionInput,
  audit: AuditContext,
  ifMatch?: string,
): Promise<WriteResult<TransactionRow>> {
  if (patch.category_id) checkCategory(patch.category_id, await loadLabelContext(db, userId, false));
  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    const current = await getTransaction(db, userId, id);
    if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== current.etag) {
      throw new ApiError("precondition_failed", "The transaction has changed since it was read");
    }
    const currency = patch.currency ?? current.currency;
    const amountMinor =
      patch.transaction_amount !== undefined
        ? amountToMinor(patch.transaction_amount, currency)
        : unwrapAmount(rescaleMinor(BigInt(current.amountMinor), current.currency, currency));
    const next = {
      transactionDate: patch.transaction_date?.utc ?? current.transactionDate,
      dateOnly: patch.transaction_date?.dateOnly ?? current.dateOnly,
      amountMinor,
      currency,
      transactionType: patch.transaction_type ?? current.transactionType,
      status: patch.status ?? current.status,
      description: patch.description === undefined ? current.description : patch.description,
      categoryId: patch.category_id === undefined ? current.categoryId : patch.category_id,
      merchant: patch.merchant === undefined ? current.merchant : patch.merchant,
      tags: patch.tags === undefined ? current.tags : JSON.stringify(patch.tags ?? []),
      etag: newEtag(),
      updatedAt: laterThan(current.updatedAt),
    };
    const before = and(owned(userId, id), eq(transactions.etag, current.etag)) as SQL;
    const after = and(eq(transactions.id, id), eq(transactions.etag, next.etag)) as SQL;
    const updatedRow = { ...current, ...next };
    const removal = removeFromRollups(before);
    const results = await guardCategoryRace(
      runBatch(db, [
        ...removal,
        db.update(transactions).set(next).where(before),
        ...addToRollups(after),
        auditInsert(
          audit,
          {
            userId,
            action: "transaction.update",
            targetId: id,
            details: { before: factsOf(current), after: factsOf(updatedRow), fields: Object.keys(patch) },
          },
          sql`EXISTS (SELECT 1 FROM transactions WHERE ${after})`,
        ),
        bumpVersion(userId),
      ]),
    );
    const updated = results[removal.length];
    if (updated?.meta.changes === 1) return { value: updatedRow, analyticsVersion: versionFrom(results.at(-1)) };
    if (ifMatch !== undefined && ifMatch !== "*")
      throw new ApiError("precondition_failed", "The transaction has changed since it was read");
  }
  throw new ApiError("conflict", "The transaction is being changed concurrently; retry");
}

/** Guarantees `updated_at` moves forward even within the same millisecond. */
function laterThan(previous: string): string {
  const now = Date.now();
  const prev = Date.parse(previous);
  return new Date(Math.max(now, prev + 1)).toISOString();
}

export async function deleteTransaction(db: Database, userId: string, id: string, audit: AuditContext): Promise<WriteResult<string>> {
  const target = owned(userId, id);
  const results = await runBatch(db, [
    auditFromRow(audit, userId, "transaction.delete", "before", target),
    ...removeFromRollups(target),
    db.delete(transactions).where(target),
    bumpVersion(userId),
  ]);
  const [deleted, bump] = results.slice(-2);
  if (deleted?.meta.changes !== 1) throw new ApiError("not_found", "Transaction not found");
  return { value: id, analyticsVersion: versionFrom(bump) };
}
