import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, inject, it } from "vitest";
import { verifyWebhookSignature } from "../examples/verify-webhook-signature";
import { getDb } from "../src/db/client";
import worker from "../src/index";
import { consumeWebhookBatch } from "../src/webhooks/delivery";
import { dispatchOutbox } from "../src/webhooks/outbox";
import {
  authed,
  call,
  createTransaction,
  eventually,
  expectProblem,
  json,
  jsonInit,
  newUser,
  setFault,
  shardFor,
  type TestUser,
  validationPaths,
} from "./harness";

const RECEIVER = inject("receiverUrl");
const QUEUE = "finanalyze-webhooks";
let counter = 0;

interface Webhook {
  id: string;
  url: string;
  events: string[];
  status: string;
  secret?: string;
}
interface Received {
  headers: Record<string, string>;
  body: string;
}
interface Delivery {
  id: string;
  event_id: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  next_retry_at: string | null;
}

async function createHook(user: TestUser, name: string, events: string[] = ["*"]) {
  return json<Webhook & { secret: string }>(
    await call("/api/v1/webhooks", jsonInit("POST", { url: `${RECEIVER}/${name}`, events }, user.token)),
    201,
  );
}

async function received(name: string): Promise<Received[]> {
  return (await fetch(`${RECEIVER}/__received/${name}`)).json() as Promise<Received[]>;
}

async function failNext(name: string, fail: number, status = 503) {
  await fetch(`${RECEIVER}/__control/${name}`, { method: "POST", body: JSON.stringify({ fail, status }) });
}

