import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { forgetSlotTable, shardBindingNames, slotOf, slotTable } from "../src/db/shards";
import worker from "../src/index";
import { encodeCursor } from "../src/lib/keyset";
import type { RuleApplyMessage } from "../src/rules/apply-queue";
import { advanceSlotMove, readMove, type SlotMoveMessage, startSlotMove } from "../src/shards/move";
import { allShardRows, analyticsState, BASE, call, directoryRows, eventually, json, jsonInit, newUser, shardFor } from "./harness";

const ANALYTICS_QUEUE = "finanalyze-analytics";
/** max_retries of the analytics queue (wrangler.toml): a message retried on this attempt goes to the dead-letter queue. */
const LAST_ATTEMPT = 3;

/** Fences a user's slot on their shard, as a move does for its catch-up; returns the lift. */
async function fenceSlotOf(userId: string): Promise<() => Promise<unknown>> {
  const shard = await shardFor(userId);
  const slot = slotOf(userId);
  await shard
    .prepare("INSERT INTO slot_fences (slot, reason, since) VALUES (?, 'moving_out', ?)")
    .bind(slot, new Date().toISOString())
    .run();
  return () => shard.prepare("DELETE FROM slot_fences WHERE slot = ?").bind(slot).run();
}

async function deliver(id: string, body: unknown, attempts: number) {
  const batch = createMessageBatch(ANALYTICS_QUEUE, [{ id, timestamp: new Date(), attempts, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

/** Sends one request to the Worker in this isolate (its module state, the slot table cache, is this test's). */
async function send(path: string, init: RequestInit, testEnv: Env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, init), testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** The directory binding, with `after` called once each session's batch has committed (it may throw: a lost answer). */
function directoryAfterBatch(real: D1Database, after: () => void): D1Database {
  return new Proxy(real, {
    get(target, name) {
      if (name !== "withSession") return Reflect.get(target, name).bind(target);
      return (constraint?: string) => {
        const session = target.withSession(constraint);
        return new Proxy(session, {
          get(s, key) {
            if (key !== "batch") return Reflect.get(s, key).bind(s);
            return async (list: D1PreparedStatement[]) => {
              const results = await s.batch(list);
              after();
              return results;
            };
          },
        });
      };
    },
  });
}

/**
 * The directory binding, with every session's batch followed by what a concurrent request of this isolate
 * does when it meets a slot fence: drop the cached slot table.
 */
function directoryForgettingSlots(real: D1Database): D1Database {
  return directoryAfterBatch(real, forgetSlotTable);
}

/**
 * `real` with some calls held until `release` is called (a slow delivery of a move step): `first()` and
 * `run()` of the statements whose SQL `holds`, and with `batches`, every batch.
 */
function holding(real: D1Database, holds: { query?: (sql: string) => boolean; batches?: boolean }) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached = () => {};
  const held = new Promise<void>((resolve) => (reached = resolve));
  const wait = async () => (reached(), await gate);
  const hold = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, name) {
        if (name === "bind") return (...values: unknown[]) => hold(target.bind(...values));
        if (name === "first") return async (...args: []) => (await wait(), target.first(...args));
        if (name === "run") return async () => (await wait(), target.run());
        return Reflect.get(target, name).bind(target);
      },
    });
  const binding = new Proxy(real, {
    get(target, name) {
      if (name === "batch" && holds.batches) return async (list: D1PreparedStatement[]) => (await wait(), target.batch(list));
      if (name !== "prepare") return Reflect.get(target, name).bind(target);
      return (query: string) => (holds.query?.(query) ? hold(target.prepare(query)) : target.prepare(query));
    },
  });
  return { binding, held, release };
}

