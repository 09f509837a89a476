import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getDb } from "../../src/db/client";
import { insertRowsStatement, rowsInsertedByDrizzle } from "../../src/transactions/insert";
import type { TransactionRow } from "../../src/transactions/transactions.service";
import { newUser, shardFor } from "../harness";

function row(i: number, overrides: Partial<TransactionRow> = {}): TransactionRow {
  return {
    id: `txn_${String(i).padStart(26, "0")}`,
    userId: "usr_00000000000000000000000001",
    transactionDate: "2026-11-30T10:00:00.000Z",
    dateOnly: i % 2 === 0,
    amountMinor: 1234 + i,
    currency: i % 3 === 0 ? "JPY" : "USD",
    transactionType: i % 2 === 0 ? "debit" : "credit",
    status: "success",
    description: i % 4 === 0 ? null : `row ${i} "quoted" 'single'`,
    externalId: i % 5 === 0 ? `ext-${i}` : null,
    categoryId: null,
    merchant: i % 2 === 0 ? "Café" : null,
    tags: JSON.stringify(i % 2 === 0 ? [] : ["a", "b"]),
    etag: `etag${i}`,
    createdAt: "2026-11-30T10:00:00.000Z",
    updatedAt: "2026-11-30T10:00:00.000Z",
    seq: 0,
    createdSeq: 0,
    ...overrides,
  };
}

describe("the prebuilt transactions INSERT", () => {
  it("has the SQL text and parameters drizzle's builder makes, for one row and for a full chunk", () => {
    const db = getDb(env.DB);
    for (const rows of [[row(1)], [row(2, { dateOnly: true })], Array.from({ length: 5 }, (_, i) => row(i))]) {
      expect(insertRowsStatement(db, rows).toSQL()).toEqual(rowsInsertedByDrizzle(db, rows).toSQL());
    }
  });

  it("inserts, skips a duplicate external_id and returns the ids inserted, like drizzle's", async () => {
    const userId = (await newUser("insert")).id;
    const shard = await shardFor(userId);
    const db = getDb(shard);
    const rows = [row(10, { userId, externalId: "dup" }), row(11, { userId, externalId: "dup" }), row(12, { userId })];
    const query = insertRowsStatement(db, rows).toSQL();
    const result = await shard
      .prepare(query.sql)
      .bind(...query.params)
      .all<{ id: string }>();
    expect(result.results.map((r) => r.id)).toEqual([rows[0]?.id, rows[2]?.id]);
  });
});
