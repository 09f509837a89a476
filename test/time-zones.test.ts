import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumeAnalyticsBatch } from "../src/analytics/queue";
import {
  analyticsState,
  authed,
  call,
  createTransaction,
  expectProblem,
  json,
  jsonInit,
  newUser,
  omitKeys,
  setFault,
  shardFor,
  type TestUser,
  type TransactionRecord,
  validationPaths,
} from "./harness";

const ME = "/api/v1/user/me";
const TX = "/api/v1/transaction";

interface Profile {
  id: string;
  full_name: string;
  email: string | null;
  time_zone: string;
  week_start: string;
}

interface Figures {
  time_zone: string;
  transaction_count: number;
  day_with_highest_transactions: string | null;
  day_with_highest_transactions_count: number;
  by_weekday: { weekday: string; transaction_count: number }[];
  monthly: { month: string; transaction_count: number }[];
  computed_at: string;
}

const patchMe = (user: TestUser, body: unknown) => call(ME, jsonInit("PATCH", body, user.token));
const analytics = async (user: TestUser, query = "") => json<Figures>(await call(`${TX}/analytics/me${query}`, authed(user.token)), 200);
const list = async (user: TestUser, query: string) =>
  (await json<{ data: TransactionRecord[] }>(await call(`${TX}/all?${query}`, authed(user.token)), 200)).data.map((r) => r.description);

let deliveries = 0;
/** Runs the analytics queue consumer on one real batch holding the user's latest version. */
async function deliver(user: TestUser) {
  const version = (await analyticsState(user.id))?.version ?? 0;
  const batch = createMessageBatch("finanalyze-analytics", [
    { id: `tz-${++deliveries}`, timestamp: new Date(), attempts: 1, body: { user_id: user.id, version } },
  ]);
  return consumeAnalyticsBatch(batch, env);
}

beforeAll(() => setFault("queue_send_fail", "1")); // messages are delivered by hand
afterAll(() => setFault("queue_send_fail", null));

