import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { encodeCursor } from "../src/lib/keyset";
import { APPLY_ROWS_PER_INVOCATION } from "../src/rules/apply";
import type { RuleApplyMessage } from "../src/rules/apply-queue";
import {
  analyticsState,
  authed,
  bruteForceAnalytics,
  call,
  eventually,
  json,
  jsonInit,
  newUser,
  type OracleCategory,
  rollupsAndTruth,
  shardFor,
  type TestUser,
} from "./harness";

/**
 * POST /rules/{id}/apply over more rows than one invocation handles: the request applies the first
 * APPLY_ROWS_PER_INVOCATION rows (newest first) and answers 202; the real queue carries the rest.
 * Checked against a brute force over the rows, then the continuation is redelivered by hand.
 */

const QUEUE = "finanalyze-analytics";
const ROWS = APPLY_ROWS_PER_INVOCATION + 1_200;
const THRESHOLD_MINOR = 10_000; // the rule matches amounts >= 100.00 (about 90% of the seeded rows)

interface StoredRow {
  id: string;
  transaction_date: string;
  amount_minor: number;
  currency: string;
  transaction_type: string;
  category_id: string | null;
  merchant: string | null;
  tags: string;
  etag: string;
}

const post = (u: TestUser, path: string, body: unknown) => call(path, jsonInit("POST", body, u.token));

async function storedRows(userId: string): Promise<StoredRow[]> {
  const { results } = await (await shardFor(userId))
    .prepare(
      `SELECT id, transaction_date, amount_minor, currency, transaction_type, category_id, merchant, tags, etag
     FROM transactions WHERE user_id = ? ORDER BY transaction_date DESC, id DESC`,
    )
    .bind(userId)
    .all<StoredRow>();
  return results;
}

async function auditedRuleApplies(userId: string) {
  const { results } = await (await shardFor(userId))
    .prepare("SELECT target_id, request_id, details FROM audit_log WHERE user_id = ? AND action = 'transaction.rule_apply'")
    .bind(userId)
    .all<{ target_id: string; request_id: string; details: string }>();
  return results;
}

async function categoriesOf(userId: string): Promise<OracleCategory[]> {
  const { results } = await (await shardFor(userId))
    .prepare("SELECT id, name, parent_id, exclude_from_analytics FROM categories WHERE user_id = ?")
    .bind(userId)
    .all<OracleCategory>();
  return results;
}

async function analyticsFigures(u: TestUser) {
  const res = await call("/api/v1/transaction/analytics/me", authed(u.token));
  expect(res.status).toBe(200);
  const figures = (await res.json()) as Record<string, unknown>;
  delete figures.computed_at;
  delete figures.stale;
  expect(figures.time_zone).toBe("UTC"); // the profile's zone (issue 15)
  delete figures.time_zone;
  return figures;
}

