import { and, eq, getTableColumns, inArray, ne, type SQL, sql } from "drizzle-orm";
import { commitWrite, type WriteContext } from "../analytics/ledger";
import { factsOf } from "../audit/audit";
import type { AuthUser } from "../auth/users";
import type { Database } from "../db/client";
import { transactions } from "../db/schema";
import { ApiError, validationError } from "../http/problem";
import { type IfMatch, ifMatchPasses } from "../lib/etag";
import { newEtag, newId } from "../lib/ids";
import { keyset, toPage } from "../lib/keyset";
import { formatAmount, type ParseAmountResult, parseAmount, rescaleMinor } from "../lib/money";
import type { MatchedRule } from "../rules/evaluate";
import { insertTransactions } from "./insert";
import { labelsKnowing, withLabels } from "./label-cache";
import { checkCategory, type LabelContext, labelNewTransaction } from "./labelling";
import { labelFilters } from "./list-filters";
import { localRangeConditions } from "./local-range";
import type { CreateTransactionInput, ListQuery, UpdateTransactionInput } from "./transactions.schemas";

export type TransactionRow = typeof transactions.$inferSelect;

/** The columns a record shows (a list reads only these: etag and the feed's sequence numbers stay in D1). */
export type RecordedRow = Omit<TransactionRow, "etag" | "seq" | "createdSeq">;

export function toRecord(row: RecordedRow, owner: Pick<AuthUser, "fullName">) {
  return {
    id: row.id,
    user_id: row.userId,
    full_name: owner.fullName,
    transaction_date: row.transactionDate,
    date_only: Boolean(row.dateOnly), // raw SQL rows (the prebuilt get, event objects) carry 0/1
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

/** Minor units of an amount the request schema has already checked against its currency. */
function checkedMinor(amount: string, currency: string): number {
  const parsed = parseAmount(amount, currency);
  if (!parsed.ok) throw new Error(`unvalidated amount reached the service: ${parsed.message}`);
  return Number(parsed.minor);
}

/** An amount that depends on the stored row (an update's currency), so it can only be checked here. */
function minorOrInvalid(parsed: ParseAmountResult): number {
  if (!parsed.ok) {
    throw validationError([{ path: "transaction_amount", message: parsed.message }]);
  }
  return Number(parsed.minor);
}

const owned = (userId: string, id: string) => and(eq(transactions.id, id), eq(transactions.userId, userId)) as SQL;

/**
 * The stored row for a create request the schema has validated (amount included), its category checked
 * against the caller's, labelled by the rules in `context`, and the rules that matched.
 */
export function buildRow(
  userId: string,
  input: CreateTransactionInput,
  context: LabelContext,
  now = new Date().toISOString(),
): { row: TransactionRow; matched: MatchedRule[] } {
  const currency = input.currency ?? "USD";
  const amountMinor = checkedMinor(input.transaction_amount, currency);
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
    seq: 0, // set in the write's batch (feed-statements.ts)
    createdSeq: 0,
  };
  return { row, matched: labels.matched };
}

export async function createTransaction(
  ctx: WriteContext,
  userId: string,
  input: CreateTransactionInput,
  withRules = true,
): Promise<TransactionRow> {
  const named = input.category_id ? [input.category_id] : [];
  return withLabels(ctx.db, userId, { withRules, categoryIds: named }, async ({ context, guards }) => {
    const { row } = buildRow(userId, input, context);
    // With an external_id, the row that already holds it is read in the same batch, for the 409 (one round trip).
    const holder = row.externalId
      ? [
          ctx.db
            .select({ id: transactions.id })
            .from(transactions)
            .where(and(eq(transactions.userId, userId), eq(transactions.externalId, row.externalId), ne(transactions.id, row.id))),
        ]
      : [];
    const { inserted, also } = await insertTransactions(
      ctx,
      userId,
      [row],
      { action: "transaction.create", fromRow: "after", where: eq(transactions.id, row.id) },
      { reads: holder, guards },
    );
    if (!inserted.has(row.id)) {
      const existing = also[0]?.results[0] as { id: string } | undefined;
      throw new ApiError(
        "conflict",
        `A transaction with external_id ${JSON.stringify(row.externalId)} already exists${existing ? ` (${existing.id})` : ""}`,
      );
    }
    return row;
  });
}

/** `"column" AS "field"` for each of these fields: rows come back keyed like drizzle's, with nothing to map. */
function selectAsFields(fields: readonly (keyof TransactionRow)[]): string {
  const columns = getTableColumns(transactions);
  return fields.map((field) => `"${columns[field].name}" AS "${field}"`).join(", ");
}

// The most frequent query, built once: every column under its schema field name, so a row needs no mapping.
// (Profiled: drizzle rebuilding a relational query per request was most of its share of a read.)
const GET_OWNED_SQL = `SELECT ${selectAsFields(Object.keys(getTableColumns(transactions)) as (keyof TransactionRow)[])} FROM transactions WHERE id = ?1 AND user_id = ?2`;

export async function getTransaction(db: Database, userId: string, id: string): Promise<TransactionRow> {
  const row = await db.$client.prepare(GET_OWNED_SQL).bind(id, userId).first<TransactionRow>();
  if (!row) throw new ApiError("not_found", "Transaction not found");
  return { ...row, dateOnly: Boolean(row.dateOnly) }; // SQLite's 0/1, as drizzle would map it
}

// A page's columns, under their field names: drizzle's select() would read rows as arrays and map each column of
// each row back into an object (profiled at ~20% of a list of 100), and the record needs none of the others.
// user_id is the caller's on every row (the WHERE says so): filled in here rather than sent 100 times by D1.
const LISTED_FIELDS: (keyof RecordedRow)[] = [
  "id",
  "transactionDate",
  "dateOnly",
  "amountMinor",
  "currency",
  "transactionType",
  "status",
  "description",
  "externalId",
  "categoryId",
  "merchant",
  "tags",
  "createdAt",
  "updatedAt",
];
const LIST_COLUMNS = sql.raw(selectAsFields(LISTED_FIELDS));

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

  const rows = await db.all<RecordedRow>(
    sql`SELECT ${LIST_COLUMNS} FROM ${transactions} WHERE ${and(...conditions)} ORDER BY ${sql.join(page.orderBy, sql`, `)} LIMIT ${query.limit + 1}`,
  );
  for (const row of rows) {
    row.userId = userId;
    row.dateOnly = Boolean(row.dateOnly); // SQLite's 0/1, as drizzle would map it
  }
  return toPage(rows, query.limit, (row) => ({ date: row.transactionDate, id: row.id }));
}

