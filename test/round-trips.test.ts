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
  return { status: res.status, trips: calls.length, calls, body };
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