describe("profile", () => {
  it("GET /user/me has time_zone UTC and week_start monday by default", async () => {
    const user = await newUser("tz");
    expect(await json<Profile>(await call(ME, authed(user.token)), 200)).toMatchObject({ time_zone: "UTC", week_start: "monday" });
  });

  it("sign-up accepts time_zone and week_start", async () => {
    const body = { username: `tz_signup_${crypto.randomUUID().slice(0, 8)}`, password: "correct horse battery", full_name: "Tz" };
    const profile = await json<Profile>(
      await call("/api/v1/user/sign_up", jsonInit("POST", { ...body, time_zone: "Asia/Kathmandu", week_start: "sunday" })),
      201,
    );
    expect(profile).toMatchObject({ time_zone: "Asia/Kathmandu", week_start: "sunday" });
  });

  it("sign-up with an unknown zone is a 422 naming time_zone", async () => {
    const body = { username: `tz_bad_${crypto.randomUUID().slice(0, 8)}`, password: "correct horse battery", full_name: "Tz" };
    expect(await validationPaths(await call("/api/v1/user/sign_up", jsonInit("POST", { ...body, time_zone: "Mars/Olympus" })))).toEqual([
      "time_zone",
    ]);
  });

  it("PATCH /user/me changes full_name, email, time_zone and week_start, and GET shows them", async () => {
    const user = await newUser("tz");
    const patched = await json<Profile>(
      await patchMe(user, { full_name: "Ada King", email: "ada@example.com", time_zone: "america/new_york", week_start: "sunday" }),
      200,
    );
    expect(patched).toMatchObject({ full_name: "Ada King", email: "ada@example.com", time_zone: "America/New_York", week_start: "sunday" });
    expect(await json<Profile>(await call(ME, authed(user.token)), 200)).toEqual(patched);
    expect((await json<Profile>(await patchMe(user, { email: null }), 200)).email).toBeNull();
  });

  it.each(["UTC", "Etc/GMT+12", "Asia/Katmandu", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Kiritimati"])(
    "accepts %s (whatever Intl accepts)",
    async (zone) => {
      const user = await newUser("tz");
      expect((await json<Profile>(await patchMe(user, { time_zone: zone }), 200)).time_zone).toBe(zone);
    },
  );

  it.each([["Mars/Olympus"], ["+05:30"], [""], ["x".repeat(100)]])("PATCH with time_zone %j is a 422 naming time_zone", async (zone) => {
    const user = await newUser("tz");
    expect(await validationPaths(await patchMe(user, { time_zone: zone }))).toEqual(["time_zone"]);
  });

  it("PATCH rejects an unknown week_start, unknown fields and an empty body", async () => {
    const user = await newUser("tz");
    expect(await validationPaths(await patchMe(user, { week_start: "friday" }))).toEqual(["week_start"]);
    await expectProblem(await patchMe(user, { username: "someone" }), 422);
    await expectProblem(await patchMe(user, {}), 422);
  });

  it("PATCH without a token is a 401", async () => {
    await expectProblem(await call(ME, jsonInit("PATCH", { time_zone: "UTC" })), 401);
  });
});

describe("tz query parameter", () => {
  it.each([`${TX}/analytics/me`, `${TX}/all`, `${TX}/export`])("an unknown tz on %s is a 422 naming tz", async (path) => {
    const user = await newUser("tz");
    expect(await validationPaths(await call(`${path}?tz=Nowhere/Atlantis`, authed(user.token)))).toEqual(["tz"]);
  });

  // IANA names have no spaces, so a space can only be an unencoded "+" (curl '...?tz=Etc/GMT+12' sends it raw).
  it.each([`${TX}/analytics/me`, `${TX}/all`, `${TX}/export`, `${TX}/sync`])("tz=Etc/GMT+12 with a raw + works on %s", async (path) => {
    const user = await newUser("tz");
    const res = await call(`${path}?tz=Etc/GMT+12`, authed(user.token));
    expect(res.status).toBe(200);
    if (path.endsWith("/analytics/me")) expect(((await res.json()) as { time_zone: string }).time_zone).toBe("Etc/GMT+12");
  });
});

describe("date-only transactions", () => {
  it("records carry date_only; a plain date counts on that date in every zone", async () => {
    const user = await newUser("tz");
    const dated = await createTransaction(user.token, {
      transaction_amount: "5.00",
      transaction_type: "debit",
      transaction_date: "2026-11-25",
    });
    const timed = await createTransaction(user.token, {
      transaction_amount: "5.00",
      transaction_type: "debit",
      transaction_date: "2026-11-25T00:00:00Z",
    });
    expect([dated.date_only, timed.date_only]).toEqual([true, false]);
    const updated = await json<TransactionRecord>(
      await call(`${TX}/update/${timed.id}`, jsonInit("PUT", { transaction_date: "2026-11-24" }, user.token)),
      200,
    );
    expect(updated.date_only).toBe(true);
    for (const [zone, timedDay] of [
      ["Pacific/Kiritimati", "2026-11-25"],
      ["Etc/GMT+12", "2026-11-24"],
    ] as const) {
      await call(`${TX}/update/${timed.id}`, jsonInit("PUT", { transaction_date: "2026-11-25T00:00:00Z" }, user.token));
      const figures = await analytics(user, `?tz=${encodeURIComponent(zone)}`);
      const days = Object.fromEntries(figures.monthly.map((m) => [m.month, m.transaction_count]));
      expect(days, zone).toEqual({ "2026-11": 2 });
      expect(figures.day_with_highest_transactions, zone).toBe(timedDay === "2026-11-25" ? "2026-11-25" : "2026-11-24");
      expect(figures.day_with_highest_transactions_count).toBe(timedDay === "2026-11-25" ? 2 : 1);
    }
  });

  it("export writes a date-only row as its plain date, so importing the file keeps it a calendar date", async () => {
    const user = await newUser("tz");
    await createTransaction(user.token, { transaction_amount: "5.00", transaction_type: "debit", transaction_date: "2026-11-25" });
    const csv = await (await call(`${TX}/export`, authed(user.token))).text();
    expect(csv.split("\r\n")[1]).toMatch(/^txn_\w+,2026-11-25,5\.00,/);
  });
});

describe("local days in list and export", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser("tz");
    await json(await patchMe(user, { time_zone: "America/New_York" }), 200);
    const rows = [
      ["2026-11-25T04:30:00Z", "late on the 24th in New York"],
      ["2026-11-25T05:30:00Z", "early on the 25th in New York"],
      ["2026-11-26T04:59:59Z", "last second of the 25th in New York"],
      ["2026-11-26T05:00:00Z", "first second of the 26th in New York"],
      ["2026-11-25", "date-only 25th"],
      ["2026-11-26", "date-only 26th"],
    ];
    for (const [date, description] of rows)
      await createTransaction(user.token, { transaction_amount: "1.00", transaction_type: "debit", transaction_date: date, description });
  });

  it("a plain from/to date is the whole local day of the profile zone", async () => {
    expect((await list(user, "from=2026-11-25&to=2026-11-25")).sort()).toEqual(
      ["date-only 25th", "early on the 25th in New York", "last second of the 25th in New York"].sort(),
    );
  });

  it("a date-time bound whose + offset was sent unencoded (decoded as a space) is still that offset", async () => {
    // 04:00Z-04:45Z on the 25th (late on the 24th in New York): only the 04:30Z row; read as UTC it would be none.
    expect(await list(user, "from=2026-11-25T09:00:00+05:00&to=2026-11-25T09:45:00+05:00")).toEqual(["late on the 24th in New York"]);
  });

  it("tz overrides the profile zone", async () => {
    expect((await list(user, "from=2026-11-25&to=2026-11-25&tz=UTC")).sort()).toEqual(
      ["date-only 25th", "early on the 25th in New York", "late on the 24th in New York"].sort(),
    );
  });

  it("a date-time bound is an instant for timed rows and its local date for date-only rows", async () => {
    expect((await list(user, `from=${encodeURIComponent("2026-11-25T12:00:00-05:00")}&to=2026-11-25`)).sort()).toEqual(
      ["date-only 25th", "last second of the 25th in New York"].sort(),
    );
  });

  it("export applies the same local days", async () => {
    const csv = await (await call(`${TX}/export?from=2026-11-26&to=2026-11-26`, authed(user.token))).text();
    expect(csv).toContain("first second of the 26th in New York");
    expect(csv).toContain("date-only 26th");
    expect(csv).not.toContain("last second of the 25th");
  });
});

