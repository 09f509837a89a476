import type { Context } from "hono";
import { writeContext } from "../analytics/ledger";
import { decodeUtf8, mediaTypeOf, requestBytes } from "../http/body";
import type { AppEnv, AppRouteHandler } from "../http/context";
import { ApiError } from "../http/problem";
import { ifNoneMatchHits, parseIfMatch, quoteEtag } from "../lib/etag";
import { csvLine, EXPORT_COLUMNS, MAX_REPORTED_ERRORS, parseImportCsv, recordToCsv } from "./csv";
import { ingestTransactions } from "./ingest";
import type * as routes from "./transactions.routes";
import * as service from "./transactions.service";

/**
 * The zone plain-date `from`/`to` are local days of: `tz`, else the caller's time_zone, which arrives with the
 * token check, so it is settled first (a second round trip, listed in db/round-trips.ts).
 */
async function boundsZone(c: Context<AppEnv>, query: { tz?: string; from?: string; to?: string }): Promise<string> {
  if (query.tz) return query.tz;
  if (query.from === undefined && query.to === undefined) return "UTC";
  await c.var.d1.settle();
  return c.get("user").timeZone;
}

export const createTransaction: AppRouteHandler<typeof routes.createTransaction> = async (c) => {
  const user = c.get("user");
  const row = await service.createTransaction(writeContext(c), user.id, c.req.valid("json"), c.req.valid("query").apply_rules);
  c.header("location", `/api/v1/transaction/${row.id}`);
  c.header("etag", quoteEtag(row.etag));
  return c.json(service.toRecord(row, user), 201);
};

export const listTransactions: AppRouteHandler<typeof routes.listTransactions> = async (c) => {
  const user = c.get("user");
  const query = c.req.valid("query");
  const page = await service.listTransactions(c.var.db, user.id, query, await boundsZone(c, query));
  return c.json({ data: page.rows.map((row) => service.toRecord(row, user)), has_more: page.hasMore, next_cursor: page.nextCursor }, 200);
};

export const getTransaction: AppRouteHandler<typeof routes.getTransaction> = async (c) => {
  const user = c.get("user");
  const row = await service.getTransaction(c.var.db, user.id, c.req.valid("param").transaction_id);
  const etag = quoteEtag(row.etag);
  c.header("etag", etag);
  c.header("cache-control", "private, no-cache");
  if (ifNoneMatchHits(c.req.header("if-none-match"), etag)) return c.body(null, 304);
  return c.json(service.toRecord(row, user), 200);
};

export const updateTransaction: AppRouteHandler<typeof routes.updateTransaction> = async (c) => {
  const user = c.get("user");
  const row = await service.updateTransaction(
    writeContext(c),
    user.id,
    c.req.valid("param").transaction_id,
    c.req.valid("json"),
    parseIfMatch(c.req.header("if-match")),
  );
  c.header("etag", quoteEtag(row.etag));
  return c.json(service.toRecord(row, user), 200);
};

export const deleteTransaction: AppRouteHandler<typeof routes.deleteTransaction> = async (c) => {
  const id = await service.deleteTransaction(
    writeContext(c),
    c.get("user").id,
    c.req.valid("param").transaction_id,
    parseIfMatch(c.req.header("if-match")),
  );
  return c.json({ message: "success" as const, id }, 200);
};

export const bulkCreateTransactions: AppRouteHandler<typeof routes.bulkCreateTransactions> = async (c) => {
  const user = c.get("user");
  const { atomic, apply_rules: applyRules } = c.req.valid("query");
  const items = c.req.valid("json").transactions.map((body) => ({ body }));
  const outcome = await ingestTransactions(writeContext(c), user.id, items, {
    atomic,
    applyRules,
    label: (i) => `transactions.${i}`,
    action: "transaction.bulk_create",
  });
  const { created, duplicates, failed, results } = outcome;
  const body = { atomic, created, duplicates, failed, results };
  return outcome.created > 0 ? c.json(body, 201) : c.json(body, 200);
};

export const importTransactions: AppRouteHandler<typeof routes.importTransactions> = async (c) => {
  const user = c.get("user");
  if (mediaTypeOf(c) !== "text/csv") throw new ApiError("unsupported_media_type", "Send the file as text/csv");
  const text = decodeUtf8(await requestBytes(c));
  if (text === null) throw new ApiError("bad_request", "The CSV is not valid UTF-8");
  const rows = parseImportCsv(text);
  const { dry_run: dryRun, apply_rules: applyRules } = c.req.valid("query");
  const outcome = await ingestTransactions(
    writeContext(c),
    user.id,
    rows.map((r) => ({ body: r.item, exportedId: r.id })),
    { atomic: false, dryRun, applyRules, action: "transaction.import" },
  );
  const failures = outcome.results.filter((r) => r.status === "error");
  const body = {
    dry_run: dryRun,
    rows: rows.length,
    added: outcome.created,
    duplicates: outcome.duplicates,
    error_count: failures.length,
    errors: failures.slice(0, MAX_REPORTED_ERRORS).map((r) => ({ line: rows[r.index]?.line ?? 0, errors: r.errors ?? [] })),
  };
  return outcome.created > 0 && !dryRun ? c.json(body, 201) : c.json(body, 200);
};

const EXPORT_PAGE = 1000;

export const exportTransactions: AppRouteHandler<typeof routes.exportTransactions> = async (c) => {
  const user = c.get("user");
  const filters = c.req.valid("query");
  const db = c.var.db;
  const encoder = new TextEncoder();
  const zone = await boundsZone(c, filters);
  const pageAfter = (cursor?: string) => service.listTransactions(db, user.id, { ...filters, limit: EXPORT_PAGE, cursor }, zone);
  // The first page is read before answering: it carries the token check, so a revoked token gets a 401, not a 200 that breaks off.
  let cursor: string | undefined;
  let page: Awaited<ReturnType<typeof pageAfter>> | undefined = await pageAfter();
  let headerSent = false;
  // Pull-based: one keyset page per pull, so memory stays constant whatever the history size.
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(csvLine([...EXPORT_COLUMNS])));
        return;
      }
      const current = page ?? (await pageAfter(cursor));
      page = undefined;
      const chunk = current.rows.map((row) => recordToCsv(service.toRecord(row, user))).join("");
      if (chunk) controller.enqueue(encoder.encode(chunk));
      if (!current.hasMore || !current.nextCursor) controller.close();
      else cursor = current.nextCursor;
    },
  });
  return c.body(stream, 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="transactions-${new Date().toISOString().slice(0, 10)}.csv"`,
    "cache-control": "no-store",
  });
};
