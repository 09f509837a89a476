import { describe, expect, it } from "vitest";
import { call, expectProblem, jsonInit, newUser } from "./harness";

const TX = "/api/v1/transaction";

describe("D1 sessions: X-D1-Bookmark", () => {
  it("a write answers a bookmark; a read at that bookmark sees the write and answers one at least as new", async () => {
    const user = await newUser("bookmark");
    const created = await call(`${TX}/create`, jsonInit("POST", { transaction_amount: "7.00", transaction_type: "debit" }, user.token));
    expect(created.status).toBe(201);
    const afterWrite = created.headers.get("x-d1-bookmark");
    // A D1 bookmark, then the database that answered it (the caller's shard).
    expect(afterWrite).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}\.SHARD_\d+$/);
    const id = ((await created.json()) as { id: string }).id;
    const read = await call(`${TX}/${id}`, { headers: { authorization: `Bearer ${user.token}`, "x-d1-bookmark": afterWrite ?? "" } });
    expect(read.status).toBe(200);
    // Bookmarks compare as strings: a later position sorts after an earlier one.
    expect((read.headers.get("x-d1-bookmark") ?? "") >= (afterWrite ?? "")).toBe(true);
    const analytics = await call(`${TX}/analytics/me`, {
      headers: { authorization: `Bearer ${user.token}`, "x-d1-bookmark": afterWrite ?? "" },
    });
    expect(await analytics.json()).toMatchObject({ transaction_count: 1, stale: false });
  });

  it("error answers carry a bookmark too, and a malformed one is a 422 naming the header", async () => {
    const user = await newUser("bookmarkbad");
    const missing = await call(`${TX}/txn_00000000000000000000000000`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(missing.headers.get("x-d1-bookmark")).toBeTruthy();
    const bad = await call(`${TX}/all`, { headers: { authorization: `Bearer ${user.token}`, "x-d1-bookmark": "not-a-bookmark" } });
    const body = await expectProblem(bad, 422);
    expect(body.errors?.map((e) => e.path)).toEqual(["X-D1-Bookmark"]);
  });

  it("CORS lets browsers send and read X-D1-Bookmark", async () => {
    const preflight = await call(`${TX}/all`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "GET", "access-control-request-headers": "x-d1-bookmark" },
    });
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-d1-bookmark");
    const user = await newUser("bookmarkcors");
    const res = await call(`${TX}/all`, { headers: { authorization: `Bearer ${user.token}`, origin: "https://app.example" } });
    expect(res.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("x-d1-bookmark");
  });
});
