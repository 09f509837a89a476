import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { openApiDocument } from "../src/app";
import { ROUND_TRIP_EXCEPTIONS, roundTripBudget } from "../src/db/round-trips";
import worker from "../src/index";
import {
  BASE,
  type Counted,
  call,
  countingBindings,
  createTransaction,
  json,
  jsonInit,
  newUser,
  shardFor,
  type TestUser,
  unknownTransactionId,
} from "./harness";

interface Measured {
  status: number;
  trips: number;
  calls: string[];
  body: string;
  /** Calls made after the answer, by work the request left in waitUntil. */
  background: string[];
}

/** Serves one request with the counting binding; the body is read to the end (export streams pages). */
async function measure(path: string, init: RequestInit = {}): Promise<Measured> {
  const counted: Counted = { calls: [] };
  // "production": no local-only fault-switch lookup in the background; the test secret is long enough.
  // Every D1 binding (the directory and each shard) counts into the same list.
  const countingEnv = { ...env, ENVIRONMENT: "production", ...countingBindings(env, () => counted) } as Env;
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, init), countingEnv, ctx);
  const body = await res.text();
  const calls = [...counted.calls];
  await waitOnExecutionContext(ctx);
  return { status: res.status, trips: calls.length, calls, body, background: counted.calls.slice(calls.length) };
}

const bearer = (user: TestUser, headers: Record<string, string> = {}): RequestInit => ({
  headers: { authorization: `Bearer ${user.token}`, ...headers },
});

