import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { integrityReportAll } from "../src/dev/integrity";
import {
  APP_TABLES,
  authed,
  call,
  createTransaction,
  expectProblem,
  json,
  jsonInit,
  newUser,
  rows,
  type TestUser,
  tableNames,
  validationPaths,
} from "./harness";

// ---------------------------------------------------------------------------------------------------------------------
// Helpers

const TX = "/api/v1/transaction";
const USER = "/api/v1/user";
const MiB = 1024 * 1024;

type StoredRecord = Record<string, unknown> & { id: string };

function send(path: string, method: string, token: string, body: BodyInit, contentType = "application/json"): Promise<Response> {
  return call(path, { method, headers: { "content-type": contentType, authorization: `Bearer ${token}` }, body });
}

const createRaw = (token: string, body: BodyInit) => send(`${TX}/create`, "POST", token, body);
const updateRaw = (token: string, id: string, body: BodyInit) => send(`${TX}/update/${id}`, "PUT", token, body);
const bulkRaw = (token: string, body: BodyInit) => send(`${TX}/bulk`, "POST", token, body);
const importCsv = (token: string, csv: BodyInit) => send(`${TX}/import`, "POST", token, csv, "text/csv");
const signUpRaw = (body: BodyInit) => call(`${USER}/sign_up`, { method: "POST", headers: { "content-type": "application/json" }, body });
const readOne = async (token: string, id: string) => json<StoredRecord>(await call(`${TX}/${id}`, authed(token)), 200);

/** A create body with the given raw JSON text for transaction_amount. */
const createWithAmount = (raw: string) => `{"transaction_amount": ${raw}, "transaction_type": "debit"}`;

async function countOf(userId: string): Promise<number> {
  return Number((await rows("SELECT COUNT(*) AS n FROM transactions WHERE user_id = ?", userId))[0]?.n);
}

/** Bytes of `before` + raw `bytes` + `after` (to put invalid UTF-8 inside otherwise valid JSON). */
function spliceBytes(before: string, bytes: number[], after: string): Uint8Array {
  const encoder = new TextEncoder();
  return new Uint8Array([...encoder.encode(before), ...bytes, ...encoder.encode(after)]);
}

/** Asserts a client error (never a 500) whose status is one of `allowed`. */
async function expectRejected(res: Response, allowed: number[]) {
  expect(allowed, `${res.status}: ${await res.clone().text()}`).toContain(res.status);
  return expectProblem(res, res.status);
}

/** `text` with every unpaired surrogate replaced by one U+FFFD (what String.prototype.toWellFormed does). */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

/**
 * Creates a transaction with `field` set to `value`. It must be stored exactly as one of `accepted`
 * (and the 201 answer must show what was stored), or rejected with a 400 or a 422 naming the field.
 */
async function storedOrRejected(token: string, field: string, value: string, accepted: string[] = [value]): Promise<StoredRecord | null> {
  const res = await createRaw(token, JSON.stringify({ transaction_amount: "1.00", transaction_type: "debit", [field]: value }));
  if (res.status === 400 || res.status === 422) {
    const problem = await expectProblem(res, res.status);
    if (res.status === 422) expect((problem.errors ?? []).map((e) => e.path)).toContain(field);
    return null;
  }
  const created = await json<StoredRecord>(res, 201);
  const read = await readOne(token, created.id);
  // Compared as JSON text: a raw lone surrogate in an assertion message breaks Vitest's reporter.
  expect(accepted.map((v) => JSON.stringify(v))).toContain(JSON.stringify(read[field]));
  expect(JSON.stringify(created[field]), "the 201 answer must show what was stored").toBe(JSON.stringify(read[field]));
  return read;
}

let user: TestUser;
let record: StoredRecord;

beforeAll(async () => {
  user = await newUser("hostile");
  record = (await createTransaction(user.token, {
    transaction_amount: "10.00",
    transaction_type: "credit",
    description: "baseline",
  })) as unknown as StoredRecord;
});

// ---------------------------------------------------------------------------------------------------------------------