describe("analytics in the profile zone", () => {
  it("by_weekday starts on week_start; figures use local days", async () => {
    const user = await newUser("tz");
    await json(await patchMe(user, { time_zone: "Asia/Kolkata", week_start: "sunday" }), 200);
    // 2026-11-28T20:00Z is Sunday 29 Nov 01:30 in Kolkata (Saturday in UTC).
    await createTransaction(user.token, {
      transaction_amount: "1.00",
      transaction_type: "debit",
      transaction_date: "2026-11-28T20:00:00Z",
    });
    const figures = await analytics(user);
    expect(figures.by_weekday.map((d) => d.weekday)).toEqual([
      "Sunday",
      "Monday",
      "Tuesday",
      "Wednesday",
      "Thursday",
      "Friday",
      "Saturday",
    ]);
    expect(figures.by_weekday[0]).toEqual({ weekday: "Sunday", transaction_count: 1 });
    expect(figures.day_with_highest_transactions).toBe("2026-11-29");
    expect((await analytics(user, "?tz=UTC")).day_with_highest_transactions).toBe("2026-11-28");
  });

  it("a zone change answers in the new zone at once and recomputes the snapshot through the queue", async () => {
    const user = await newUser("tz");
    // 23:30 in New York on 30 Nov = 04:30Z on 1 Dec.
    await createTransaction(user.token, {
      transaction_amount: "1.00",
      transaction_type: "debit",
      transaction_date: "2026-12-01T04:30:00Z",
    });
    expect((await deliver(user)).recomputed).toEqual([user.id]);
    const utc = await analytics(user);
    expect([utc.time_zone, utc.day_with_highest_transactions]).toEqual(["UTC", "2026-12-01"]);
    const snapshotAt = utc.computed_at;

    await json(await patchMe(user, { time_zone: "America/New_York" }), 200);
    const meanwhile = await analytics(user);
    expect([meanwhile.time_zone, meanwhile.day_with_highest_transactions, meanwhile.monthly[0]?.month]).toEqual([
      "America/New_York",
      "2026-11-30",
      "2026-11",
    ]);
    const state = await (await shardFor(user.id))
      .prepare("SELECT snapshot_zone, snapshot_version, version FROM analytics_state WHERE user_id = ?")
      .bind(user.id)
      .first<{ snapshot_zone: string; snapshot_version: number; version: number }>();
    expect(state?.snapshot_zone).toBe("UTC");
    expect(state!.snapshot_version).toBeLessThan(state!.version);

    expect((await deliver(user)).recomputed).toEqual([user.id]);
    const after = await analytics(user);
    expect(after.day_with_highest_transactions).toBe("2026-11-30");
    expect(after.computed_at).not.toBe(snapshotAt);
    // Served from the stored snapshot now: the same computed_at on every read.
    expect((await analytics(user)).computed_at).toBe(after.computed_at);
    // Another zone is computed from the rollups, and does not disturb the snapshot.
    expect((await analytics(user, "?tz=UTC")).day_with_highest_transactions).toBe("2026-12-01");
    expect((await analytics(user)).computed_at).toBe(after.computed_at);
  });

  it("from/to are local days of tz, and tz=the profile zone gives the same answer as none", async () => {
    const user = await newUser("tz");
    await json(await patchMe(user, { time_zone: "Pacific/Kiritimati" }), 200);
    await createTransaction(user.token, {
      transaction_amount: "1.00",
      transaction_type: "debit",
      transaction_date: "2026-11-30T11:00:00Z",
    });
    // 11:00Z is 01:00 on 1 Dec in Kiritimati (+14).
    expect((await analytics(user, "?from=2026-12-01&to=2026-12-01")).transaction_count).toBe(1);
    expect((await analytics(user, "?from=2026-11-30&to=2026-11-30")).transaction_count).toBe(0);
    expect((await analytics(user, "?from=2026-11-30&to=2026-11-30&tz=UTC")).transaction_count).toBe(1);
    const none = omitKeys(await analytics(user), ["computed_at"]);
    expect(omitKeys(await analytics(user, "?tz=Pacific/Kiritimati"), ["computed_at"])).toEqual(none);
  });
});