const MAX_UPDATE_ATTEMPTS = 3;

/**
 * Applies a partial update. The row's etag guards every statement of the batch, so a concurrent
 * writer makes this attempt a no-op (rollups included) and it retries on the fresh row.
 */
export async function updateTransaction(
  ctx: WriteContext,
  userId: string,
  id: string,
  patch: UpdateTransactionInput,
  ifMatch?: IfMatch,
): Promise<TransactionRow> {
  // The cached context (reloaded if it does not know the id) answers the 422; a category deleted meanwhile fails the batch (409).
  if (patch.category_id) checkCategory(patch.category_id, await labelsKnowing(ctx.db, userId, [patch.category_id]));
  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    const current = await getTransaction(ctx.db, userId, id);
    if (!ifMatchPasses(ifMatch, current.etag)) throw stale();
    const currency = patch.currency ?? current.currency;
    const amountMinor =
      patch.transaction_amount !== undefined
        ? minorOrInvalid(parseAmount(patch.transaction_amount, currency))
        : minorOrInvalid(rescaleMinor(BigInt(current.amountMinor), current.currency, currency));
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
    const { results } = await commitWrite(
      ctx,
      {
        userId,
        removes: before,
        adds: [after],
        audit: {
          action: "transaction.update",
          targetId: id,
          details: { before: factsOf(current), after: factsOf(updatedRow), fields: Object.keys(patch) },
          onlyIf: sql`EXISTS (SELECT 1 FROM transactions WHERE ${after})`,
        },
      },
      [ctx.db.update(transactions).set(next).where(before)],
      ([updated]) => updated?.meta.changes === 1,
    );
    if (results[0]?.meta.changes === 1) return updatedRow;
    // With a list of tags, the row changed under us: whether it still passes is decided on the fresh row.
  }
  throw new ApiError("conflict", "The transaction is being changed concurrently; retry");
}

function stale(): ApiError {
  return new ApiError("precondition_failed", "The transaction has changed since it was read");
}

/** Guarantees `updated_at` moves forward even within the same millisecond. */
function laterThan(previous: string): string {
  const now = Date.now();
  const prev = Date.parse(previous);
  return new Date(Math.max(now, prev + 1)).toISOString();
}

export async function deleteTransaction(ctx: WriteContext, userId: string, id: string, ifMatch?: IfMatch): Promise<string> {
  // With If-Match, every statement is guarded by the tags listed, so a stale delete changes nothing.
  const tags = ifMatch === undefined || ifMatch === "*" ? undefined : ifMatch;
  const target = tags
    ? (and(owned(userId, id), tags.length > 0 ? inArray(transactions.etag, [...tags]) : sql`0`) as SQL)
    : owned(userId, id);
  const { results } = await commitWrite(
    ctx,
    { userId, removes: target, audit: { action: "transaction.delete", fromRow: "before", where: target } },
    [ctx.db.delete(transactions).where(target)],
    ([deleted]) => deleted?.meta.changes === 1,
  );
  if (results[0]?.meta.changes !== 1) {
    if (tags) await getTransaction(ctx.db, userId, id); // 404 when it does not exist at all
    throw tags ? stale() : new ApiError("not_found", "Transaction not found");
  }
  return id;
}