/** Every route of the OpenAPI document, as "METHOD /path/{param}". */
function documentedRoutes(): string[] {
  const doc = openApiDocument() as unknown as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => ["get", "post", "put", "delete", "patch"].includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

const tested = new Set<string>();

/** Asserts the request's status and that its round trips equal the budget of `route` (or `trips`). */
async function expectTrips(route: string, path: string, init: RequestInit, status: number, trips = roundTripBudget(route)) {
  const m = await measure(path, init);
  expect(m.status, `${route}: ${m.body.slice(0, 300)}`).toBe(status);
  expect(m.trips, `${route} made ${m.calls.join(", ")}`).toBe(trips);
  tested.add(route);
  return m;
}

describe("D1 round trips per request", () => {
  let user: TestUser;
  let txId: string;
  const TX = "/api/v1/transaction";

  beforeAll(async () => {
    user = await newUser("trips");
    txId = (await createTransaction(user.token, { transaction_amount: "12.50", transaction_type: "debit" })).id;
  });

  it("the budget table names known routes and gives each exception a reason", () => {
    const routes = new Set(documentedRoutes());
    for (const [route, exception] of Object.entries(ROUND_TRIP_EXCEPTIONS)) {
      if (route.startsWith("Idempotency-Key")) continue;
      expect(routes.has(route), route).toBe(true);
      expect(exception.reason.length).toBeGreaterThan(20);
      expect(exception.trips).toBeGreaterThan(1);
    }
  });

  describe("auth and audit", () => {
    it("sign_up: 2 (listed: shard row, then directory row)", async () => {
      await expectTrips(
        "POST /api/v1/user/sign_up",
        "/api/v1/user/sign_up",
        jsonInit("POST", { username: `trips_${crypto.randomUUID().slice(0, 8)}`, password: "correct horse battery", full_name: "T" }),
        201,
      );
    });
    it("login: 3 (listed), 2 for a wrong password", async () => {
      await expectTrips(
        "POST /api/v1/user/login",
        "/api/v1/user/login",
        jsonInit("POST", { username: user.username, password: user.password }),
        200,
      );
      await expectTrips(
        "POST /api/v1/user/login",
        "/api/v1/user/login",
        jsonInit("POST", { username: user.username, password: "wrong password!" }),
        401,
        2,
      );
    });
    it("me: 1 (the token check's row is the profile)", async () => {
      const m = await expectTrips("GET /api/v1/user/me", "/api/v1/user/me", bearer(user), 200);
      expect(JSON.parse(m.body)).toMatchObject({ id: user.id, username: user.username, full_name: user.fullName });
    });
    it("audit: 1", async () => {
      await expectTrips("GET /api/v1/user/audit", "/api/v1/user/audit", bearer(user), 200);
    });
    it("change_password: 4 (listed); logout: 1", async () => {
      const other = await newUser("tripspw");
      await expectTrips(
        "POST /api/v1/user/change_password",
        "/api/v1/user/change_password",
        jsonInit("POST", { current_password: other.password, new_password: "another long password" }, other.token),
        200,
      );
      const third = await newUser("tripsout");
      await expectTrips("POST /api/v1/user/logout", "/api/v1/user/logout", { method: "POST", ...bearer(third) }, 200);
    });
  });

  describe("transactions", () => {
    it("create: 1, and 1 for a duplicate external_id (the 409 names the holder from the same batch)", async () => {
      const body = { transaction_amount: "3.00", transaction_type: "credit", external_id: `ext-${crypto.randomUUID()}` };
      await expectTrips(`POST ${TX}/create`, `${TX}/create`, jsonInit("POST", body, user.token), 201);
      const dup = await expectTrips(`POST ${TX}/create`, `${TX}/create`, jsonInit("POST", body, user.token), 409);
      expect(dup.body).toMatch(/\(txn_/);
    });
    it("list: 1; get: 1 (also for a 404 and a 304)", async () => {
      await expectTrips(`GET ${TX}/all`, `${TX}/all?limit=100`, bearer(user), 200);
      const got = await expectTrips(`GET ${TX}/{transaction_id}`, `${TX}/${txId}`, bearer(user), 200);
      expect(JSON.parse(got.body).full_name).toBe(user.fullName);
      await expectTrips(`GET ${TX}/{transaction_id}`, `${TX}/${unknownTransactionId()}`, bearer(user), 404);
    });
    it("update: 2 (listed); delete: 1", async () => {
      await expectTrips(
        `PUT ${TX}/update/{transaction_id}`,
        `${TX}/update/${txId}`,
        jsonInit("PUT", { description: "changed" }, user.token),
        200,
      );
      const doomed = await createTransaction(user.token, { transaction_amount: "1.00", transaction_type: "debit" });
      await expectTrips(`DELETE ${TX}/delete/{transaction_id}`, `${TX}/delete/${doomed.id}`, { method: "DELETE", ...bearer(user) }, 200);
    });
    it("bulk: 1 without external_ids, 2 with (listed)", async () => {
      const items = (n: number, ext: boolean) =>
        Array.from({ length: n }, (_, i) => ({
          transaction_amount: `${i + 1}.00`,
          transaction_type: "debit",
          ...(ext ? { external_id: `bulk-${crypto.randomUUID()}` } : {}),
        }));
      const route = `POST ${TX}/bulk`;
      await expectTrips(route, `${TX}/bulk`, jsonInit("POST", { transactions: items(20, false) }, user.token), 201);
      await expectTrips(
        route,
        `${TX}/bulk`,
        jsonInit("POST", { transactions: items(20, true) }, user.token),
        201,
        ROUND_TRIP_EXCEPTIONS[route].trips,
      );
    });
    it("import: 1 without ids; export: 1 up to 1,000 rows", async () => {
      const csv = "transaction_date,transaction_amount,transaction_type\n2026-11-01,4.00,debit\n2026-11-02,5.00,credit\n";
      await expectTrips(
        `POST ${TX}/import`,
        `${TX}/import`,
        { method: "POST", body: csv, ...bearer(user, { "content-type": "text/csv" }) },
        201,
      );
      const m = await expectTrips(`GET ${TX}/export`, `${TX}/export`, bearer(user), 200);
      expect(m.body.split("\r\n").length).toBeGreaterThan(3);
    });
    it("a write with Idempotency-Key: 3 (listed), a replay 2", async () => {
      const init = jsonInit("POST", { transaction_amount: "9.99", transaction_type: "debit" }, user.token, {
        "idempotency-key": crypto.randomUUID(),
      });
      const key = "Idempotency-Key on a write";
      await expectTrips(key, `${TX}/create`, init, 201, ROUND_TRIP_EXCEPTIONS[key].trips);
      await expectTrips(key, `${TX}/create`, init, 201, 2);
    });
  });

  describe("categories and rules", () => {
    const CAT = "/api/v1/categories";
    const RULES = "/api/v1/rules";
    const send = (method: string, body: unknown, who: TestUser) => jsonInit(method, body, who.token);
    const rule = (categoryId: string, name = "groceries") => ({
      name,
      match: "all",
      conditions: [{ field: "description", op: "contains", value: "grocery" }],
      actions: [{ set_category: categoryId }, { add_tag: "weekly" }],
    });

    it("categories: create, list and get in 1 (create checks parent, name and count in its write batch); replace and delete 2 (listed)", async () => {
      const u = await newUser("tripscat");
      const food = JSON.parse((await expectTrips(`POST ${CAT}`, CAT, send("POST", { name: "Food" }, u), 201)).body) as { id: string };
      const sub = await expectTrips(`POST ${CAT}`, CAT, send("POST", { name: "Groceries", parent_id: food.id }, u), 201);
      const groceries = JSON.parse(sub.body) as { id: string; parent_id: string };
      expect(groceries.parent_id).toBe(food.id);
      await expectTrips(`POST ${CAT}`, CAT, send("POST", { name: "food" }, u), 409);
      await expectTrips(`GET ${CAT}`, CAT, bearer(u), 200);
      await expectTrips(`GET ${CAT}/{id}`, `${CAT}/${food.id}`, bearer(u), 200);
      await expectTrips(`PUT ${CAT}/{id}`, `${CAT}/${groceries.id}`, send("PUT", { name: "Supermarket", parent_id: food.id }, u), 200);
      await expectTrips(`DELETE ${CAT}/{id}`, `${CAT}/${groceries.id}`, { method: "DELETE", ...bearer(u) }, 200);
    });

    it("rules: create, list, get, replace, delete and test in 1 each (set_category checked in the write batch)", async () => {
      const u = await newUser("tripsrule");
      const cat = (await json<{ id: string }>(await call(CAT, send("POST", { name: "Groceries" }, u)), 201)).id;
      const created = await expectTrips(`POST ${RULES}`, RULES, send("POST", rule(cat), u), 201);
      const id = (JSON.parse(created.body) as { id: string }).id;
      await expectTrips(`GET ${RULES}`, RULES, bearer(u), 200);
      await expectTrips(`GET ${RULES}/{id}`, `${RULES}/${id}`, bearer(u), 200);
      await expectTrips(`PUT ${RULES}/{id}`, `${RULES}/${id}`, send("PUT", rule(cat, "renamed"), u), 200);
      const tested = await expectTrips(
        `POST ${RULES}/test`,
        `${RULES}/test`,
        send("POST", { transaction_amount: "4.00", transaction_type: "debit", description: "Grocery run" }, u),
        200,
      );
      expect(JSON.parse(tested.body).transaction).toMatchObject({ category_id: cat, tags: ["weekly"] });
      await expectTrips(`DELETE ${RULES}/{id}`, `${RULES}/${id}`, { method: "DELETE", ...bearer(u) }, 200);
      // An unknown set_category: the write batch reads the named categories and refuses the insert, a 422 naming the action.
      const refused = await expectTrips(`POST ${RULES}`, RULES, send("POST", rule("cat_unknown"), u), 422);
      expect(refused.body).toContain("actions.0.set_category");
      expect((await json<{ data: unknown[] }>(await call(RULES, bearer(u)), 200)).data).toEqual([]);
    });

    it("rules/{id}/apply: 3 (listed) for one page with changes", async () => {
      const u = await newUser("tripsapply");
      const cat = (await json<{ id: string }>(await call(CAT, send("POST", { name: "Groceries" }, u)), 201)).id;
      // Naming the category loads this isolate's label context, so apply finds it cached; the rule comes after, so it has work.
      await createTransaction(u.token, { transaction_amount: "2.00", transaction_type: "debit", description: "grocery", category_id: cat });
      const id = (await json<{ id: string }>(await call(RULES, send("POST", rule(cat), u)), 201)).id;
      const route = `POST ${RULES}/{id}/apply`;
      const m = await expectTrips(route, `${RULES}/${id}/apply`, { method: "POST", ...bearer(u) }, 200, ROUND_TRIP_EXCEPTIONS[route].trips);
      expect(JSON.parse(m.body)).toMatchObject({ changed: 1, complete: true });
    });

    it("a labelling write with this isolate's cached context: 1; after a category or rule change: 3 (guard, reload, write), then 1 again; 2 naming a new category", async () => {
      const u = await newUser("tripslabels");
      const create = (body: Record<string, unknown>) => measure(`${TX}/create`, jsonInit("POST", body, u.token));
      const plain = { transaction_amount: "1.00", transaction_type: "debit", description: "grocery run" };
      expect((await create(plain)).trips).toBe(1); // no categories or rules: the assumed version 0 holds
      const cat = (await json<{ id: string }>(await call(CAT, send("POST", { name: "Groceries" }, u)), 201)).id;
      await json(await call(RULES, send("POST", rule(cat), u)), 201);
      const stale = await create(plain);
      expect([stale.status, stale.trips]).toEqual([201, 3]);
      // Labelled by the rule the fresh context holds, not by the stale one.
      expect(JSON.parse(stale.body)).toMatchObject({ category_id: cat, tags: ["weekly"] });
      const steady = await create(plain);
      expect([steady.status, steady.trips]).toEqual([201, 1]);
      expect(JSON.parse(steady.body)).toMatchObject({ category_id: cat });
      // A category created since: the body names an id the cache does not know, so the context is reloaded first (2).
      const travel = (await json<{ id: string }>(await call(CAT, send("POST", { name: "Travel" }, u)), 201)).id;
      const named = await create({ ...plain, description: "train", category_id: travel });
      expect([named.status, named.trips]).toEqual([201, 2]);
      expect(JSON.parse(named.body)).toMatchObject({ category_id: travel });
      // A body's category the cache does not know is reloaded once before the 422 (that load is the one round trip).
      const unknown = await create({ ...plain, category_id: "cat_unknown" });
      expect([unknown.status, unknown.trips]).toEqual([422, 1]);
      expect(unknown.body).toContain("category_id");
    });
  });

  describe("analytics", () => {
    const route = "GET /api/v1/transaction/analytics/{user_id}";
    it("1 whether the snapshot is current or behind (rollups in the same batch), for a range, and for a 403", async () => {
      const fresh = await newUser("tripsan");
      await createTransaction(fresh.token, { transaction_amount: "10.00", transaction_type: "debit" });
      // Right after a write the snapshot may be behind: the rollups come in the same batch.
      const behind = await expectTrips(route, `${TX}/analytics/me`, bearer(fresh), 200);
      expect(JSON.parse(behind.body)).toMatchObject({ transaction_count: 1, stale: false });
      await expectTrips(route, `${TX}/analytics/me?from=2020-01-01&to=2030-12-31`, bearer(fresh), 200);
      await expectTrips(route, `${TX}/analytics/${user.id}`, bearer(fresh), 403);
    });
  });

  describe("profile, sync, recurring", () => {
    it("profile PATCH: 1, a time zone change included (the counter bump rides in the same batch)", async () => {
      const u = await newUser("tripsprofile");
      const route = "PATCH /api/v1/user/me";
      const m = await expectTrips(route, "/api/v1/user/me", jsonInit("PATCH", { full_name: "Renamed" }, u.token), 200);
      expect(JSON.parse(m.body)).toMatchObject({ full_name: "Renamed" });
      await createTransaction(u.token, { transaction_amount: "2.00", transaction_type: "debit" });
      const zoned = await expectTrips(route, "/api/v1/user/me", jsonInit("PATCH", { time_zone: "Asia/Tokyo" }, u.token), 200);
      expect(JSON.parse(zoned.body)).toMatchObject({ time_zone: "Asia/Tokyo" });
    });
    it("sync: 1 from the start and from a cursor", async () => {
      const first = await expectTrips(`GET ${TX}/sync`, `${TX}/sync?limit=10`, bearer(user), 200);
      const cursor = (JSON.parse(first.body) as { next_cursor: string }).next_cursor;
      await expectTrips(`GET ${TX}/sync`, `${TX}/sync?cursor=${encodeURIComponent(cursor)}`, bearer(user), 200);
    });
    it("recurring: 1", async () => {
      await expectTrips(`GET ${TX}/recurring`, `${TX}/recurring`, bearer(user), 200);
    });
  });

  describe("events and webhooks", () => {
    const HOOKS = "/api/v1/webhooks";
    // The counting env is "production": its SSRF guard takes a public https URL only.
    const hookBody = { url: "https://hooks.example.com/trips", events: ["*"] };

    it("events: 1 from the start and from a cursor; a write's outbox dispatch adds 1 call after the answer", async () => {
      const u = await newUser("tripsevents");
      await json(await call(HOOKS, jsonInit("POST", hookBody, u.token)), 201);
      for (const amount of ["1.00", "2.00"]) await createTransaction(u.token, { transaction_amount: amount, transaction_type: "debit" });
      const first = await expectTrips("GET /api/v1/events", "/api/v1/events?limit=1", bearer(u), 200);
      const page = JSON.parse(first.body) as { data: unknown[]; next_cursor: string };
      expect(page.data).toHaveLength(1);
      await expectTrips("GET /api/v1/events", `/api/v1/events?cursor=${encodeURIComponent(page.next_cursor)}`, bearer(u), 200);
      // A write's events reach the queue after the answer: the write's batch read the outbox and the endpoints, so
      // the dispatch in waitUntil sends and then only marks the events enqueued (1 call, however the timing falls).
      const write = await measure(`${TX}/create`, jsonInit("POST", { transaction_amount: "3.00", transaction_type: "debit" }, u.token));
      expect(write.status).toBe(201);
      const all = [...write.calls, ...write.background];
      expect(all, all.join(", ")).toHaveLength(2);
      expect(all[0]).toMatch(/^batch/);
      const pending = await (await shardFor(u.id))
        .prepare("SELECT COUNT(*) AS n FROM events WHERE user_id = ? AND enqueued_at IS NULL")
        .bind(u.id)
        .first<{ n: number }>();
      expect(pending?.n).toBe(0);
    });

    it("create, list, get, replace, rotate, delete: 1 each; deliveries 1, also for a 404", async () => {
      const u = await newUser("tripshooks");
      const created = await expectTrips(`POST ${HOOKS}`, HOOKS, jsonInit("POST", hookBody, u.token), 201);
      const id = (JSON.parse(created.body) as { id: string }).id;
      await expectTrips(`GET ${HOOKS}`, HOOKS, bearer(u), 200);
      await expectTrips(`GET ${HOOKS}/{webhook_id}`, `${HOOKS}/${id}`, bearer(u), 200);
      const replaced = await expectTrips(
        `PUT ${HOOKS}/{webhook_id}`,
        `${HOOKS}/${id}`,
        jsonInit("PUT", { ...hookBody, status: "disabled" }, u.token),
        200,
      );
      expect(JSON.parse(replaced.body)).toMatchObject({ status: "disabled" });
      await expectTrips(
        `PUT ${HOOKS}/{webhook_id}`,
        `${HOOKS}/wh_unknown`,
        jsonInit("PUT", { ...hookBody, status: "enabled" }, u.token),
        404,
      );
      const rotated = await expectTrips(
        `POST ${HOOKS}/{webhook_id}/rotate_secret`,
        `${HOOKS}/${id}/rotate_secret`,
        { method: "POST", ...bearer(u) },
        200,
      );
      expect(JSON.parse(rotated.body).secret).not.toBe(JSON.parse(created.body).secret);
      await expectTrips(
        `POST ${HOOKS}/{webhook_id}/rotate_secret`,
        `${HOOKS}/wh_unknown/rotate_secret`,
        { method: "POST", ...bearer(u) },
        404,
      );
      await expectTrips(`GET ${HOOKS}/{webhook_id}/deliveries`, `${HOOKS}/${id}/deliveries`, bearer(u), 200);
      await expectTrips(`GET ${HOOKS}/{webhook_id}/deliveries`, `${HOOKS}/wh_unknown/deliveries`, bearer(u), 404);
      await expectTrips(`DELETE ${HOOKS}/{webhook_id}`, `${HOOKS}/${id}`, { method: "DELETE", ...bearer(u) }, 200);
    });

    it("test (ping) and redeliver: 1 each, the queue send after the answer's round trip adds none", async () => {
      const u = await newUser("tripsping");
      const hook = await json<{ id: string }>(await call(HOOKS, jsonInit("POST", hookBody, u.token)), 201);
      const ping = await expectTrips(`POST ${HOOKS}/{webhook_id}/test`, `${HOOKS}/${hook.id}/test`, { method: "POST", ...bearer(u) }, 202);
      const eventId = (JSON.parse(ping.body) as { event_id: string }).event_id;
      await expectTrips(`POST ${HOOKS}/{webhook_id}/test`, `${HOOKS}/wh_unknown/test`, { method: "POST", ...bearer(u) }, 404);
      const deliveryId = `dlv_trips${crypto.randomUUID().slice(0, 8)}`;
      await (await shardFor(u.id))
        .prepare(
          "INSERT INTO webhook_deliveries (id, webhook_id, user_id, event_id, attempt, attempted_at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, 1, ?, 503, 'HTTP 503', 5)",
        )
        .bind(deliveryId, hook.id, u.id, eventId, new Date().toISOString())
        .run();
      const route = `POST ${HOOKS}/{webhook_id}/deliveries/{delivery_id}/redeliver`;
      const again = await expectTrips(
        route,
        `${HOOKS}/${hook.id}/deliveries/${deliveryId}/redeliver`,
        { method: "POST", ...bearer(u) },
        202,
      );
      expect(JSON.parse(again.body)).toMatchObject({ queued: true, event_id: eventId });
      await expectTrips(route, `${HOOKS}/${hook.id}/deliveries/dlv_unknown/redeliver`, { method: "POST", ...bearer(u) }, 404);
    });
  });

  describe("revocation still answers 401 in the same one round trip", () => {
    it("a read with a revoked token: 401; a write: 401 and nothing written", async () => {
      const victim = await newUser("tripsrevoked");
      const logout = await call("/api/v1/user/logout", { method: "POST", headers: { authorization: `Bearer ${victim.token}` } });
      expect(logout.status).toBe(200);
      const read = await measure(`${TX}/all`, bearer(victim));
      expect([read.status, read.trips]).toEqual([401, 1]);
      const write = await measure(
        `${TX}/create`,
        jsonInit("POST", { transaction_amount: "5.00", transaction_type: "debit" }, victim.token),
      );
      expect([write.status, write.trips]).toEqual([401, 1]);
      expect(write.calls[0]).toMatch(/^batch/);
      const stored = await (await shardFor(user.id))
        .prepare("SELECT COUNT(*) AS n FROM transactions WHERE user_id = ?")
        .bind(victim.id)
        .first<{ n: number }>();
      expect(stored?.n).toBe(0);
      const invalid = await measure(`${TX}/create`, jsonInit("POST", { transaction_amount: "x" }, victim.token));
      expect([invalid.status, invalid.trips]).toEqual([401, 1]);
    });
  });

  it("every documented route that touches D1 was measured above", () => {
    const free = new Set(["GET /health", "GET /openapi.json", "GET /api/v1/openapi.json"]);
    const missing = documentedRoutes().filter((r) => !free.has(r) && !tested.has(r));
    expect(missing).toEqual([]);
  });
});
