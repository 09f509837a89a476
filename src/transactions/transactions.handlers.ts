import type { RouteHandler } from "@hono/zod-openapi";
import { notifyAnalytics } from "../analytics/notify";
import { auditContext } from "../audit/audit.service";
import { getDb } from "../db/client";
import type { AppEnv } from "../lib/context";
import { ifMatchTag, ifNoneMatchHits, quoteEtag } from "../lib/etag";
import { ApiError } from "../lib/problem";
import { csvLine, EXPORT_COLUMNS, parseImportCsv, recordToCsv } from "./csv";
import { ingestTransactions } from "./ingest";
import type * as routes from "./transactions.routes";
import * as service from "./transactions.service";

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

export const createTransaction: Handler<"createTransaction"> = async (c) => {
  const user = c.get("user");
  const { value: row, analyticsVersion } = await service.createTransaction(
    getDb(c.env.DB),
    user.id,
    c.req.valid("json"),
    auditContext(c),
    c.req.valid("query").apply_rules,
  );
  notifyAnalytics(c, user.id, analyticsVersion);
  c.header("location", `/api/v1/transaction/${row.id}`);
  c.header("etag", quoteEtag(row.etag));
  return c.json(service.toRecord(row, user), 201);
};

export const listTransactions: Handler<"listTransactions"> = async (c) => {
  const user = c.get("user");
  const page = await service.listTransactions(getDb(c.env.DB), user.id, c.req.valid("query"), user.timeZone);
  return c.json({ data: page.rows.map((row) => service.toRecord(row, user)), has_more: page.hasMore, next_cursor: page.nextCursor }, 200);
};

export const getTransaction: Handler<"getTransaction"> = async (c) => {
  const user = c.get("user");
  const row = await service.getTransaction(getDb(c.env.DB), user.id, c.req.valid("param").transaction_id);
  const etag = quoteEtag(row.etag);
  c.header("etag", etag);
  c.header("cache-control", "private, no-cache");
  if (ifNoneMatchHits(c.req.header("if-none-match"), etag)) return c.body(null, 304);
  return c.json(service.toRecord(row, user), 200);
};

export const updateTransaction: Handler<"updateTransaction"> = async (c) => {
  const user = c.get("user");
  const { value: row, analyticsVersion } = await service.updateTransaction(
    getDb(c.env.DB),
    user.id,
    c.req.valid("param").transaction_id,
    c.req.valid("json"),
    auditContext(c),
    ifMatchTag(c.req.header("if-match")),
  );
  notifyAnalytics(c, user.id, analyticsVersion);
  c.header("etag", quoteEtag(row.etag));
  return c.json(service.toRecord(row, user), 200);
};

export const deleteTransaction: Handler<"deleteTransaction"> = async (c) => {
  const userId = c.get("user").id;
  const { value: id, analyticsVersion } = await service.deleteTransaction(
    getDb(c.env.DB),
    userId,
    c.req.valid("param").transaction_id,
    auditContext(c),
  );
  notifyAnalytics(c, userId, analyticsVersion);
  return c.json({ message: "success" as const, id }, 200);
};

export const bulkCreateTransactions: Handler<"bulkCreateTransactions"> = async (c) => {
  const user = c.get("user");
  const { atomic, apply_rules: applyRules } = c.req.valid("query");
  const outcome = await ingestTransactions(getDb(c.env.DB), user.id, c.req.valid("json").transactions, {
    atomic,
    applyRules,
    label: (i) => `transactions.${i}`,
    audit: { context: auditContext(c), action: "transaction.bulk_create" },
  });
  if (outcome.created > 0) notifyAnalytics(c, user.id, outcome.analyticsVersion);
  const results = outcome.results.map((r) => ({ ...r, status: r.status as "created" | "duplicate" | "error" }));
  const body = { atomic, created: outcome.created, duplicates: outcome.duplicates, failed: outcome.failed, results };
  return outcome.created > 0 ? c.json(body, 201) : c.json(body, 200);
};

export const importTransactions: Handler<"importTransactions"> = async (c) => {
  const user = c.get("user");
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "text/csv") throw new ApiError("unsupported_media_type", "Send the file as text/csv");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(c.get("rawBody"));
  } catch {
    throw new ApiError("bad_request", "The CSV is not valid UTF-8");
  }
  const rows = parseImportCsv(text);
  const { dry_run: dryRun, apply_rules: applyRules } = c.req.valid("query");
  const outcome = await ingestTransactions(
    getDb(c.env.DB),
    user.id,
    rows.map((r) => r.item),
    { atomic: false, dryRun, applyRules, audit: { context: auditContext(c), action: "transaction.import" } },
  );
  if (outcome.created > 0) notifyAnalytics(c, user.id, outcome.analyticsVersion);
  const body = {
    dry_run: dryRun,
    rows: rows.length,
    added: dryRun ? outcome.valid : outcome.created,
    duplicates: outcome.duplicates,
    errors: outcome.results.flatMap((r) => (r.status === "error" ? [{ line: rows[r.index]?.line ?? 0, errors: r.errors ?? [] }] : [])),
  };
  return outcome.created > 0 ? c.json(body, 201) : c.json(body, 200);
};

const EXPORT_PAGE = 1000;

export const exportTransactions: Handler<"exportTransactions"> = async (c) => {
  const user = c.get("user");
  const filters = c.req.valid("query");
  const db = getDb(c.env.DB);
  const encoder = new TextEncoder();
  let cursor: string | undefined;
  let headerSent = false;
  // Pull-based: one keyset page per pull, so memory stays constant whatever the history size.
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(csvLine([...EXPORT_COLUMNS])));
        return;
      }
      const page = await service.listTransactions(db, user.id, { ...filters, limit: EXPORT_PAGE, cursor }, user.timeZone);
      const chunk = page.rows.map((row) => recordToCsv(service.toRecord(row, user))).join("");
      if (chunk) controller.enqueue(encoder.encode(chunk));
      if (!page.hasMore || !page.nextCursor) controller.close();
      else cursor = page.nextCursor;
    },
  });
  return c.body(stream, 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="transactions-${new Date().toISOString().slice(0, 10)}.csv"`,
    "cache-control": "no-store",
  });
};
