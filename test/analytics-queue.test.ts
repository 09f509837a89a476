import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { consumeAnalyticsBatch } from "../src/analytics/queue";
import worker from "../src/index";
import { authed, call, createTransaction, newUser, type TestUser } from "./helpers";
import { analyticsState, eventually, setFault } from "./support/analytics-state";

const QUEUE = "finanalyze-analytics";
let messageCounter = 0;

function batchOf(messages: { user_id: string; version: number }[], attempts = 1) {
  return createMessageBatch(
    QUEUE,
    messages.map((body) => ({ id: `msg-${++messageCounter}`, timestamp: new Date(), attempts, body })),
  );
}

async function deliver(messages: { user_id: string; version: number }[]) {
  const batch = batchOf(messages);
  const ctx = createExecutionContext();
  const outcome = await consumeAnalyticsBatch(batch, env);
  const result = await getQueueResult(batch, ctx);
  return { outcome, result, ids: batch.messages.map((m) => m.id) };
}

async function analytics(user: TestUser, query = "") {
  const res = await call(`/api/v1/transaction/analytics/me${query}`, authed(user.token));
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown> & { computed_at: string; stale: boolean; transaction_count: number };
}

/** Writes for a user while queue sends fail, so only the messages a test delivers by hand exist. */
async function userWithLostMessages(amounts: string[]) {
  await setFault("queue_send_fail", "1");
  const user = await newUser("queue");
  for (const amount of amounts)
    await createTransaction(user.token, { transaction_amount: amount, transaction_type: "credit", transaction_date: "2026-11-20" });
  return user;
}

afterEach(async () => {
  await setFault("queue_send_fail", null);
  await setFault("consumer_fail_users", null);
});

describe("queue consumer", () => {
  it("coalesces a batch to one recompute per user and acks every message", async () => {
    const a = await userWithLostMessages(["1.00", "2.00", "3.00"]);
    const b = await userWithLostMessages(["5.00", "5.00"]);
    const { outcome, result, ids } = await deliver([
      { user_id: a.id, version: 1 },
      { user_id: a.id, version: 2 },
      { user_id: a.id, version: 3 },
      { user_id: a.id, version: 3 },
      { user_id: b.id, version: 2 },
      { user_id: b.id, version: 1 },
    ]);
    expect(outcome.recomputed.sort()).toEqual([a.id, b.id].sort());
    expect(result.explicitAcks.sort()).toEqual(ids.sort());
    expect(result.retryMessages).toEqual([]);
    expect((await analyticsState(a.id))?.snapshot_version).toBe(3);
    expect((await analyticsState(b.id))?.snapshot_version).toBe(2);
  });

  it("ignores duplicate and out-of-order versions: a snapshot never goes backwards", async () => {
    const user = await userWithLostMessages(["1.00", "2.00"]);
    await deliver([{ user_id: user.id, version: 2 }]);
    const before = await analyticsState(user.id);

    const redelivered = await deliver([
      { user_id: user.id, version: 1 },
      { user_id: user.id, version: 2 },
    ]);
    expect(redelivered.outcome.upToDate).toEqual([user.id]);
    expect(redelivered.result.explicitAcks).toHaveLength(2);
    expect(await analyticsState(user.id)).toEqual(before);

    await createTransaction(user.token, { transaction_amount: "4.00", transaction_type: "debit" });
    const late = await deliver([
      { user_id: user.id, version: 3 },
      { user_id: user.id, version: 1 },
    ]);
    expect(late.outcome.recomputed).toEqual([user.id]);
    const after = await analyticsState(user.id);
    expect(after?.snapshot_version).toBe(3);
    expect((await analytics(user)).transaction_count).toBe(3);
  });

  it("retries only the failing user's messages", async () => {
    const ok = await userWithLostMessages(["1.00"]);
    const failing = await userWithLostMessages(["2.00"]);
    await setFault("consumer_fail_users", JSON.stringify([failing.id]));
    const batch = batchOf([
      { user_id: ok.id, version: 1 },
      { user_id: failing.id, version: 1 },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    const [okMessage, failingMessage] = batch.messages;
    expect(result.explicitAcks).toEqual([okMessage?.id]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([failingMessage?.id]);
    expect(result.retryBatch.retry).toBe(false);
    expect((await analyticsState(ok.id))?.snapshot_version).toBe(1);
    expect((await analyticsState(failing.id))?.snapshot).toBeNull();
  });

  it("acks malformed messages instead of retrying them forever", async () => {
    const batch = createMessageBatch(QUEUE, [{ id: "bad-1", timestamp: new Date(), attempts: 1, body: { nope: true } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["bad-1"]);
  });
});

describe("read path", () => {
  it("reads its writes at once, from the rollups while the snapshot is behind", async () => {
    const user = await newUser("ryw");
    await createTransaction(user.token, { transaction_amount: "10.00", transaction_type: "credit" });
    const first = await analytics(user);
    expect(first.transaction_count).toBe(1);
    expect(first.total_credit).toBe("10.00");
    await createTransaction(user.token, { transaction_amount: "2.50", transaction_type: "debit" });
    const second = await analytics(user);
    expect(second).toMatchObject({
      transaction_count: 2,
      total_credit: "10.00",
      total_debit: "2.50",
      average_transaction_value: "6.25",
      stale: false,
    });
  });

  it("serves the stored snapshot once the consumer has caught up", async () => {
    const user = await newUser("snap");
    await createTransaction(user.token, { transaction_amount: "7.00", transaction_type: "credit" });
    const state = await eventually(async () => {
      const s = await analyticsState(user.id);
      return s && s.snapshot !== null && s.snapshot_version === s.version ? s : null;
    });
    const body = await analytics(user);
    expect(body.computed_at).toBe(state.computed_at);
    expect(body).toMatchObject({ transaction_count: 1, total_credit: "7.00", stale: false });
  });

  it("heals a lost queue message: the read path answers exactly and re-enqueues", async () => {
    const user = await userWithLostMessages(["3.00", "4.00"]);
    expect((await analyticsState(user.id))?.snapshot).toBeNull();
    await setFault("queue_send_fail", null);
    expect(await analytics(user)).toMatchObject({ transaction_count: 2, total_credit: "7.00", stale: false });
    const healed = await eventually(async () => {
      const s = await analyticsState(user.id);
      return s && s.snapshot !== null && s.snapshot_version === s.version ? s : null;
    });
    expect(healed.version).toBe(2);
  });

  it("heals a lost queue message through the cron sweep", async () => {
    const user = await userWithLostMessages(["3.00"]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const state = await analyticsState(user.id);
    expect(state?.snapshot_version).toBe(1);
    expect((await analytics(user)).computed_at).toBe(state?.computed_at);
  });
});

describe("dead-letter queue", () => {
  it("moves a message that keeps failing to the dead-letter queue after its retries", async () => {
    const user = await newUser("dlq");
    await setFault("consumer_fail_users", JSON.stringify([user.id]));
    await createTransaction(user.token, { transaction_amount: "1.00", transaction_type: "credit" });
    const row = await eventually(
      () =>
        env.DB.prepare("SELECT body, attempts FROM dead_letters WHERE body LIKE ?")
          .bind(`%${user.id}%`)
          .first<{ body: string; attempts: number }>(),
      30_000,
    );
    expect(JSON.parse(row.body)).toMatchObject({ user_id: user.id, version: 1 });
    // The analytics answer is still exact while the snapshot cannot be computed.
    expect((await analytics(user)).transaction_count).toBe(1);
  }, 40_000);
});
