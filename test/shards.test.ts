import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { allShards, SLOT_COUNT, shardBindingNames, slotOf, slotTable } from "../src/db/shards";
import worker from "../src/index";
import { MOVED_TABLES } from "../src/shards/copy";
import { advanceSlotMove, readMove, startSlotMove } from "../src/shards/move";
import {
  BASE,
  bruteForceAnalytics,
  type Counted,
  call,
  countingBindings,
  eventually,
  jsonInit,
  newUser,
  rollupsAndTruth,
  storedCategories,
  storedRows,
  syncPage,
  type TestUser,
} from "./harness";

const TX = "/api/v1/transaction";

describe("users spread over shards (issue 17)", () => {
  it("runs with at least 4 shards, and a user's slot is a stable hash of the id", () => {
    expect(shardBindingNames(env).length).toBeGreaterThanOrEqual(4);
    // Never change slotOf: these values pin it (every stored user's place depends on it).
    expect(slotOf("usr_0000000000000000000000000")).toBe(46);
    expect(slotOf("usr_abc")).toBe(222);
    for (let i = 0; i < 1000; i++) {
      const slot = slotOf(`usr_${i}`);
      expect(slot >= 0 && slot < SLOT_COUNT && Number.isInteger(slot)).toBe(true);
    }
  });

  it("every shard table that holds per-user rows moves with its slot", async () => {
    const shard = allShards(env)[0]?.binding as D1Database;
    const { results: tables } = await shard
      .prepare("SELECT name AS tbl, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
      .all<{ tbl: string; sql: string }>();
    const results = tables.filter((t) => /[`"\s(]user_id[`"\s]|[`"\s(]scope[`"\s]/.test(t.sql));
    expect(results.map((r) => r.tbl)).toContain("transactions");
    // Directory tables the shard schema still has from before the split (unused in a shard).
    const directoryOnly = new Set(["login_known_addresses"]);
    const moved = new Set(MOVED_TABLES.map((t) => t.name));
    const missing = results.filter((r) => !moved.has(r.tbl) && !directoryOnly.has(r.tbl)).map((r) => r.tbl);
    expect(missing).toEqual([]);
  });

  it("1,000 sign-ups: each of 4 shards holds 15%-35% of them, and the directory all of them", async () => {
    const prefix = `spread_${crypto.randomUUID().slice(0, 6)}`;
    for (let chunk = 0; chunk < 1000; chunk += 25) {
      const answers = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          call(
            "/api/v1/user/sign_up",
            jsonInit("POST", { username: `${prefix}_${chunk + i}`, password: "correct horse battery", full_name: "S" }),
          ),
        ),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(25).fill(201));
    }
    const counts: Record<string, number> = {};
    for (const { name, binding } of allShards(env)) {
      const row = await binding.prepare("SELECT COUNT(*) AS n FROM users WHERE username LIKE ?").bind(`${prefix}_%`).first<{ n: number }>();
      counts[name] = row?.n ?? 0;
    }
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1000);
    for (const [name, n] of Object.entries(counts)) {
      expect(n, `${name} holds ${n} of 1,000`).toBeGreaterThanOrEqual(150);
      expect(n, `${name} holds ${n} of 1,000`).toBeLessThanOrEqual(350);
    }
    const directory = await env.DB.prepare("SELECT COUNT(*) AS n FROM accounts WHERE username LIKE ?")
      .bind(`${prefix}_%`)
      .first<{ n: number }>();
    expect(directory?.n).toBe(1000);
  }, 300_000);

  it("no query of one user touches another shard (nor the directory, past login)", async () => {
    await slotTable(env); // read once per isolate; not part of any request below
    const users = await Promise.all([newUser("iso"), newUser("iso"), newUser("iso")]);
    for (const user of users) {
      const counters = new Map<string, Counted>();
      const counter = (name: string) => counters.get(name) ?? (counters.set(name, { calls: [] }).get(name) as Counted);
      const countingEnv = { ...env, ENVIRONMENT: "production", ...countingBindings(env, counter) } as Env;
      const send = async (path: string, init: RequestInit = {}) => {
        const ctx = createExecutionContext();
        const res = await worker.fetch(new Request(`${BASE}${path}`, init), countingEnv, ctx);
        const text = await res.text();
        await waitOnExecutionContext(ctx);
        expect(res.status, `${path}: ${text.slice(0, 200)}`).toBeLessThan(300);
        return text;
      };
      const auth = { authorization: `Bearer ${user.token}` };
      const created = JSON.parse(
        await send(
          `${TX}/create`,
          jsonInit("POST", { transaction_amount: "4.20", transaction_type: "debit", merchant: "Shop" }, user.token),
        ),
      );
      await send(`${TX}/all?limit=10`, { headers: auth });
      await send(`${TX}/${created.id}`, { headers: auth });
      await send(`${TX}/analytics/${user.id}`, { headers: auth });
      await send("/api/v1/categories", jsonInit("POST", { name: "Food" }, user.token));
      await send("/api/v1/user/me", { headers: auth });
      await send("/api/v1/user/audit", { headers: auth });
      const mine = (await slotTable(env))[slotOf(user.id)];
      const touched = [...counters].filter(([, c]) => c.calls.length > 0).map(([name]) => name);
      expect(touched, `user on ${mine}`).toEqual([mine]);
      // Login: the directory and the user's own shard, nothing else.
      for (const counted of counters.values()) counted.calls.length = 0;
      await send("/api/v1/user/login", jsonInit("POST", { username: user.username, password: user.password }));
      expect(
        [...counters]
          .filter(([, c]) => c.calls.length > 0)
          .map(([name]) => name)
          .sort(),
      ).toEqual(["DB", mine].sort());
    }
  });
});

describe("moving a slot to another shard", () => {
  it("copies through the queue while writes run: no acknowledged write lost, analytics exact, old rows gone", async () => {
    // Users of one slot: sign up until two share a slot (or settle for one).
    const bySlot = new Map<number, TestUser[]>();
    for (let i = 0; i < 20; i++) {
      const u = await newUser("move");
      bySlot.set(slotOf(u.id), [...(bySlot.get(slotOf(u.id)) ?? []), u]);
      if ((bySlot.get(slotOf(u.id)) ?? []).length >= 2) break;
    }
    const [slot, movers] = [...bySlot].sort((a, b) => b[1].length - a[1].length)[0] as [number, TestUser[]];
    const from = (await slotTable(env))[slot] as string;
    const to = shardBindingNames(env).find((name) => name !== from) as string;

    // Data of every kind before the move.
    const acknowledged = new Map<string, Set<string>>();
    for (const u of movers) {
      const food = await call("/api/v1/categories", jsonInit("POST", { name: "Food" }, u.token));
      const foodId = ((await food.json()) as { id: string }).id;
      await call(
        "/api/v1/rules",
        jsonInit(
          "POST",
          {
            name: "Shop is food",
            match: "all",
            conditions: [{ field: "merchant", op: "equals", value: "Shop" }],
            actions: [{ set_category: foodId }],
          },
          u.token,
        ),
      );
      const items = Array.from({ length: 30 }, (_, i) => ({
        transaction_amount: `${i + 1}.25`,
        transaction_type: i % 3 === 0 ? "credit" : "debit",
        transaction_date: `2026-0${1 + (i % 9)}-1${i % 10}T10:00:00Z`,
        merchant: i % 2 ? "Shop" : "Other",
      }));
      const bulk = await call(`${TX}/bulk`, jsonInit("POST", { transactions: items }, u.token));
      expect(bulk.status).toBe(201);
      const ids = ((await bulk.json()) as { results: { id: string }[] }).results.map((r) => r.id);
      acknowledged.set(u.id, new Set(ids));
    }
    // Writers: keep creating, updating and deleting while the move runs; a 503 (the slot fenced) is retried.
    let moving = true;
    let fenced = 0;
    const send = async (path: string, init: RequestInit): Promise<Response> => {
      for (let tries = 0; ; tries++) {
        if (tries > 400) throw new Error(`${path}: still 503 after ${tries} tries`);
        const res = await call(path, init);
        if (res.status !== 503) return res;
        fenced += 1;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const writer = async (u: TestUser) => {
      const mine = acknowledged.get(u.id) as Set<string>;
      for (let i = 0; moving; i++) {
        const res = await send(
          `${TX}/create`,
          jsonInit("POST", { transaction_amount: `${i}.01`, transaction_type: "debit", merchant: i % 2 ? "Shop" : null }, u.token),
        );
        expect(res.status).toBe(201);
        const id = ((await res.json()) as { id: string }).id;
        mine.add(id);
        // Let timers run (the driver, the queue delivery): calls into this Worker alone never yield to them.
        await new Promise((r) => setTimeout(r, 20));
        if (i % 3 === 1) {
          const del = await send(`${TX}/delete/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${u.token}` } });
          expect(del.status).toBe(200);
          mine.delete(id);
        } else if (i % 3 === 2) {
          const put = await send(`${TX}/update/${id}`, jsonInit("PUT", { transaction_amount: `${i}.99` }, u.token));
          expect(put.status).toBe(200);
        }
      }
    };
    // A second driver next to the queue: duplicate deliveries of every step, which the step counter makes harmless.
    const driver = async () => {
      while (moving) {
        const move = await readMove(env, slot);
        if (move) await advanceSlotMove(env, { kind: "slot_move", slot, step: move.step }).catch(() => null);
        await new Promise((r) => setTimeout(r, 700));
      }
    };
    const started = await startSlotMove(env, slot, to, { pageSize: 50, pagesPerStep: 10 });
    expect(started).toMatchObject({ phase: "prepare", from_binding: from, to_binding: to });
    const running = [...movers.map(writer), driver()];
    let finished: Awaited<ReturnType<typeof readMove>>;
    try {
      finished = await eventually(async () => {
        const move = await readMove(env, slot);
        return move && ["done", "failed"].includes(move.phase) ? move : null;
      }, 120_000);
    } finally {
      moving = false; // stop the writers and the driver whatever happened
    }
    await Promise.all(running);
    if (!finished) throw new Error("no move");
    expect(finished.report).toBeNull();
    expect(finished.phase).toBe("done");

    // The directory routes the slot to the new shard; the old one keeps a fence and none of the rows.
    expect((await env.DB.prepare("SELECT binding FROM slots WHERE slot = ?").bind(slot).first<{ binding: string }>())?.binding).toBe(to);
    const oldShard = env[from as "DB"];
    const newShard = env[to as "DB"];
    expect(await oldShard.prepare("SELECT reason FROM slot_fences WHERE slot = ?").bind(slot).first("reason")).toBe("moved_out");
    expect(await newShard.prepare("SELECT COUNT(*) AS n FROM slot_fences WHERE slot = ?").bind(slot).first("n")).toBe(0);
    for (const u of movers) {
      for (const table of MOVED_TABLES) {
        const left = await oldShard.prepare(`SELECT COUNT(*) AS n FROM ${table.name} WHERE ${table.userColumn} = ?`).bind(u.id).first("n");
        expect(left, `${table.name} left on ${from}`).toBe(0);
      }
      // Everything acknowledged is readable through the API, and nothing else.
      const ids: string[] = [];
      for (let cursor = ""; ; ) {
        const listed = await send(`${TX}/all?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {
          headers: { authorization: `Bearer ${u.token}` },
        });
        const page = (await listed.json()) as { data: { id: string }[]; next_cursor: string | null };
        ids.push(...page.data.map((t) => t.id));
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
      }
      ids.sort();
      expect(ids).toEqual([...(acknowledged.get(u.id) as Set<string>)].sort());
      // Rollups equal the rows, and analytics equal a brute force over the stored rows, once the snapshot caught up.
      const { rollups, truth } = await rollupsAndTruth(u.id);
      expect(rollups).toStrictEqual(truth);
      const rows = await storedRows(u.id);
      expect(rows.length).toBe(ids.length);
      const categories = await storedCategories(u.id);
      const figures = await eventually(async () => {
        const res = await send(`${TX}/analytics/${u.id}`, { headers: { authorization: `Bearer ${u.token}` } });
        const body = (await res.json()) as Record<string, unknown>;
        return body.stale === false ? body : null;
      });
      delete figures.computed_at;
      delete figures.stale;
      expect(figures).toStrictEqual({ user_id: u.id, time_zone: "UTC", ...bruteForceAnalytics(rows, undefined, categories) });
      // The rule still applies after the move (rules and categories came along).
      const shop = await send(
        `${TX}/create`,
        jsonInit("POST", { transaction_amount: "1.00", transaction_type: "debit", merchant: "Shop" }, u.token),
      );
      expect(((await shop.json()) as { category_id: string | null }).category_id).toBe(categories.find((c) => c.name === "Food")?.id);
    }
    // A step delivered again after the end changes nothing.
    expect(await advanceSlotMove(env, { kind: "slot_move", slot, step: 0 })).toBeNull();
    expect((await readMove(env, slot))?.phase).toBe("done");
    console.log(`slot ${slot} (${movers.length} users) ${from} -> ${to}; writes answered 503 while fenced: ${fenced}`);
  }, 180_000);

  it("carries events, sync, webhooks and the profile: cursors issued before the move go on after it, deliveries follow", async () => {
    const receiver = inject("receiverUrl");
    const u = await newUser("movefeed");
    await call("/api/v1/user/me", jsonInit("PATCH", { time_zone: "Asia/Kathmandu", week_start: "sunday" }, u.token));
    const hook = (await (
      await call("/api/v1/webhooks", jsonInit("POST", { url: `${receiver}/movefeed`, events: ["*"] }, u.token))
    ).json()) as {
      id: string;
    };
    const created: string[] = [];
    for (let i = 1; i <= 6; i++) {
      const res = await call(`${TX}/create`, jsonInit("POST", { transaction_amount: `${i}.00`, transaction_type: "debit" }, u.token));
      created.push(((await res.json()) as { id: string }).id);
    }
    await call(`${TX}/delete/${created[0]}`, { method: "DELETE", headers: { authorization: `Bearer ${u.token}` } });
    const events = async (cursor?: string) =>
      (await (
        await call(`/api/v1/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {
          headers: { authorization: `Bearer ${u.token}` },
        })
      ).json()) as { data: { id: string; type: string }[]; next_cursor: string | null };
    const firstPage = (await (await call("/api/v1/events?limit=3", { headers: { authorization: `Bearer ${u.token}` } })).json()) as {
      data: { id: string }[];
      next_cursor: string;
    };
    const restBefore = (await events(firstPage.next_cursor)).data.map((e) => e.id);
    const sync = await syncPage(u.token, undefined, 100);

    const slot = slotOf(u.id);
    const from = (await slotTable(env))[slot] as string;
    const to = shardBindingNames(env).find((name) => name !== from) as string;
    await startSlotMove(env, slot, to, { pageSize: 2, pagesPerStep: 3 });
    const done = await eventually(async () => {
      const move = await readMove(env, slot);
      if (move && !["done", "failed"].includes(move.phase)) await advanceSlotMove(env, { kind: "slot_move", slot, step: move.step });
      return move && ["done", "failed"].includes(move.phase) ? move : null;
    }, 60_000);
    expect([done.phase, done.report]).toEqual(["done", null]);
    expect(
      (await env[to as "DB"].prepare("SELECT COUNT(*) AS n FROM events WHERE user_id = ?").bind(u.id).first("n")) as number,
    ).toBeGreaterThan(0);

    // The events cursor from before the move lists the same events (the consumer may have added an
    // analytics.updated since), none of the first page again, then the ones written since, in order.
    const moved = (await events(firstPage.next_cursor)).data.map((e) => e.id);
    expect(moved.slice(0, restBefore.length)).toEqual(restBefore);
    expect(moved.filter((id) => firstPage.data.some((e) => e.id === id))).toEqual([]);
    const after = await call(`${TX}/create`, jsonInit("POST", { transaction_amount: "7.00", transaction_type: "credit" }, u.token));
    const afterId = ((await after.json()) as { id: string }).id;
    const continued = (await events(firstPage.next_cursor)).data;
    expect(continued.slice(0, restBefore.length).map((e) => e.id)).toEqual(restBefore);
    expect(continued.slice(restBefore.length).some((e) => e.type === "transaction.created")).toBe(true);
    // The sync cursor from before the move answers exactly the change made since.
    const since = await syncPage(u.token, sync.next_cursor, 100);
    expect([since.added.map((t) => t.id), since.modified, since.removed]).toEqual([[afterId], [], []]);
    // The endpoint, the profile and the deliveries came along: the new transaction reaches the receiver.
    const hooks = (await (await call("/api/v1/webhooks", { headers: { authorization: `Bearer ${u.token}` } })).json()) as {
      data: { id: string }[];
    };
    expect(hooks.data.map((h) => h.id)).toEqual([hook.id]);
    const me = (await (await call("/api/v1/user/me", { headers: { authorization: `Bearer ${u.token}` } })).json()) as Record<
      string,
      unknown
    >;
    expect(me).toMatchObject({ id: u.id, time_zone: "Asia/Kathmandu", week_start: "sunday" });
    await eventually(async () => {
      const got = (await (await fetch(`${receiver}/__received/movefeed`)).json()) as { body: string }[];
      return got.some((r) => r.body.includes(afterId));
    });
  }, 120_000);
});