describe("extreme dates", () => {
  it.each(["Pacific/Kiritimati", "Etc/GMT+12", "America/New_York"])(
    "rows in the years 1000 and 9999 read in %s without error",
    async (zone) => {
      const user = await newUser("tz");
      for (const date of ["1000-01-01T00:30:00Z", "9999-12-31T23:30:00Z", "1000-01-01"])
        await createTransaction(user.token, { transaction_amount: "1.00", transaction_type: "debit", transaction_date: date });
      const figures = await analytics(user, `?tz=${encodeURIComponent(zone)}`);
      expect(figures.transaction_count).toBe(3);
      expect(figures.monthly.reduce((n, m) => n + m.transaction_count, 0)).toBe(3);
      expect(
        (await analytics(user, `?tz=${encodeURIComponent(zone)}&from=1000-01-01&to=1000-01-31`)).transaction_count,
      ).toBeGreaterThanOrEqual(1);
    },
  );
});

describe("extreme bounds", () => {
  it.each(["Pacific/Kiritimati", "Etc/GMT+12"])("from=1000-01-01 and to=9999-12-31 in %s answer 200 with every row", async (zone) => {
    const user = await newUser("tz");
    for (const date of ["1000-01-01T12:00:00Z", "9999-12-31T11:00:00Z", "9999-12-31"])
      await createTransaction(user.token, {
        transaction_amount: "1.00",
        transaction_type: "debit",
        transaction_date: date,
        description: date,
      });
    const q = `from=1000-01-01&to=9999-12-31&tz=${encodeURIComponent(zone)}`;
    expect((await list(user, q)).length).toBe(3);
    expect((await analytics(user, `?${q}`)).transaction_count).toBe(3);
    expect((await list(user, `to=${encodeURIComponent("9999-12-31T23:59:59Z")}&tz=${encodeURIComponent(zone)}`)).length).toBe(3);
    expect((await call(`${TX}/export?${q}`, authed(user.token))).status).toBe(200);
  });
});