/** `real` with each batch that holds a statement whose SQL `matches` held until `release` (a slow copy page's write). */
function holdingWrites(real: D1Database, matches: (sql: string) => boolean) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached = () => {};
  const held = new Promise<void>((resolve) => (reached = resolve));
  const marked = new WeakMap<object, D1PreparedStatement>();
  const mark = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, name) {
        if (name === "bind") return (...values: unknown[]) => mark(target.bind(...values));
        return Reflect.get(target, name).bind(target);
      },
    });
    marked.set(proxy, statement);
    return proxy;
  };
  const binding = new Proxy(real, {
    get(target, name) {
      if (name === "prepare") return (query: string) => (matches(query) ? mark(target.prepare(query)) : target.prepare(query));
      if (name === "batch") {
        return async (list: D1PreparedStatement[]) => {
          if (list.some((statement) => marked.has(statement))) {
            reached();
            await gate;
          }
          return target.batch(list.map((statement) => marked.get(statement) ?? statement));
        };
      }
      return Reflect.get(target, name).bind(target);
    },
  });
  return { binding, held, release };
}

/** A move of `slot` to `to` at its prepare step, driven by hand (no queue message). */
async function manualMove(slot: number, from: string, to: string): Promise<SlotMoveMessage> {
  const cursor = JSON.stringify({ user: "", table: 0, page: null, pageSize: 50, pagesPerStep: 10 });
  const now = new Date().toISOString();
  await env.DB.prepare(
    "INSERT INTO slot_moves (slot, from_binding, to_binding, phase, step, cursor, started_at, updated_at) VALUES (?, ?, ?, 'prepare', 1, ?, ?, ?)",
  )
    .bind(slot, from, to, cursor, now, now)
    .run();
  return { kind: "slot_move", slot, step: 1 };
}

/** Drives a move by hand until `until` says stop (at that step's message), or to its end (null). */
async function drive(step: SlotMoveMessage | null, until: (phase: string) => boolean = () => false): Promise<SlotMoveMessage | null> {
  let next = step;
  while (next) {
    const move = await readMove(env, next.slot);
    if (!move || until(move.phase)) return next;
    next = await advanceSlotMove(env, next);
  }
  return null;
}