describe("hostile transaction_amount values are 422 naming transaction_amount", () => {
  const cases: [string, string][] = [
    ["1e400 (raw JSON number)", "1e400"],
    ["123456789012345678901234567890 (raw)", "123456789012345678901234567890"],
    ['"123456789012345678901234567890"', '"123456789012345678901234567890"'],
    ["-0 (raw)", "-0"],
    ['"-0"', '"-0"'],
    ["1e3 (raw)", "1e3"],
    ['"1e3"', '"1e3"'],
    ['"NaN"', '"NaN"'],
    ['"Infinity"', '"Infinity"'],
    ['"١٢٣" (Arabic-Indic digits)', '"١٢٣"'],
    ['"１２３" (full-width digits)', '"１２３"'],
    ['" 12"', '" 12"'],
    ['"12 "', '"12 "'],
    ['"0x10"', '"0x10"'],
    ["true", "true"],
    ["null", "null"],
    ["[]", "[]"],
    ["{}", "{}"],
    ["a 400-digit number (raw)", "9".repeat(400)],
    ["a 400-digit fraction (raw)", `0.${"0".repeat(398)}1`],
  ];

  it.each(cases)("create with %s", async (_name, raw) => {
    const before = await countOf(user.id);
    expect(await validationPaths(await createRaw(user.token, createWithAmount(raw)))).toContain("transaction_amount");
    expect(await countOf(user.id)).toBe(before);
  });

  it.each(cases)("update with %s", async (_name, raw) => {
    expect(await validationPaths(await updateRaw(user.token, record.id, `{"transaction_amount": ${raw}}`))).toContain("transaction_amount");
    expect(await readOne(user.token, record.id)).toEqual(record);
  });

  it.each([
    ["a 400-digit number", "7".repeat(400)],
    ["1e400", "1e400"],
  ])("%s (beyond a double) in description is a 422 naming description, on create and update", async (_name, raw) => {
    const before = await countOf(user.id);
    const body = `{"transaction_amount": "1.00", "transaction_type": "debit", "description": ${raw}}`;
    expect(await validationPaths(await createRaw(user.token, body))).toContain("description");
    expect(await countOf(user.id)).toBe(before);
    expect(await validationPaths(await updateRaw(user.token, record.id, `{"description": ${raw}}`))).toContain("description");
    expect(await readOne(user.token, record.id)).toEqual(record);
  });

  it("control: the same route accepts a plain decimal string and a plain JSON number", async () => {
    expect((await createRaw(user.token, createWithAmount('"12.00"'))).status).toBe(201);
    expect((await createRaw(user.token, createWithAmount("12"))).status).toBe(201);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

describe("oversized bodies", () => {
  const tenMegabytes = (prefix: string, suffix: string) => `${prefix}${"x".repeat(10 * 1000 * 1000)}${suffix}`;

  it("a 10 MB JSON create is a 413 problem and stores nothing", async () => {
    const before = await countOf(user.id);
    const res = await createRaw(user.token, tenMegabytes('{"transaction_amount":"1.00","transaction_type":"debit","description":"', '"}'));
    await expectProblem(res, 413);
    expect(await countOf(user.id)).toBe(before);
  });

  it("a 10 MB JSON update is a 413 problem and changes nothing", async () => {
    await expectProblem(await updateRaw(user.token, record.id, tenMegabytes('{"description":"', '"}')), 413);
    expect(await readOne(user.token, record.id)).toEqual(record);
  });

  it("a CSV import one byte over 10 MiB is a 413 problem", async () => {
    const header = "transaction_date,transaction_amount,transaction_type,description\n";
    const csv = header + "x".repeat(10 * MiB + 1 - header.length);
    expect(csv.length).toBe(10 * MiB + 1);
    await expectProblem(await importCsv(user.token, csv), 413);
  });

  it("a 10 MB CSV import just under the limit is answered cleanly, never with a 500", async () => {
    const importer = await newUser("bigcsv");
    const row = (i: number) => `2026-01-01,1.00,debit,${String(i).padStart(7, "0")} ${"d".repeat(480)}\n`;
    const header = "transaction_date,transaction_amount,transaction_type,description\n";
    const lines = [header];
    let size = header.length;
    for (let i = 0; size + row(i).length <= 10 * 1000 * 1000; i++) {
      lines.push(row(i));
      size += row(i).length;
    }
    const res = await importCsv(importer.token, lines.join(""));
    expect(res.status, await res.clone().text()).toBeLessThan(500);
    if (res.ok) {
      const body = await json<{ rows: number; added: number; errors: unknown[] }>(res, res.status);
      expect(body).toMatchObject({ rows: lines.length - 1, added: lines.length - 1, errors: [] });
    } else {
      await expectProblem(res, res.status);
    }
    expect(await countOf(importer.id)).toBe(res.status === 201 ? lines.length - 1 : 0);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------------------------

describe("deeply nested JSON is a 400 or 422, never a 500", () => {
  const arrays = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
  const objects = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);

  it.each<[string, string, () => string]>([
    ["create: 30,000 levels of [ ] (60 KB)", `${TX}/create`, () => arrays(30_000)],
    ['create: 10,000 levels of {"a": } (60 KB)', `${TX}/create`, () => objects(10_000)],
    [
      "create: 30,000 levels of [ ] as the description",
      `${TX}/create`,
      () => `{"transaction_amount":"1.00","transaction_type":"debit","description":${arrays(30_000)}}`,
    ],
    ["bulk: 100,000 levels of [ ]", `${TX}/bulk`, () => arrays(100_000)],
    ["bulk: 100,000 levels of [ ] as the item list", `${TX}/bulk`, () => `{"transactions":${arrays(100_000)}}`],
    ['bulk: 100,000 levels of {"a": } as an item', `${TX}/bulk`, () => `{"transactions":[${objects(100_000)}]}`],
    ["update: 30,000 levels of [ ]", `${TX}/update/:id`, () => arrays(30_000)],
  ])("%s", async (_name, path, body) => {
    const text = body();
    expect(text.length).toBeLessThanOrEqual(path.endsWith("bulk") ? 2 * MiB : 64 * 1024);
    const before = await countOf(user.id);
    const res = await send(path.replace(":id", record.id), path.includes("update") ? "PUT" : "POST", user.token, text);
    await expectRejected(res, [400, 422]);
    expect(await countOf(user.id)).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

describe("SQL meta-characters in string fields", () => {
  const SQL_META = [
    "'; DROP TABLE transactions; --",
    "' OR 1=1 --",
    '" OR ""="',
    "1); DELETE FROM users; --",
    "%' OR description LIKE '%",
    "\\'; SELECT * FROM users; --",
    "Robert'); DROP TABLE audit_log;--",
  ];

  it.each(SQL_META)("description %j is stored verbatim (create and update)", async (value) => {
    const stored = await storedOrRejected(user.token, "description", value);
    expect(stored).not.toBeNull();
    const updated = await json<StoredRecord>(await updateRaw(user.token, record.id, JSON.stringify({ description: `${value} (2)` })), 200);
    expect((await readOne(user.token, record.id)).description).toBe(`${value} (2)`);
    record = updated;
  });

  it.each(SQL_META)("external_id %j is stored verbatim and a repeat is a 409", async (value) => {
    expect(await storedOrRejected(user.token, "external_id", value)).not.toBeNull();
    const repeat = await createRaw(
      user.token,
      JSON.stringify({ transaction_amount: "2.00", transaction_type: "credit", external_id: value }),
    );
    await expectProblem(repeat, 409);
  });

  it.each(["currency", "transaction_type", "status"])(
    "%s with SQL meta-characters is a 422 naming it, on create and update",
    async (field) => {
      for (const value of SQL_META) {
        const body = { transaction_amount: "1.00", transaction_type: "debit", [field]: value };
        expect(await validationPaths(await createRaw(user.token, JSON.stringify(body)))).toContain(field);
        expect(await validationPaths(await updateRaw(user.token, record.id, JSON.stringify({ [field]: value })))).toContain(field);
      }
    },
  );

  it.each(["currency", "status", "transaction_type", "from", "cursor"])(
    "list ?%s= with SQL meta-characters is a 422 naming it",
    async (key) => {
      for (const value of SQL_META) {
        const res = await call(`${TX}/all?${new URLSearchParams({ [key]: value })}`, authed(user.token));
        expect(await validationPaths(res)).toContain(key);
      }
    },
  );

  it("a sign-up username with SQL meta-characters is a 422 naming username", async () => {
    for (const username of SQL_META) {
      const res = await signUpRaw(JSON.stringify({ username, password: "correct horse battery", full_name: "Bobby Tables" }));
      expect(await validationPaths(res)).toContain("username");
    }
  });

  it("a full_name with SQL meta-characters is stored verbatim", async () => {
    for (const [i, fullName] of SQL_META.entries()) {
      const username = `tables_${i}_${crypto.randomUUID().slice(0, 8)}`;
      const signUp = await signUpRaw(JSON.stringify({ username, password: "correct horse battery", full_name: fullName }));
      expect((await json<{ full_name: string }>(signUp, 201)).full_name).toBe(fullName);
      const login = await call(`${USER}/login`, jsonInit("POST", { username, password: "correct horse battery" }));
      const token = (await json<{ access_token: string }>(login, 200)).access_token;
      expect((await json<{ full_name: string }>(await call(`${USER}/me`, authed(token)), 200)).full_name).toBe(fullName);
    }
  });

  it("a login with SQL meta-characters in username and password is a 401", async () => {
    for (const value of SQL_META) {
      const res = await call(`${USER}/login`, jsonInit("POST", { username: value, password: value }));
      expect(res.status).toBe(401);
    }
  });

  it("afterwards every table still exists and the user's rows are all there", async () => {
    expect(await tableNames()).toEqual(expect.arrayContaining(APP_TABLES));
    const listed = await json<{ data: StoredRecord[] }>(await call(`${TX}/all?limit=1000`, authed(user.token)), 200);
    expect(listed.data.map((r) => r.id).sort()).toEqual(
      (await rows("SELECT id FROM transactions WHERE user_id = ?", user.id)).map((r) => r.id).sort(),
    );
    expect(listed.data.length).toBeGreaterThanOrEqual(1 + 2 * SQL_META.length);
    expect(Number((await rows("SELECT COUNT(*) AS n FROM accounts"))[0]?.n)).toBeGreaterThan(SQL_META.length);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

describe("encoding attacks", () => {
  const INVALID_UTF8: [string, number[]][] = [
    ["a lone 0xFF byte", [0xff]],
    ["a lone continuation byte", [0x80]],
    ["an overlong encoding of '/'", [0xc0, 0xaf]],
    ["a truncated 3-byte sequence", [0xe2, 0x82]],
    ["a UTF-8-encoded surrogate", [0xed, 0xa0, 0x80]],
    ["a code point above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ];

  it.each(INVALID_UTF8)("%s in a JSON string is a 400 on create, update and sign-up", async (_name, bytes) => {
    const before = await countOf(user.id);
    await expectProblem(
      await createRaw(user.token, spliceBytes('{"transaction_amount":"1.00","transaction_type":"debit","description":"', bytes, '"}')),
      400,
    );
    await expectProblem(await updateRaw(user.token, record.id, spliceBytes('{"description":"', bytes, '"}')), 400);
    await expectProblem(
      await signUpRaw(spliceBytes('{"username":"utf8_check","password":"correct horse battery","full_name":"', bytes, '"}')),
      400,
    );
    expect(await countOf(user.id)).toBe(before);
    expect(await readOne(user.token, record.id)).toEqual(record);
  });

  it.each<[string, string, string, string]>([
    [
      "transaction_amount twice",
      '{"transaction_amount":"1","transaction_amount":"1000","transaction_type":"debit"}',
      `${TX}/create`,
      "transaction_amount",
    ],
    [
      "transaction_type twice, apart",
      '{"transaction_type":"debit","transaction_amount":"1","transaction_type":"credit"}',
      `${TX}/create`,
      "transaction_type",
    ],
    [
      "a repeat spelled with a \\u escape",
      '{"transaction_amount":"1","transaction_type":"debit","transaction\\u005famount":"1000"}',
      `${TX}/create`,
      "transaction_amount",
    ],
    ["a repeat in an update", '{"transaction_amount":"1","transaction_amount":"1000"}', `${TX}/update/:id`, "transaction_amount"],
    [
      "a repeat inside one bulk item",
      '{"transactions":[{"transaction_amount":"1","transaction_type":"debit","transaction_amount":"1000"}]}',
      `${TX}/bulk`,
      "transaction_amount",
    ],
    [
      "a repeat in a sign-up",
      '{"username":"dupkey_user","password":"correct horse battery","full_name":"A","full_name":"B"}',
      `${USER}/sign_up`,
      "full_name",
    ],
  ])("duplicate keys (%s) are a 400 problem naming the key; nothing is stored", async (_name, body, path, key) => {
    const before = await countOf(user.id);
    const res = await send(path.replace(":id", record.id), path.includes("update") ? "PUT" : "POST", user.token, body);
    const problem = await expectProblem(res, 400);
    expect(problem.detail).toContain(JSON.stringify(key));
    expect(await countOf(user.id)).toBe(before);
    expect(await readOne(user.token, record.id)).toEqual(record);
  });

  it("control: the same key in two bulk items, or inside a string value, is not a duplicate", async () => {
    const item = '{"transaction_amount":"1.00","transaction_type":"debit"}';
    expect((await bulkRaw(user.token, `{"transactions":[${item},${item}]}`)).status).toBe(201);
    const quoted = '{"transaction_amount":"1.00","transaction_type":"debit","description":"\\"transaction_amount\\":\\"9\\""}';
    expect((await createRaw(user.token, quoted)).status).toBe(201);
  });

  it.each([
    ["description", "a\u0000b"],
    ["description", "\u0000"],
    ["external_id", "ext\u0000id"],
  ])("a null byte in %s (escaped in JSON) is stored verbatim or rejected with 422", async (field, value) => {
    await storedOrRejected(user.token, field, value);
  });

  it("a null byte in a sign-up: username is a 422, full_name is stored verbatim or a 422", async () => {
    const password = "correct horse battery";
    expect(await validationPaths(await signUpRaw(JSON.stringify({ username: "nul\u0000user", password, full_name: "N" })))).toContain(
      "username",
    );
    const username = `nul_${crypto.randomUUID().slice(0, 8)}`;
    const res = await signUpRaw(JSON.stringify({ username, password, full_name: "Nul\u0000l" }));
    if (res.status === 422) {
      expect(await validationPaths(res)).toContain("full_name");
    } else {
      expect((await json<{ full_name: string }>(res, 201)).full_name).toBe("Nul\u0000l");
      const token = (await json<{ access_token: string }>(await call(`${USER}/login`, jsonInit("POST", { username, password })), 200))
        .access_token;
      expect((await json<{ full_name: string }>(await call(`${USER}/me`, authed(token)), 200)).full_name).toBe("Nul\u0000l");
    }
  });

  it("a raw (unescaped) null byte inside a JSON string is a 400", async () => {
    await expectProblem(
      await createRaw(user.token, '{"transaction_amount":"1.00","transaction_type":"debit","description":"a\u0000b"}'),
      400,
    );
  });

  it.each([
    ["a lone high surrogate", "\\ud800"],
    ["a lone low surrogate between letters", "x\\udc00y"],
    ["two high surrogates", "\\udbff\\udbff"],
    ["half an emoji", "smile \\ud83d"],
  ])("%s (\\u escapes) in description is stored (as sent or with U+FFFD) or rejected, never a 500", async (_name, escaped) => {
    const original = JSON.parse(`"${escaped}"`) as string;
    // JSON.stringify writes each unpaired surrogate back as the same \u escape.
    expect(JSON.stringify(original)).toBe(`"${escaped}"`);
    const stored = await storedOrRejected(user.token, "description", original, [original, wellFormed(original)]);
    if (stored === null) return;
    expect((await call(`${TX}/all?limit=1000`, authed(user.token))).status).toBe(200);
    const exported = await call(`${TX}/export`, authed(user.token));
    expect(exported.status).toBe(200);
    expect(await exported.text()).toContain(stored.id);
  });
});

it("after all the hostile input, every table exists and the rollups still equal the rows", async () => {
  expect(await tableNames()).toEqual(expect.arrayContaining(APP_TABLES));
  const report = await integrityReportAll(env);
  expect(report.mismatches).toEqual([]);
  expect(report.ok).toBe(true);
  expect(report.transactions).toBeGreaterThan(0);
});