describe("POST /rules/{id}/apply over a long history", () => {
  it("answers 202 after the first slice, finishes through a real queue batch exactly, and redelivery changes nothing", async () => {
    const u = await newUser("apq");
    const seedCategories: string[] = [];
    for (const name of ["Seed A", "Seed B"]) {
      seedCategories.push((await json<{ id: string }>(await post(u, "/api/v1/categories", { name }), 201)).id);
    }
    const target = await json<{ id: string }>(await post(u, "/api/v1/categories", { name: "Target" }), 201);
    // Rows and rollups written in one D1 batch by the local-only seed route (USD and EUR, 30 merchants).
    await json(await post(u, "/__dev/seed", { count: ROWS, days: 400, category_ids: seedCategories, merchants: 30 }), 200);
    const before = await storedRows(u.id);
    expect(before.length).toBe(ROWS);
    expect(before.every((r) => /^Merchant \d+$/.test(r.merchant ?? "") && seedCategories.includes(r.category_id ?? ""))).toBe(true);

    const rule = await json<{ id: string }>(
      await post(u, "/api/v1/rules", {
        name: "Big spend",
        match: "all",
        conditions: [{ field: "amount", op: "gte", value: (THRESHOLD_MINOR / 100).toFixed(2) }],
        actions: [{ set_category: target.id }, { set_merchant: "Bulk  Shop " }, { add_tag: "Big" }],
      }),
      201,
    );
    // Brute force: which rows the rule matches, and what each must look like afterwards.
    const matches = (r: StoredRow) => r.amount_minor >= THRESHOLD_MINOR;
    const matchedIds = new Set(before.filter(matches).map((r) => r.id));
    expect(matchedIds.size).toBeGreaterThan(APPLY_ROWS_PER_INVOCATION);
    const firstSlice = before.slice(0, APPLY_ROWS_PER_INVOCATION);
    const expected = before.map((r) =>
      matches(r) ? { ...r, category_id: target.id, merchant: "Bulk Shop", tags: JSON.stringify(["big"]) } : r,
    );
    const labels = (rows: StoredRow[]) => rows.map(({ id, category_id, merchant, tags }) => ({ id, category_id, merchant, tags }));

    const res = await post(u, `/api/v1/rules/${rule.id}/apply`, {});
    expect(res.status).toBe(202);
    const firstMatched = firstSlice.filter(matches).length;
    expect(await res.json()).toEqual({ dry_run: false, matched: firstMatched, changed: firstMatched, complete: false });
    const requestId = res.headers.get("x-request-id");

    // The rest arrives through the real queue (the Worker's queue handler), then the snapshot catches up.
    const after = await eventually(async () => {
      const rows = await storedRows(u.id);
      return rows.every((r) => !matchedIds.has(r.id) || r.category_id === target.id) && rows;
    });
    expect(labels(after)).toEqual(labels(expected));
    // Rows the rule did not match were not touched at all.
    const untouched = new Map(before.filter((r) => !matches(r)).map((r) => [r.id, r.etag]));
    expect(after.filter((r) => untouched.has(r.id)).every((r) => r.etag === untouched.get(r.id))).toBe(true);

    const { rollups, truth } = await rollupsAndTruth(u.id);
    expect(rollups).toEqual(truth);
    const categories = await categoriesOf(u.id);
    const bruteForce = { user_id: u.id, ...bruteForceAnalytics(after, undefined, categories) };
    expect(await analyticsFigures(u)).toStrictEqual(bruteForce);
    const settled = await eventually(async () => {
      const state = await analyticsState(u.id);
      return state && state.snapshot_version === state.version && state;
    });
    expect(await analyticsFigures(u)).toStrictEqual(bruteForce);

    // One audit entry per changed row, all under the request's id, naming the rule.
    const audit = await auditedRuleApplies(u.id);
    expect(audit.map((a) => a.target_id).sort()).toEqual([...matchedIds].sort());
    expect(new Set(audit.map((a) => a.request_id))).toEqual(new Set([requestId]));
    expect(audit.every((a) => (JSON.parse(a.details) as { rule_id: string }).rule_id === rule.id)).toBe(true);

    // Redeliver the continuation (at-least-once): acked, and nothing changes.
    const last = firstSlice.at(-1);
    if (!last) throw new Error("no first slice");
    const continuation: RuleApplyMessage = {
      kind: "rule_apply",
      user_id: u.id,
      rule_id: rule.id,
      range: {},
      cursor: encodeCursor({ date: last.transaction_date, id: last.id }),
      request_id: requestId ?? "",
    };
    const batch = createMessageBatch(QUEUE, [{ id: "apply-redelivered", timestamp: new Date(), attempts: 2, body: continuation }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["apply-redelivered"]);
    expect(result.retryMessages).toEqual([]);
    expect(await storedRows(u.id)).toEqual(after);
    expect((await auditedRuleApplies(u.id)).length).toBe(audit.length);
    expect(await rollupsAndTruth(u.id)).toEqual({ rollups, truth });
    expect((await analyticsState(u.id))?.version).toBe(settled.version);
    expect(await analyticsFigures(u)).toStrictEqual(bruteForce);
  }, 120_000);
});