/** Delivers messages by hand through the real consumer, as a queue batch would. */
async function deliver(messages: { event_id: string; webhook_id: string }[], attempts = 1, workerEnv: Env = env) {
  const batch = createMessageBatch(
    QUEUE,
    messages.map((body) => ({ id: `dlv-msg-${++counter}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  const outcomes = await consumeWebhookBatch(batch, workerEnv);
  return { outcomes, result: await getQueueResult(batch, ctx) };
}

async function eventsOf(user: TestUser, type?: string) {
  const body = await json<{ data: { id: string; type: string; data: { object: Record<string, unknown> } }[] }>(
    await call(`/api/v1/events?limit=1000${type ? `&type=${type}` : ""}`, authed(user.token)),
    200,
  );
  return body.data;
}

async function deliveries(user: TestUser, hookId: string) {
  return (await json<{ data: Delivery[] }>(await call(`/api/v1/webhooks/${hookId}/deliveries`, authed(user.token)), 200)).data;
}

afterEach(async () => {
  await setFault("queue_send_fail", null);
  await setFault("webhook_retry_scale", null);
});

describe("webhooks CRUD", () => {
  it("creates with a secret shown once, lists, reads, replaces, rotates and deletes; other users get 404", async () => {
    const user = await newUser("wh");
    const other = await newUser("whother");
    const hook = await createHook(user, "crud", ["transaction.created"]);
    expect(hook.secret).toMatch(/^whsec_/);
    expect(hook).toMatchObject({ events: ["transaction.created"], status: "enabled" });
    const read = await json<Webhook>(await call(`/api/v1/webhooks/${hook.id}`, authed(user.token)), 200);
    expect(read.secret).toBeUndefined();
    const list = await json<{ data: Webhook[]; has_more: boolean }>(await call("/api/v1/webhooks", authed(user.token)), 200);
    expect(list.data.map((h) => h.id)).toEqual([hook.id]);

    const replaced = await json<Webhook>(
      await call(
        `/api/v1/webhooks/${hook.id}`,
        jsonInit("PUT", { url: `${RECEIVER}/crud2`, events: ["*"], status: "disabled" }, user.token),
      ),
      200,
    );
    expect(replaced).toMatchObject({ url: `${RECEIVER}/crud2`, events: ["*"], status: "disabled", description: null });
    const rotated = await json<Webhook>(
      await call(`/api/v1/webhooks/${hook.id}/rotate_secret`, authed(user.token, { method: "POST" })),
      200,
    );
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(hook.secret);

    for (const [path, method] of [
      [`/api/v1/webhooks/${hook.id}`, "GET"],
      [`/api/v1/webhooks/${hook.id}`, "DELETE"],
      [`/api/v1/webhooks/${hook.id}/rotate_secret`, "POST"],
      [`/api/v1/webhooks/${hook.id}/test`, "POST"],
      [`/api/v1/webhooks/${hook.id}/deliveries`, "GET"],
    ] as const) {
      await expectProblem(await call(path, authed(other.token, { method })), 404);
    }
    expect((await json<{ data: Webhook[] }>(await call("/api/v1/webhooks", authed(other.token)), 200)).data).toEqual([]);
    await json(await call(`/api/v1/webhooks/${hook.id}`, authed(user.token, { method: "DELETE" })), 200);
    await expectProblem(await call(`/api/v1/webhooks/${hook.id}`, authed(user.token)), 404);
  });

  it("refuses unknown event types and unsafe URLs with 422 (SSRF guard)", async () => {
    const user = await newUser("whssrf");
    const post = (body: unknown) => call("/api/v1/webhooks", jsonInit("POST", body, user.token));
    expect(await validationPaths(await post({ url: `${RECEIVER}/x`, events: ["transaction.exploded"] }))).toEqual(["events.0"]);
    for (const url of [
      "http://hooks.example.com/x",
      "https://10.0.0.1/x",
      "https://[::1]/x",
      "https://user:pw@hooks.example.com/x",
      "https://hooks.example.com:8443/x",
      "https://metadata.internal/x",
      "https://167772161/x",
      "file:///etc/passwd",
    ]) {
      expect(await validationPaths(await post({ url, events: ["*"] })), url).toEqual(["url"]);
    }
    // Local receivers are allowed when ENVIRONMENT is "test" or "development".
    await json(await post({ url: "http://localhost:8870/hook", events: ["*"] }), 201);
  });
});

describe("events and deliveries", () => {
  it("writes one event per change, listed oldest first, and delivers each signed to the endpoint", async () => {
    const user = await newUser("whev");
    const hook = await createHook(user, "signed");
    const tx = await createTransaction(user.token, { transaction_amount: "12.34", transaction_type: "debit" });
    await json(await call(`/api/v1/transaction/update/${tx.id}`, jsonInit("PUT", { status: "failed" }, user.token)), 200);
    await json(await call(`/api/v1/transaction/delete/${tx.id}`, authed(user.token, { method: "DELETE" })), 200);

    const txEvents = (await eventsOf(user)).filter((e) => e.type.startsWith("transaction."));
    expect(txEvents.map((e) => e.type)).toEqual(["transaction.created", "transaction.updated", "transaction.deleted"]);
    expect(txEvents[0]?.data.object).toMatchObject({ id: tx.id, transaction_amount: "12.34", status: "success" });
    expect(txEvents[1]?.data.object).toMatchObject({ id: tx.id, status: "failed" });
    expect(Object.keys(txEvents[2]?.data.object ?? {}).sort()).toEqual(["deleted_at", "id"]);

    // The real queue delivers them (waitUntil → WEBHOOK_QUEUE → consumer → HTTP to the receiver).
    const got = await eventually(async () => {
      const r = await received("signed");
      return r.filter((x) => x.body.includes('"transaction.')).length >= 3 ? r : null;
    });
    for (const delivery of got) {
      const body = JSON.parse(delivery.body) as { id: string };
      expect(delivery.headers["finanalyze-event-id"]).toBe(body.id);
      expect(
        await verifyWebhookSignature({ header: delivery.headers["finanalyze-signature"], rawBody: delivery.body, secret: hook.secret }),
      ).toBe(true);
      expect(
        await verifyWebhookSignature({ header: delivery.headers["finanalyze-signature"], rawBody: delivery.body, secret: "whsec_wrong" }),
      ).toBe(false);
    }
    const ids = new Set(got.map((d) => (JSON.parse(d.body) as { id: string }).id));
    for (const e of txEvents) expect(ids.has(e.id)).toBe(true);
  });

  it("retries a failed delivery with growing delays, records each attempt, then succeeds", async () => {
    const user = await newUser("whretry");
    await setFault("queue_send_fail", "1"); // keep the automatic send out of the way: this test delivers by hand
    const hook = await createHook(user, "retry");
    await createTransaction(user.token, { transaction_amount: "1.00", transaction_type: "credit" });
    const [event] = await eventsOf(user, "transaction.created");
    const message = { event_id: event?.id ?? "", webhook_id: hook.id };
    await failNext("retry", 2, 500);

    const first = await deliver([message], 1);
    expect(first.outcomes).toEqual(["retry"]);
    expect(first.result.retryMessages).toHaveLength(1);
    const second = await deliver([message], 2);
    expect(second.result.retryMessages).toHaveLength(1);
    const third = await deliver([message], 3);
    expect(third.outcomes).toEqual(["delivered"]);
    expect(third.result.explicitAcks).toHaveLength(1);

    const attempts = await deliveries(user, hook.id);
    expect(attempts.map((d) => [d.attempt, d.status_code, d.error])).toEqual([
      [3, 200, null],
      [2, 500, "HTTP 500"],
      [1, 500, "HTTP 500"],
    ]);
    // The queue retry delays grow: 1 min after the first failure, 5 min after the second.
    const delay = (d?: Delivery & { attempted_at?: string }) =>
      (Date.parse(d?.next_retry_at ?? "") - Date.parse(d?.attempted_at ?? "")) / 1000;
    expect(delay(attempts[2])).toBe(60);
    expect(delay(attempts[1])).toBe(300);
    expect(attempts[0]?.next_retry_at).toBeNull();
    // The last attempt dead-letters instead of retrying with a delay.
    await failNext("retry", 1, 500);
    const last = await deliver([message], 8);
    expect(last.outcomes).toEqual(["dead"]);
    expect(last.result.retryMessages).toHaveLength(1);
    expect((await deliveries(user, hook.id))[0]).toMatchObject({ attempt: 8, next_retry_at: null });
  });

  it("the local webhook_retry_scale switch shortens retry delays (1 min -> 1 s at 1/60); outside development/test it is ignored", async () => {
    const user = await newUser("whscale");
    await setFault("queue_send_fail", "1");
    const hook = await createHook(user, "scale");
    await createTransaction(user.token, { transaction_amount: "1.00", transaction_type: "credit" });
    const [event] = await eventsOf(user, "transaction.created");
    const message = { event_id: event?.id ?? "", webhook_id: hook.id };
    await setFault("webhook_retry_scale", String(1 / 60));

    // The consumer retries with the same delay it records (getQueueResult does not report delays).
    const recordedDelay = async () => {
      const [latest] = (await deliveries(user, hook.id)) as (Delivery & { attempted_at: string })[];
      return (Date.parse(latest?.next_retry_at ?? "") - Date.parse(latest?.attempted_at ?? "")) / 1000;
    };
    await failNext("scale", 2, 500);
    expect((await deliver([message], 1)).result.retryMessages).toHaveLength(1);
    expect(await recordedDelay()).toBe(1);
    expect((await deliver([message], 2)).result.retryMessages).toHaveLength(1);
    expect(await recordedDelay()).toBe(5);

    // Production: the switch is not even read (the local receiver is refused there, so the attempt fails).
    const production = await deliver([message], 1, { ...env, ENVIRONMENT: "production" } as Env);
    expect(production.outcomes).toEqual(["retry"]);
    expect(await recordedDelay()).toBe(60);
  });

  it("disables an endpoint failing for 3 days straight; PUT re-enables it", async () => {
    const user = await newUser("whdisable");
    await setFault("queue_send_fail", "1");
    const hook = await createHook(user, "disable");
    await createTransaction(user.token, { transaction_amount: "1.00", transaction_type: "credit" });
    const [event] = await eventsOf(user, "transaction.created");
    await failNext("disable", 10, 502);
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000 - 1000).toISOString();
    await (await shardFor(user.id)).prepare("UPDATE webhooks SET failing_since = ? WHERE id = ?").bind(threeDaysAgo, hook.id).run();
    await deliver([{ event_id: event?.id ?? "", webhook_id: hook.id }], 4);
    const disabled = await json<Webhook>(await call(`/api/v1/webhooks/${hook.id}`, authed(user.token)), 200);
    expect(disabled.status).toBe("disabled");
    // A disabled endpoint is not called.
    const before = (await received("disable")).length;
    expect((await deliver([{ event_id: event?.id ?? "", webhook_id: hook.id }], 5)).outcomes).toEqual(["skipped"]);
    expect((await received("disable")).length).toBe(before);

    const enabled = await json<Webhook>(
      await call(`/api/v1/webhooks/${hook.id}`, jsonInit("PUT", { url: hook.url, events: ["*"], status: "enabled" }, user.token)),
      200,
    );
    expect(enabled.status).toBe("enabled");
    const row = await (await shardFor(user.id))
      .prepare("SELECT failing_since FROM webhooks WHERE id = ?")
      .bind(hook.id)
      .first<{ failing_since: string | null }>();
    expect(row?.failing_since).toBeNull();
  });

  it("redelivers a delivery's event (202) and pings with webhook.ping", async () => {
    const user = await newUser("whredeliver");
    const hook = await createHook(user, "redeliver");
    const ping = await json<{ event_id: string }>(
      await call(`/api/v1/webhooks/${hook.id}/test`, authed(user.token, { method: "POST" })),
      202,
    );
    await eventually(async () => (await received("redeliver")).some((r) => r.body.includes(ping.event_id)));
    const [attempt] = await eventually(async () => {
      const list = await deliveries(user, hook.id);
      return list.length > 0 ? list : null;
    });
    expect(attempt?.event_id).toBe(ping.event_id);
    await json(await call(`/api/v1/webhooks/${hook.id}/deliveries/${attempt?.id}/redeliver`, authed(user.token, { method: "POST" })), 202);
    await eventually(async () => (await received("redeliver")).filter((r) => r.body.includes(ping.event_id)).length >= 2);
    const body = JSON.parse((await received("redeliver"))[0]?.body ?? "{}") as { type: string };
    expect(body.type).toBe("webhook.ping");
    const other = await newUser("whredeliver2");
    await expectProblem(
      await call(`/api/v1/webhooks/${hook.id}/deliveries/${attempt?.id}/redeliver`, authed(other.token, { method: "POST" })),
      404,
    );
  });

  it("deletes a webhook that has deliveries (200, then 404), though the delete cascades to its attempts", async () => {
    const user = await newUser("whdeletelogged");
    const hook = await createHook(user, "deletelogged");
    await json(await call(`/api/v1/webhooks/${hook.id}/test`, authed(user.token, { method: "POST" })), 202);
    await eventually(async () => ((await deliveries(user, hook.id)).length > 0 ? true : null));
    await json(await call(`/api/v1/webhooks/${hook.id}`, authed(user.token, { method: "DELETE" })), 200);
    await expectProblem(await call(`/api/v1/webhooks/${hook.id}`, authed(user.token)), 404);
    await expectProblem(await call(`/api/v1/webhooks/${hook.id}`, authed(user.token, { method: "DELETE" })), 404);
  });

  it("loses nothing when the queue send fails: the cron sweep re-sends the outbox", async () => {
    const user = await newUser("whsweep");
    const hook = await createHook(user, "sweep");
    await setFault("queue_send_fail", "1");
    await createTransaction(user.token, { transaction_amount: "3.00", transaction_type: "credit" });
    const [event] = await eventsOf(user, "transaction.created");
    const pending = await (await shardFor(user.id))
      .prepare("SELECT enqueued_at FROM events WHERE id = ?")
      .bind(event?.id)
      .first<{ enqueued_at: string | null }>();
    expect(pending?.enqueued_at).toBeNull();
    await setFault("queue_send_fail", null);
    // Age it past the sweep's one-minute grace, then run the cron.
    await (await shardFor(user.id)).prepare("UPDATE events SET created_at = '2020-01-01T00:00:00.000Z' WHERE id = ?").bind(event?.id).run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    await eventually(async () => (await received("sweep")).some((r) => r.body.includes(event?.id ?? "?")));
    expect(hook.id).toMatch(/^wh_/);
  });

  it("dispatches and marks an outbox of 150 events (more than one statement's 100 bound parameters)", async () => {
    const user = await newUser("whbigoutbox");
    await createHook(user, "bigoutbox", ["transaction.created"]); // subscribed: the failed sends leave all 150 pending
    await setFault("queue_send_fail", "1");
    const transactions = Array.from({ length: 150 }, () => ({ transaction_amount: "1.00", transaction_type: "credit" }));
    await json(await call("/api/v1/transaction/bulk", jsonInit("POST", { transactions }, user.token)), 201);
    const pending = () =>
      shardFor(user.id).then((shard) =>
        shard.prepare("SELECT COUNT(*) AS n FROM events WHERE user_id = ? AND enqueued_at IS NULL").bind(user.id).first<{ n: number }>(),
      );
    expect((await pending())?.n).toBe(150);
    await setFault("queue_send_fail", null);
    // The bulk request's own dispatch (after the response) may take part of them; together nothing stays behind.
    expect(await dispatchOutbox(env, getDb(await shardFor(user.id)), { userId: user.id })).toBeGreaterThan(0);
    expect((await pending())?.n).toBe(0);
  });

  it("lists events with type filter and signed cursors; another user's cursor is a 400", async () => {
    const user = await newUser("whlist");
    const other = await newUser("whlist2");
    for (const amount of ["1.00", "2.00", "3.00"])
      await createTransaction(user.token, { transaction_amount: amount, transaction_type: "credit" });
    const page = await json<{ data: { id: string }[]; has_more: boolean; next_cursor: string }>(
      await call("/api/v1/events?limit=2&type=transaction.created", authed(user.token)),
      200,
    );
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    const rest = await json<{ data: { id: string }[]; has_more: boolean; next_cursor: null }>(
      await call(`/api/v1/events?type=transaction.created&cursor=${page.next_cursor}`, authed(user.token)),
      200,
    );
    expect(rest).toMatchObject({ has_more: false, next_cursor: null });
    expect(rest.data).toHaveLength(1);
    await expectProblem(await call(`/api/v1/events?cursor=${page.next_cursor}`, authed(other.token)), 400);
    expect(await eventsOf(other)).toEqual([]);
  });
});