describe("shards under review (issue 17)", () => {
  it("login routes to the user's shard even when the isolate drops its slot table mid-request (not a 500)", async () => {
    const user = await newUser("forget");
    await slotTable(env);
    const testEnv = { ...env, DB: directoryForgettingSlots(env.DB) } as Env;
    const res = await send("/api/v1/user/login", jsonInit("POST", { username: user.username, password: user.password }), testEnv);
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it("a rule application's continuation that meets its slot's move fence waits for the move, not the dead-letter queue", async () => {
    const u = await newUser("applymove");
    const post = (path: string, body: unknown) => call(path, jsonInit("POST", body, u.token));
    const target = await json<{ id: string }>(await post("/api/v1/categories", { name: "Target" }), 201);
    const tx = await json<{ id: string }>(
      await post("/api/v1/transaction/create", { transaction_amount: "5.00", transaction_type: "debit" }),
      201,
    );
    const rule = await json<{ id: string }>(
      await post("/api/v1/rules", {
        name: "All",
        match: "all",
        conditions: [{ field: "amount", op: "gte", value: "1.00" }],
        actions: [{ set_category: target.id }],
      }),
      201,
    );
    const continuation: RuleApplyMessage = {
      kind: "rule_apply",
      user_id: u.id,
      rule_id: rule.id,
      range: {},
      cursor: encodeCursor({ date: "9999-12-31T00:00:00.000Z", id: "txn_zzzzzzzzzzzzzzzzzzzzzzzzzz" }),
      request_id: "req_applymove",
    };
    const lift = await fenceSlotOf(u.id);
    let result: Awaited<ReturnType<typeof deliver>>;
    try {
      result = await deliver("apply-fenced", continuation, LAST_ATTEMPT);
    } finally {
      await lift();
    }
    // A retry on the last attempt is a dead letter: the rest of the application would never run.
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toEqual(["apply-fenced"]);
    const categoryOf = async () =>
      (await (
        await shardFor(u.id)
      )
        .prepare("SELECT category_id FROM transactions WHERE id = ?")
        .bind(tx.id)
        .first<string>("category_id")) === target.id;
    expect(await eventually(categoryOf)).toBe(true);
  }, 30_000);

  it("an analytics recompute that meets its slot's move fence is redone after the move, not dead-lettered", async () => {
    const u = await newUser("recomputemove");
    await json(
      await call("/api/v1/transaction/create", jsonInit("POST", { transaction_amount: "5.00", transaction_type: "debit" }, u.token)),
      201,
    );
    const settled = await eventually(async () => {
      const state = await analyticsState(u.id);
      return state && state.snapshot_version === state.version && state;
    });
    // A snapshot behind its rows (as after a lost message), and the message that would heal it.
    const shard = await shardFor(u.id);
    await shard.prepare("UPDATE analytics_state SET snapshot_version = 0 WHERE user_id = ?").bind(u.id).run();
    const lift = await fenceSlotOf(u.id);
    let result: Awaited<ReturnType<typeof deliver>>;
    try {
      result = await deliver("recompute-fenced", { user_id: u.id, version: settled.version }, LAST_ATTEMPT);
    } finally {
      await lift();
    }
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toEqual(["recompute-fenced"]);
    await eventually(async () => (await analyticsState(u.id))?.snapshot_version === settled.version);
  }, 30_000);

  it("a request of a fenced slot answers 503 with Retry-After on every route shape (drizzle query, batch, settle)", async () => {
    const u = await newUser("fenced");
    const tx = await json<{ id: string }>(
      await call("/api/v1/transaction/create", jsonInit("POST", { transaction_amount: "5.00", transaction_type: "debit" }, u.token)),
      201,
    );
    const lift = await fenceSlotOf(u.id);
    try {
      const auth = { headers: { authorization: `Bearer ${u.token}` } };
      for (const [path, init] of [
        ["/api/v1/transaction/all", auth],
        [`/api/v1/transaction/${tx.id}`, auth],
        ["/api/v1/user/me", auth],
        ["/api/v1/categories", auth],
        ["/api/v1/transaction/create", jsonInit("POST", { transaction_amount: "1.00", transaction_type: "debit" }, u.token)],
      ] as const) {
        const res = await call(path, init);
        expect(res.status, `${path}: ${await res.clone().text()}`).toBe(503);
        expect(res.headers.get("retry-after")).toBe("1");
      }
    } finally {
      await lift();
    }
  });

  it("the local slot-move routes answer problem+json for hostile input, never a 500", async () => {
    const malformed = { method: "POST", body: "{not json", headers: { "content-type": "application/json" } };
    for (const [path, init, status] of [
      ["/__dev/slot-move", malformed, 400],
      ["/__dev/faults", { ...malformed, method: "PUT" }, 400],
      ["/__dev/slot-move", jsonInit("POST", { slot: 300, to: "SHARD_1" }), 422],
      ["/__dev/slot-move/abc", {}, 404],
      ["/__dev/slot-move/1e400", {}, 404],
      ["/__dev/slot-move/-1", {}, 404],
    ] as const) {
      const res = await call(path, init as RequestInit);
      expect(res.status, `${path}: ${await res.clone().text()}`).toBe(status);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
  });

  it("the OpenAPI document lists that 503 (problem+json) on every operation, since each can reach a shard being moved", async () => {
    const doc = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    const missing = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => op.responses && !op.responses["503"]?.content?.["application/problem+json"])
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(missing).toEqual([]);
  });

  it("a duplicate copy step that outlives its move writes nothing on the shard that now serves the slot", async () => {
    const u = await newUser("stalecopy");
    const auth = { headers: { authorization: `Bearer ${u.token}` } };
    await json(await call("/api/v1/categories", jsonInit("POST", { name: "Before" }, u.token)), 201);
    const slot = slotOf(u.id);
    const from = (await slotTable(env))[slot] as string;
    const to = shardBindingNames(env).find((name) => name !== from) as string;
    const copy = (await drive(await manualMove(slot, from, to), (phase) => phase === "copy")) as SlotMoveMessage;
    // One delivery of the copy step stalls reading the source's categories; a duplicate runs the whole move.
    const source = holding(env[from as "DB"], { query: (sql) => sql.includes("json_group_array") && sql.includes('FROM "categories"') });
    const stale = advanceSlotMove({ ...env, [from]: source.binding } as Env, copy).catch((err: unknown) => err);
    await source.held;
    await drive(copy);
    expect((await readMove(env, slot))?.phase).toBe("done");
    // The user writes on the new shard; then the stalled delivery goes on.
    await eventually(async () => (await call("/api/v1/categories", jsonInit("POST", { name: "After" }, u.token))).status === 201);
    source.release();
    await stale;
    const listed = await json<{ data: { name: string }[] }>(await call("/api/v1/categories", auth), 200);
    expect(listed.data.map((c) => c.name).sort()).toEqual(["After", "Before"]);
  }, 60_000);

  it("a late delivery of a move's verify step, after the switch, leaves the old shard fenced", async () => {
    const u = await newUser("staleverify");
    const slot = slotOf(u.id);
    const from = (await slotTable(env))[slot] as string;
    const to = shardBindingNames(env).find((name) => name !== from) as string;
    const verify = (await drive(await manualMove(slot, from, to), (phase) => phase === "verify")) as SlotMoveMessage;
    // One delivery of the verify step stalls counting rows; a duplicate verifies and switches.
    const source = holding(env[from as "DB"], { batches: true });
    const stale = advanceSlotMove({ ...env, [from]: source.binding } as Env, verify).catch((err: unknown) => err);
    await source.held;
    const cleanup = await drive(verify, (phase) => phase === "cleanup");
    // The user writes on the new shard, so the stalled delivery finds the copies different.
    await eventually(
      async () =>
        (await call("/api/v1/transaction/create", jsonInit("POST", { transaction_amount: "2.00", transaction_type: "debit" }, u.token)))
          .status === 201,
    );
    source.release();
    await stale;
    const fence = await env[from as "DB"].prepare("SELECT reason FROM slot_fences WHERE slot = ?").bind(slot).first<string>("reason");
    expect(fence).toBe("moved_out");
    await drive(cleanup);
    expect((await readMove(env, slot))?.phase).toBe("done");
  }, 60_000);

  it.each(["prepare", "fence"])(
    "a late delivery of a move's %s step, after the switch, does not leave the new shard fenced",
    async (phase) => {
      const u = await newUser(`stale${phase}`);
      const slot = slotOf(u.id);
      const from = (await slotTable(env))[slot] as string;
      const to = shardBindingNames(env).find((name) => name !== from) as string;
      const step = (await drive(await manualMove(slot, from, to), (at) => at === phase)) as SlotMoveMessage;
      // One delivery of the step stalls before fencing the target; a duplicate runs the whole move.
      const target = holding(env[to as "DB"], { query: (sql) => sql.includes("INSERT INTO slot_fences") });
      const stale = advanceSlotMove({ ...env, [to]: target.binding } as Env, step).catch((err: unknown) => err);
      await target.held;
      await drive(step);
      expect((await readMove(env, slot))?.phase).toBe("done");
      target.release();
      await stale;
      expect(await env[to as "DB"].prepare("SELECT reason FROM slot_fences WHERE slot = ?").bind(slot).first("reason")).toBeNull();
      const me = await call("/api/v1/user/me", { headers: { authorization: `Bearer ${u.token}` } });
      expect(me.status).toBe(200);
    },
    60_000,
  );

  it("concurrent sign-ups of one username on different shards: one account, and the others leave no row behind", async () => {
    const username = `race_${crypto.randomUUID().slice(0, 8)}`;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        send("/api/v1/user/sign_up", jsonInit("POST", { username, password: "correct horse battery", full_name: "Race" })),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const [account] = await directoryRows("SELECT id FROM accounts WHERE username = ?", username);
    const winner = account?.id as string;
    expect(await allShardRows("SELECT id FROM users WHERE username = ?", username)).toEqual([{ id: winner }]);
    // Nor an audit entry of a sign-up that did not happen.
    const signUps = await allShardRows(
      "SELECT user_id FROM audit_log WHERE action = 'user.sign_up' AND user_id NOT IN (SELECT id FROM users)",
    );
    expect(signUps).toEqual([]);
  });

  it("a sign-up whose directory write committed but whose answer was lost keeps the user's shard row (the account logs in)", async () => {
    const username = `lost_${crypto.randomUUID().slice(0, 8)}`;
    const lostAnswer = directoryAfterBatch(env.DB, () => {
      throw new Error("D1_ERROR: Network connection lost.");
    });
    const res = await send("/api/v1/user/sign_up", jsonInit("POST", { username, password: "correct horse battery", full_name: "Lost" }), {
      ...env,
      DB: lostAnswer,
    } as Env);
    expect(res.status).toBe(500);
    expect(await directoryRows("SELECT id FROM accounts WHERE username = ?", username)).toHaveLength(1);
    const login = await send("/api/v1/user/login", jsonInit("POST", { username, password: "correct horse battery" }));
    expect(login.status, await login.clone().text()).toBe(200);
  });

  it("a bookmark of another database (the directory's, from login) is not passed to the user's shard; the shard's own is", async () => {
    const u = await newUser("bookmarkshard");
    const shardName = (await slotTable(env))[slotOf(u.id)] as string;
    const constraints: (string | undefined)[] = [];
    const real = env[shardName as "DB"];
    const recording = new Proxy(real, {
      get(target, name) {
        if (name !== "withSession") return Reflect.get(target, name).bind(target);
        return (constraint?: string) => (constraints.push(constraint), target.withSession(constraint));
      },
    });
    const testEnv = { ...env, [shardName]: recording } as Env;
    const login = await send("/api/v1/user/login", jsonInit("POST", { username: u.username, password: u.password }), testEnv);
    const directoryBookmark = login.headers.get("x-d1-bookmark") as string;
    expect(directoryBookmark).toBeTruthy();
    constraints.length = 0;
    const auth = (bookmark: string) => ({ headers: { authorization: `Bearer ${u.token}`, "x-d1-bookmark": bookmark } });
    expect((await send("/api/v1/transaction/all", auth(directoryBookmark), testEnv)).status).toBe(200);
    // Meaningless to this database: the read starts on the shard's primary (its own writes are all there).
    expect(constraints).toEqual(["first-primary"]);

    const created = await send(
      "/api/v1/transaction/create",
      jsonInit("POST", { transaction_amount: "1.00", transaction_type: "debit" }, u.token),
      testEnv,
    );
    const shardBookmark = created.headers.get("x-d1-bookmark") as string;
    constraints.length = 0;
    const read = await send("/api/v1/transaction/all", auth(shardBookmark), testEnv);
    expect(read.status).toBe(200);
    expect(constraints).toHaveLength(1);
    expect(shardBookmark.startsWith(constraints[0] as string)).toBe(true);
    expect(constraints[0]).toMatch(/^[0-9a-f]{8}-/);
  });

  it("starting a move of a slot already being moved elsewhere is refused, not answered with the other move", async () => {
    const u = await newUser("twomoves");
    const slot = slotOf(u.id);
    const from = (await slotTable(env))[slot] as string;
    const [to, elsewhere] = shardBindingNames(env).filter((name) => name !== from) as [string, string];
    const first = await manualMove(slot, from, to);
    await expect(startSlotMove(env, slot, elsewhere)).rejects.toThrow(RangeError);
    // The same target again is the same move (idempotent).
    expect(await startSlotMove(env, slot, to)).toMatchObject({ to_binding: to, step: first.step });
    await eventually(async () => ["done", "failed"].includes((await readMove(env, slot))?.phase ?? ""));
    expect((await readMove(env, slot))?.phase).toBe("done");
  }, 60_000);

  it("a copy-phase page read before the fence and written after the catch-up does not turn an acknowledged update back", async () => {
    const u = await newUser("stalepage");
    const tx = await json<{ id: string }>(
      await call(
        "/api/v1/transaction/create",
        jsonInit("POST", { transaction_amount: "3.00", transaction_type: "debit", description: "old" }, u.token),
      ),
      201,
    );
    const slot = slotOf(u.id);
    const from = (await slotTable(env))[slot] as string;
    const to = shardBindingNames(env).find((name) => name !== from) as string;
    const copy = (await drive(await manualMove(slot, from, to), (phase) => phase === "copy")) as SlotMoveMessage;
    // One delivery of the copy step has read the transaction and stalls before writing it on the target.
    const target = holdingWrites(env[to as "DB"], (sql) => sql.includes('INSERT INTO "transactions"'));
    const stale = advanceSlotMove({ ...env, [to]: target.binding } as Env, copy).catch((err: unknown) => err);
    await target.held;
    // The user updates it (acknowledged, before the fence); a duplicate runs the move up to its verify.
    const put = await call(`/api/v1/transaction/update/${tx.id}`, jsonInit("PUT", { description: "new" }, u.token));
    expect(put.status).toBe(200);
    const verify = await drive(copy, (phase) => phase === "verify");
    target.release();
    await stale;
    await drive(verify);
    expect((await readMove(env, slot))?.phase).toBe("done");
    const read = await json<{ description: string }>(
      await call(`/api/v1/transaction/${tx.id}`, { headers: { authorization: `Bearer ${u.token}` } }),
      200,
    );
    expect(read.description).toBe("new");
  }, 60_000);

  it("the events cron keeps each user's latest event, so stream positions go on after a prune", async () => {
    const u = await newUser("prune");
    for (const amount of ["1.00", "2.00", "3.00"]) {
      await json(
        await call("/api/v1/transaction/create", jsonInit("POST", { transaction_amount: amount, transaction_type: "debit" }, u.token)),
        201,
      );
    }
    // The consumer's analytics.updated event too, before anything is aged.
    await eventually(async () => {
      const state = await analyticsState(u.id);
      return state && state.snapshot_version === state.version;
    });
    const shard = await shardFor(u.id);
    const seqs = async () =>
      (await shard.prepare("SELECT seq FROM events WHERE user_id = ? ORDER BY seq").bind(u.id).all<{ seq: number }>()).results.map(
        (r) => r.seq,
      );
    const before = await seqs();
    expect(before.length).toBeGreaterThanOrEqual(3);
    const latest = Math.max(...before);
    // Every event 40 days old and sent: all past the 30 days kept.
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    await shard
      .prepare("UPDATE events SET created_at = ?, enqueued_at = COALESCE(enqueued_at, ?) WHERE user_id = ?")
      .bind(old, old, u.id)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await seqs()).toEqual([latest]);
    await json(
      await call("/api/v1/transaction/create", jsonInit("POST", { transaction_amount: "4.00", transaction_type: "debit" }, u.token)),
      201,
    );
    const after = await seqs();
    expect(after[0]).toBe(latest);
    expect(Math.min(...after.slice(1))).toBe(latest + 1);
  });

  it("a move whose verify finds a difference fails: the old shard serves again, the target keeps a copy-phase fence", async () => {
    const u = await newUser("failedmove");
    await json(
      await call("/api/v1/transaction/create", jsonInit("POST", { transaction_amount: "1.00", transaction_type: "debit" }, u.token)),
      201,
    );
    const slot = slotOf(u.id);
    const from = (await slotTable(env))[slot] as string;
    const to = shardBindingNames(env).find((name) => name !== from) as string;
    const verify = (await drive(await manualMove(slot, from, to), (phase) => phase === "verify")) as SlotMoveMessage;
    await env[to as "DB"].prepare("DELETE FROM audit_log WHERE user_id = ?").bind(u.id).run(); // a copy gone wrong
    await drive(verify);
    const move = await readMove(env, slot);
    expect(move?.phase).toBe("failed");
    expect(JSON.parse(move?.report ?? "{}")).toMatchObject({ differences: [{ user_id: u.id, tables: ["audit_log"] }] });
    const reason = (db: string) => env[db as "DB"].prepare("SELECT reason FROM slot_fences WHERE slot = ?").bind(slot).first("reason");
    expect([await reason(from), await reason(to)]).toEqual([null, "moving_in"]);
    const write = await call(
      "/api/v1/transaction/create",
      jsonInit("POST", { transaction_amount: "2.00", transaction_type: "debit" }, u.token),
    );
    expect(write.status).toBe(201);
  }, 60_000);

  it("verify goes through a slot's users a few per step (bounded D1 work per step), and a difference on a later page still fails the move", async () => {
    const u = await newUser("pagedverify");
    const slot = slotOf(u.id);
    const from = (await slotTable(env))[slot] as string;
    const to = shardBindingNames(env).find((name) => name !== from) as string;
    const source = env[from as "DB"];
    // Eleven more users in the slot (rows as sign-up writes them), ordered after the real one by id.
    const now = new Date().toISOString();
    const extra: string[] = [];
    for (let n = 0; extra.length < 11; n++) {
      const id = `usr_zzzzverify${String(n).padStart(6, "0")}`;
      if (slotOf(id) === slot) extra.push(id);
    }
    await source.batch(
      extra.map((id) =>
        source
          .prepare(
            "INSERT INTO users (id, username, full_name, token_version, slot, created_at, updated_at) VALUES (?, ?, 'V', 0, ?, ?, ?)",
          )
          .bind(id, id, slot, now, now),
      ),
    );
    const verify = (await drive(await manualMove(slot, from, to), (phase) => phase === "verify")) as SlotMoveMessage;
    const last = extra.at(-1) as string;
    await env[to as "DB"].prepare("DELETE FROM users WHERE id = ?").bind(last).run(); // the 12th user's copy gone wrong
    await drive(verify);
    const move = await readMove(env, slot);
    expect(move?.phase).toBe("failed");
    expect(move?.step).toBe(verify.step + 2); // 12 users: 10, then 2
    expect(JSON.parse(move?.report ?? "{}")).toMatchObject({ differences: [{ user_id: last, tables: ["users"] }] });
  }, 60_000);

  it("the first slot table of a directory is the one persisted, even when another isolate wrote its defaults first", async () => {
    const { results: saved } = await env.DB.prepare("SELECT slot, binding FROM slots").all<{ slot: number; binding: string }>();
    const table = await slotTable(env);
    const names = shardBindingNames(env);
    const theirs = names[(names.indexOf(table[7] as string) + 1) % names.length] as string;
    // Another isolate (another deployment's bindings) persists its defaults between this one's read and write.
    const racing = new Proxy(env.DB, {
      get(target, name) {
        if (name !== "prepare") return Reflect.get(target, name).bind(target);
        return (query: string) => {
          const statement = target.prepare(query);
          if (!query.includes("INSERT OR IGNORE INTO slots")) return statement;
          return new Proxy(statement, {
            get(st, key) {
              if (key === "bind")
                return (...values: unknown[]) => {
                  const bound = st.bind(...values);
                  return new Proxy(bound, {
                    get(b, k) {
                      if (k !== "run") return Reflect.get(b, k).bind(b);
                      return async () => {
                        await target.prepare("INSERT INTO slots (slot, binding) VALUES (7, ?)").bind(theirs).run();
                        return b.run();
                      };
                    },
                  });
                };
              return Reflect.get(st, key).bind(st);
            },
          });
        };
      },
    });
    try {
      await env.DB.prepare("DELETE FROM slots").run();
      forgetSlotTable();
      const first = await slotTable({ ...env, DB: racing } as Env);
      expect(first[7]).toBe(theirs);
    } finally {
      await env.DB.prepare("DELETE FROM slots").run();
      await env.DB.prepare(
        "INSERT INTO slots (slot, binding) SELECT json_extract(value, '$.slot'), json_extract(value, '$.binding') FROM json_each(?)",
      )
        .bind(JSON.stringify(saved))
        .run();
      forgetSlotTable();
    }
  });
});
