import { env } from "cloudflare:workers";
import fc from "fast-check";
import { sign } from "hono/jwt";
import { beforeAll, describe, expect, it } from "vitest";
import { integrityReportAll } from "../src/dev/integrity";
import { isCurrency } from "../src/lib/currencies";
import {
  APP_TABLES,
  authed,
  bruteForceAnalytics,
  call,
  createTransaction,
  json,
  jsonInit,
  newUser,
  rows,
  storedRows,
  type TestUser,
  tableNames,
} from "./harness";

/**
 * Seeded, reproducible fuzzing of the whole HTTP surface. Every response must be below 500, and every
 * error must be an RFC 9457 problem; afterwards the rollups must still equal the rows and the fuzz
 * user's analytics must equal a brute force over their rows. Re-run with the same SEED to reproduce.
 */

const SEED = 20261125;
const RUNS = { anyRoute: 2600, writeBodies: 1700, readQueries: 900 };
const TOTAL_RUNS = RUNS.anyRoute + RUNS.writeBodies + RUNS.readQueries;
const TEST_SECRET = "test-secret-that-is-at-least-32-bytes-long!!";
const TX = "/api/v1/transaction";
/** Currencies the brute-force reference knows; generated bodies use no other valid code. */
const REFERENCE_CURRENCIES = ["USD", "JPY", "KWD"];
/** Replaced by a per-request counter, so login usernames rarely repeat (see `bodyText`). */
const SEQ = "{{seq}}";
/** "{{own:N}}" in a path is replaced by one of the fuzz user's current transaction ids when sent. */
const OWN = /\{\{own:(\d+)\}\}/g;

// ---------------------------------------------------------------------------------------------------------------------
// Requests

type Payload = string | Uint8Array;
type Auth = { kind: "valid" } | { kind: "none" } | { kind: "raw"; value: string };

interface FuzzRequest {
  /** The route's template, for the outcome tally. */
  route: string;
  method: string;
  path: string;
  query: string;
  auth: Auth;
  headers: Record<string, string>;
  body?: Payload;
}

interface FuzzState {
  user: TestUser;
  token: string;
  tokenVersion: number;
  victim: TestUser;
  ownIds: string[];
  victimIds: string[];
  sent: number;
  /** "METHOD /path/template STATUS" -> count, to show what the run reached. */
  outcomes: Map<string, number>;
}

/** A readable, ASCII-only description (JSON escapes lone surrogates, which Vitest's reporter cannot carry). */
function describeRequest(req: FuzzRequest): string {
  const body = req.body instanceof Uint8Array ? `<${req.body.byteLength} bytes>` : req.body?.slice(0, 300);
  return JSON.stringify({ ...req, body });
}

function bodyText(body: Payload | undefined, seq: number): Payload | undefined {
  return typeof body === "string" ? body.replaceAll(SEQ, String(seq)) : body;
}

async function mintToken(state: FuzzState): Promise<void> {
  const row = (await rows("SELECT token_version FROM users WHERE id = ?", state.user.id))[0];
  state.tokenVersion = Number(row?.token_version);
  const iat = Math.floor(Date.now() / 1000);
  state.token = await sign({ sub: state.user.id, iat, exp: iat + 3600, iss: "finanalyze", tv: state.tokenVersion }, TEST_SECRET, "HS256");
}

/** Fuzzed logouts and password changes revoke the fuzz user's token: mint a fresh one when that happens. */
async function keepTokenValid(state: FuzzState): Promise<void> {
  const row = (await rows("SELECT token_version FROM users WHERE id = ?", state.user.id))[0];
  if (Number(row?.token_version) !== state.tokenVersion) await mintToken(state);
}

function checkResponse(state: FuzzState, req: FuzzRequest, res: Response, text: string): void {
  const where = `${describeRequest(req)} -> ${res.status} ${JSON.stringify(text.slice(0, 400))}`;
  expect(res.status, where).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.headers.get("content-type") ?? "", where).toMatch(/^application\/problem\+json/);
    let problem: Record<string, unknown> = {};
    expect(() => (problem = JSON.parse(text) as Record<string, unknown>), where).not.toThrow();
    for (const key of ["type", "title", "detail", "request_id"]) {
      expect(typeof problem[key], `${key} in ${where}`).toBe("string");
    }
    expect(problem.status, where).toBe(res.status);
  }
  if (res.ok) {
    for (const id of [state.victim.id, ...state.victimIds]) expect(text.includes(id), `leaks ${id}: ${where}`).toBe(false);
  }
}

/** The fuzz user's current transaction ids (creates and deletes change them as the run goes). */
async function refreshOwnIds(state: FuzzState): Promise<void> {
  const own = await rows("SELECT id FROM transactions WHERE user_id = ? ORDER BY created_at DESC, id LIMIT 100", state.user.id);
  state.ownIds = own.map((r) => String(r.id));
}

async function send(state: FuzzState, generated: FuzzRequest): Promise<void> {
  state.sent += 1;
  const ownId = (n: string) => state.ownIds[Number(n) % Math.max(1, state.ownIds.length)] ?? `txn_${"0".repeat(26)}`;
  const req = { ...generated, path: generated.path.replace(OWN, (_m, n: string) => ownId(n)) };
  const headers = { ...req.headers };
  if (req.auth.kind === "valid") headers.authorization = `Bearer ${state.token}`;
  if (req.auth.kind === "raw") headers.authorization = req.auth.value;
  const init: RequestInit = { method: req.method, headers };
  if (req.body !== undefined && req.method !== "GET") init.body = bodyText(req.body, state.sent);
  const res = await call(`${req.path}${req.query}`, init);
  const outcome = `${req.method} ${req.route} ${res.status}`;
  state.outcomes.set(outcome, (state.outcomes.get(outcome) ?? 0) + 1);
  checkResponse(state, req, res, await res.text());
  if (res.ok && req.method === "POST") await keepTokenValid(state);
  if (res.ok && req.method !== "GET") await refreshOwnIds(state);
}

// ---------------------------------------------------------------------------------------------------------------------
// Arbitraries: scalar pieces

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
const ascii = (maxLength: number) => fc.string({ maxLength });
const unicode = (maxLength: number) => fc.string({ unit: "grapheme", maxLength });

/** `arb` in `percent` % of the cases, else `nil`. */
function withChance<T, N>(arb: fc.Arbitrary<T>, percent: number, nil: N): fc.Arbitrary<T | N> {
  return fc.oneof({ weight: 100 - percent, arbitrary: fc.constant(nil) }, { weight: percent, arbitrary: arb });
}

/** Whether a raw JSON value is a currency code the brute-force reference does not know. */
function isForeignCurrency(raw: string): boolean {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === "string" && isCurrency(value.toUpperCase()) && !REFERENCE_CURRENCIES.includes(value.toUpperCase());
  } catch {
    return false;
  }
}

const SQL_META = ["'; DROP TABLE transactions; --", "' OR 1=1 --", "1); DELETE FROM users; --", '" OR ""="'];

/** Hostile JSON values, as raw JSON text (so -0, 1e400 and 400-digit numbers reach the server as sent). */
const hostileRaw: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "1e400",
      "-0",
      "1e3",
      "-1",
      "0",
      "0.001",
      "9".repeat(400),
      "123456789012345678901234567890",
      "true",
      "false",
      "null",
      "[]",
      "{}",
      "[[[[[[[[]]]]]]]]",
      '{"a":{"a":{"a":[]}}}',
      '"\\ud800"',
      '"a\\u0000b"',
      '"x\\udc00"',
      ...[
        "NaN",
        "Infinity",
        "-Infinity",
        "١٢٣",
        "１２３",
        " 12",
        "12 ",
        "0x10",
        "-0",
        "1e3",
        "",
        " ",
        "2026-02-30",
        "9999-12-31T23:59:60Z",
      ].map((s) => JSON.stringify(s)),
      ...["USD", "usd", "XXX", "US", "credit", "debit", "CREDIT", "success", "pending", "failed", "x".repeat(10_000), "é".repeat(600)].map(
        (s) => JSON.stringify(s),
      ),
      ...SQL_META.map((s) => JSON.stringify(s)),
    ),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: unicode(60).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.bigInt()).map(String) },
);

const quoted = (...values: string[]) => fc.constantFrom(...values.map((v) => JSON.stringify(v)));

/** Mostly valid values per field, so many requests get past validation and really write. */
const VALID: Record<string, fc.Arbitrary<string>> = {
  transaction_amount: fc.oneof(
    quoted("1.00", "0.01", "999999999999.99", "1000000000000", "12", "1.234", "5000"),
    fc.integer({ min: 1, max: 10_000_000 }).map((n) => JSON.stringify(`${Math.floor(n / 100)}.${String(n % 100).padStart(2, "0")}`)),
    fc.integer({ min: 1, max: 1_000_000 }).map(String),
  ),
  transaction_type: quoted("credit", "debit"),
  transaction_date: quoted(
    "2026-01-31",
    "2026-02-28T23:59:59Z",
    "2026-03-01T00:30:00+02:00",
    "2025-12-31T22:00:00-05:00",
    "2026-11-25T10:00:00.123456+05:30",
  ),
  currency: quoted(...REFERENCE_CURRENCIES, "usd", "kwd"),
  status: quoted("pending", "success", "failed"),
  description: fc.oneof(
    fc.constant("null"),
    unicode(40).map((s) => JSON.stringify(s)),
    quoted(...SQL_META),
  ),
  external_id: fc.oneof(
    fc.constant("null"),
    ascii(20).map((s) => JSON.stringify(`ext-${s}`)),
  ),
  username: fc.oneof(
    quoted(`fuzz_${SEQ}`, `FUZZ.${SEQ}`),
    ascii(8).map((s) => JSON.stringify(`${s}${SEQ}`)),
  ),
  password: fc.oneof(
    quoted("correct horse battery", "p".repeat(128)),
    ascii(20).map((s) => JSON.stringify(s)),
  ),
  full_name: fc.oneof(
    unicode(30).map((s) => JSON.stringify(s)),
    quoted(...SQL_META),
  ),
  email: quoted("fuzz@example.com", "not-an-email", "a@b"),
  current_password: ascii(20).map((s) => JSON.stringify(s)),
  new_password: ascii(20).map((s) => JSON.stringify(s)),
};

/** A JSON object with the route's field names: mostly valid values, some hostile, sometimes extra or repeated keys. */
function objectOf(required: string[], optional: string[] = []): fc.Arbitrary<string> {
  const field = (name: string, percent: number) =>
    withChance(
      fc
        .oneof({ weight: 6, arbitrary: VALID[name] ?? hostileRaw }, { weight: 1, arbitrary: hostileRaw })
        .map((raw): [string, string] => [name, raw]),
      percent,
      null,
    );
  const extra = withChance(
    fc.array(fc.tuple(fc.oneof(fc.constantFrom(...required, ...optional, "extra", "__proto__", "constructor"), ascii(12)), hostileRaw), {
      minLength: 1,
      maxLength: 2,
    }),
    15,
    [],
  );
  return fc
    .tuple(fc.tuple(...required.map((n) => field(n, 95)), ...optional.map((n) => field(n, 40))), extra)
    .map(([fields, more]) => [...fields.filter((f): f is [string, string] => f !== null), ...more])
    .filter((pairs) => !pairs.some(([key, raw]) => key === "currency" && isForeignCurrency(raw)))
    .map((pairs) => `{${pairs.map(([k, raw]) => `${JSON.stringify(k)}:${raw}`).join(",")}}`);
}

const TRANSACTION_OPTIONAL = ["transaction_date", "currency", "status", "description", "external_id"];
const transactionObject = objectOf(["transaction_amount", "transaction_type"], TRANSACTION_OPTIONAL);

const CSV_COLUMNS = [
  "transaction_date",
  "transaction_amount",
  "transaction_type",
  "currency",
  "status",
  "description",
  "external_id",
  "id",
  "created_at",
];
const CSV_VALID: Record<string, string[]> = {
  transaction_date: ["2026-01-31", "2026-02-28T23:59:59Z"],
  transaction_amount: ["1.00", "12", "0.5"],
  transaction_type: ["credit", "debit"],
  currency: ["USD", "jpy", "KWD"],
  status: ["success", "pending"],
};
const csvHostile = fc.oneof(
  fc.constantFrom(
    "",
    '"unbalanced',
    "a,b",
    '"quoted ""x"""',
    "1e3",
    "-0",
    "١٢٣",
    "=cmd|' /C calc'!A0",
    "\u0000",
    "line\nbreak",
    ...SQL_META,
  ),
  ascii(20),
);

function csvCell(column: string): fc.Arbitrary<string> {
  const valid = CSV_VALID[column];
  const cell = valid ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: csvHostile }) : csvHostile;
  return column === "currency" ? cell.filter((v) => !isForeignCurrency(JSON.stringify(v))) : cell;
}

const csvBody: fc.Arbitrary<string> = fc
  .tuple(fc.shuffledSubarray([...CSV_COLUMNS, "bogus"], { minLength: 1 }), fc.constantFrom("\n", "\r\n", "\r"), fc.boolean())
  .chain(([columns, eol, bom]) =>
    fc
      .array(fc.tuple(...columns.map(csvCell)), { maxLength: 6 })
      .map((lines) => `${bom ? "\ufeff" : ""}${[columns, ...lines].map((cells) => cells.join(",")).join(eol)}${eol}`),
  );

const INVALID_JSON = [
  "{",
  '{"a":',
  "[1,]",
  "{'a':1}",
  "NaN",
  '{"transaction_amount":1,}',
  "\u0000",
  "nul",
  '{"a":1}}',
  '"unterminated',
  '{"a":1}garbage',
  "\ufeff{}",
];

/** Bodies that ignore the route: random JSON, invalid JSON, random bytes, deep nesting, nothing. */
const genericBody: fc.Arbitrary<Payload | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v): Payload => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...INVALID_JSON), ascii(40)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 30_000 }).map((n) => "[".repeat(n) + "]".repeat(n)) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

// ---------------------------------------------------------------------------------------------------------------------
// Arbitraries: routes and whole requests

type BodyKind = "none" | "create" | "update" | "bulk" | "csv" | "login" | "signUp" | "changePassword";

interface Route {
  method: string;
  path: (id: string) => string;
  body: BodyKind;
}

const ROUTES: Route[] = [
  { method: "POST", path: () => "/api/v1/user/sign_up", body: "signUp" },
  { method: "POST", path: () => "/api/v1/user/login", body: "login" },
  { method: "GET", path: () => "/api/v1/user/me", body: "none" },
  { method: "POST", path: () => "/api/v1/user/logout", body: "none" },
  { method: "POST", path: () => "/api/v1/user/change_password", body: "changePassword" },
  { method: "GET", path: () => "/api/v1/user/audit", body: "none" },
  { method: "POST", path: () => `${TX}/create`, body: "create" },
  { method: "GET", path: () => `${TX}/all`, body: "none" },
  { method: "GET", path: (id) => `${TX}/${id}`, body: "none" },
  { method: "PUT", path: (id) => `${TX}/update/${id}`, body: "update" },
  { method: "DELETE", path: (id) => `${TX}/delete/${id}`, body: "none" },
  { method: "POST", path: () => `${TX}/bulk`, body: "bulk" },
  { method: "POST", path: () => `${TX}/import`, body: "csv" },
  { method: "GET", path: () => `${TX}/export`, body: "none" },
  { method: "GET", path: (id) => `${TX}/analytics/${id}`, body: "none" },
  { method: "GET", path: (id) => `/api/v1/${id}`, body: "none" },
  { method: "GET", path: () => "/health", body: "none" },
  { method: "GET", path: () => "/openapi.json", body: "none" },
];
const WRITE_ROUTES = ROUTES.filter((r) => r.body !== "none");
const READ_ROUTES = ROUTES.filter((r) => r.method === "GET" && r.path("x").startsWith("/api/"));

/** The route's own body, with the content type it expects. */
const SPECIFIC_BODY: Record<Exclude<BodyKind, "none">, fc.Arbitrary<{ body: Payload; type: string }>> = {
  create: transactionObject.map((body) => ({ body, type: "application/json" })),
  update: objectOf([], ["transaction_amount", "transaction_type", ...TRANSACTION_OPTIONAL]).map((body) => ({
    body,
    type: "application/json",
  })),
  bulk: fc
    .oneof(
      fc.array(transactionObject, { minLength: 1, maxLength: 5 }).map((items) => `{"transactions":[${items.join(",")}]}`),
      hostileRaw.map((raw) => `{"transactions":${raw}}`),
    )
    .map((body) => ({ body, type: "application/json" })),
  csv: csvBody.map((body) => ({ body, type: "text/csv" })),
  login: fc.oneof(
    objectOf(["username", "password"]).map((body) => ({ body, type: "application/json" })),
    fc.tuple(ascii(10), ascii(20), fc.constantFrom("password", "client_credentials", "")).map(([name, password, grant]) => ({
      body: new URLSearchParams({ username: `${name}${SEQ}`, password, grant_type: grant }).toString(),
      type: "application/x-www-form-urlencoded",
    })),
  ),
  signUp: objectOf(["username", "password", "full_name"], ["email"]).map((body) => ({ body, type: "application/json" })),
  changePassword: objectOf(["current_password", "new_password"]).map((body) => ({ body, type: "application/json" })),
};

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/merge-patch+json",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=fuzz",
  "text/csv",
  "text/csv; charset=latin1",
  "text/plain",
  "application/octet-stream",
  "garbage",
  ";;;",
  "application/",
  "",
];

const garbageAuth = fc.oneof(
  fc.constantFrom(
    "Bearer",
    "Bearer ",
    "Bearer a.b.c",
    "Basic Zm9vOmJhcg==",
    `Bearer ${"x".repeat(8000)}`,
    "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
    "bearer  two  spaces",
    "Token abc",
    "Bearer ../../etc/passwd",
    "Bearer ' OR 1=1 --",
  ),
  ascii(60).map((s) => `Bearer ${s}`),
  ascii(60),
);

const authArb: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: "valid" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
  { weight: 2, arbitrary: garbageAuth.map((value) => ({ kind: "raw" as const, value })) },
);

const tagArb = fc.oneof(fc.constantFrom("*", '"abc"', 'W/"abc"', '"a", "b"', '""', "garbage", '"', "W/"), ascii(40));

const HOSTILE_IDS = [
  "",
  "me",
  "../",
  "..%2F..%2Fuser%2Fme",
  "%00",
  "%2e%2e",
  "' OR 1=1 --",
  "1;DROP TABLE transactions",
  `txn_${"0".repeat(26)}`,
  "x".repeat(5000),
  "😀💥",
  "ｔｘｎ",
  "%",
  "%zz",
  "?limit=1",
  "#frag",
  "a/b",
  "null",
  "undefined",
  "__proto__",
  "constructor",
  " ",
  "%20",
  "TXN_" + "A".repeat(26),
];

const QUERY_KEYS = [
  "limit",
  "cursor",
  "from",
  "to",
  "currency",
  "status",
  "transaction_type",
  "atomic",
  "dry_run",
  "",
  "__proto__",
  "limit[]",
];
const QUERY_VALUES = [
  "-1",
  "0",
  "1",
  "1e9",
  "1000",
  "1001",
  "201",
  "NaN",
  "abc",
  "",
  "2026-02-30",
  "2026-13-01",
  "2026-11-25",
  "2026-11-25T10:00:00Z",
  "usd",
  "USD",
  "XXX",
  "jpy",
  "kwd",
  "credit",
  "debit",
  "pending",
  "true",
  "false",
  "yes",
  "' OR 1=1 --",
  "not-a-cursor",
  btoa("2026-01-01T00:00:00.000Z|txn_x"),
  btoa("garbage"),
  "x".repeat(300),
  "%00",
];

const queryArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), ascii(10)), fc.oneof(fc.constantFrom(...QUERY_VALUES), unicode(40))), {
        maxLength: 4,
      })
      .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs)}` : "")),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom("?%zz", "?&&&", "?=", "?limit", "?limit=1&limit=2", "?a=%ff%fe", "?currency=%00", "?cursor=%E2%80%AE"),
  },
);

function idArb(state: FuzzState): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_IDS) },
    { weight: 2, arbitrary: unicode(80).map(encodeURIComponent) },
    { weight: 1, arbitrary: unicode(20) },
    { weight: 4, arbitrary: fc.nat(1000).map((n) => `{{own:${n}}}`) },
    { weight: 1, arbitrary: fc.constant(state.user.id) },
    { weight: 2, arbitrary: fc.constantFrom(...state.victimIds, state.victim.id) },
  );
}

/** Weights, each against 4 for the usual choice (the route's own method, its own body, no query string). */
interface Profile {
  routes: Route[];
  randomMethod: number;
  genericBody: number;
  query: number;
}

function requestArb(state: FuzzState, profile: Profile): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      route: fc.constantFrom(...profile.routes),
      randomMethod: fc.oneof(
        { weight: 4, arbitrary: fc.constant(null) },
        { weight: profile.randomMethod, arbitrary: fc.constantFrom(...METHODS) },
      ),
      id: idArb(state),
      query: fc.oneof({ weight: 4, arbitrary: fc.constant("") }, { weight: profile.query, arbitrary: queryArb }),
      auth: authArb,
      // null: the body's own content type; undefined: no content-type header at all.
      contentType: withChance(withChance(fc.constantFrom(...CONTENT_TYPES), 80, undefined), 15, null),
      idempotencyKey: withChance(fc.oneof(fc.constantFrom("", " ", "k", "k".repeat(256), "\t"), ascii(40)), 25, undefined),
      ifMatch: withChance(tagArb, 20, undefined),
      ifNoneMatch: withChance(tagArb, 15, undefined),
    })
    .chain((r) => {
      const specific = r.route.body === "none" ? null : SPECIFIC_BODY[r.route.body];
      const body: fc.Arbitrary<{ body?: Payload; type?: string }> = specific
        ? fc.oneof({ weight: 4, arbitrary: specific }, { weight: profile.genericBody, arbitrary: genericBody.map((b) => ({ body: b })) })
        : fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: genericBody.map((b) => ({ body: b })) });
      return body.map((b): FuzzRequest => {
        const headers: Record<string, string> = {};
        const contentType = r.contentType === null ? (b.type ?? (b.body === undefined ? undefined : "application/json")) : r.contentType;
        if (contentType !== undefined) headers["content-type"] = contentType;
        if (r.idempotencyKey !== undefined) headers["idempotency-key"] = r.idempotencyKey;
        if (r.ifMatch !== undefined) headers["if-match"] = r.ifMatch;
        if (r.ifNoneMatch !== undefined) headers["if-none-match"] = r.ifNoneMatch;
        return {
          route: r.route.path("{id}"),
          method: r.randomMethod ?? r.route.method,
          path: r.route.path(r.id),
          query: r.query,
          auth: r.auth,
          headers,
          body: b.body,
        };
      });
    });
}

// ---------------------------------------------------------------------------------------------------------------------

describe(`fuzz (seed ${SEED})`, () => {
  const state = {} as FuzzState;
  let victimRowsBefore: Record<string, unknown>[];

  beforeAll(async () => {
    const [user, victim] = [await newUser("fuzz"), await newUser("victim")];
    // A password no generator produces, so fuzzed change_password calls can only fail.
    const password = `pw-${crypto.randomUUID()}`;
    const changed = await call(
      "/api/v1/user/change_password",
      jsonInit("POST", { current_password: user.password, new_password: password }, user.token),
    );
    expect(changed.status).toBe(200);
    Object.assign(state, { user: { ...user, password }, victim, ownIds: [], victimIds: [], sent: 0, outcomes: new Map() });
    await mintToken(state);
    const body = (i: number) => ({
      transaction_amount: `${i + 1}.00`,
      transaction_type: i % 2 ? "credit" : "debit",
      transaction_date: `2026-0${i + 1}-15`,
    });
    for (let i = 0; i < 4; i++) await createTransaction(state.token, body(i));
    await refreshOwnIds(state);
    for (let i = 0; i < 3; i++) state.victimIds.push((await createTransaction(victim.token, body(i))).id);
    victimRowsBefore = await rows("SELECT * FROM transactions WHERE user_id = ? ORDER BY id", victim.id);
  });

  function run(profile: Profile, seed: number, numRuns: number) {
    // endOnFailure: report the first failing request as generated instead of shrinking through more live requests.
    return fc.assert(
      fc.asyncProperty(requestArb(state, profile), (req) => send(state, req)),
      { seed, numRuns, endOnFailure: true },
    );
  }

  it(`any method on any route with random ids, queries, headers and bodies (seed ${SEED}, ${RUNS.anyRoute} requests)`, async () => {
    await run({ routes: ROUTES, randomMethod: 1, genericBody: 2, query: 2 }, SEED, RUNS.anyRoute);
  }, 120_000);

  it(`write routes with hostile bodies (seed ${SEED + 1}, ${RUNS.writeBodies} requests)`, async () => {
    await run({ routes: WRITE_ROUTES, randomMethod: 1, genericBody: 1, query: 1 }, SEED + 1, RUNS.writeBodies);
  }, 120_000);

  it(`read routes with hostile ids and query strings (seed ${SEED + 2}, ${RUNS.readQueries} requests)`, async () => {
    await run({ routes: READ_ROUTES, randomMethod: 1, genericBody: 1, query: 16 }, SEED + 2, RUNS.readQueries);
  }, 120_000);

  it(`after ${TOTAL_RUNS} requests: rollups equal rows, analytics equal a brute force, the victim is untouched`, async () => {
    expect(state.sent).toBe(TOTAL_RUNS);
    expect(TOTAL_RUNS).toBeGreaterThanOrEqual(5000);

    const report = await integrityReportAll(env);
    expect(report.mismatches).toEqual([]);
    expect(report.ok).toBe(true);
    expect(await tableNames()).toEqual(expect.arrayContaining(APP_TABLES));

    const tally = JSON.stringify([...state.outcomes].sort(), null, 1);
    // Not vacuous: every route was also reached successfully, not only refused (login and change_password
    // cannot succeed by design: no generator knows a password).
    const succeeded = new Set([...state.outcomes.keys()].filter((key) => / 2\d\d$/.test(key)).map((key) => key.replace(/ \d+$/, "")));
    for (const route of ROUTES.filter((r) => !/login|change_password|\/api\/v1\/\{id\}/.test(r.path("{id}")))) {
      expect(
        succeeded.has(`${route.method} ${route.path("{id}")}`),
        `${route.method} ${route.path("{id}")} never succeeded: ${tally}`,
      ).toBe(true);
    }
    const mine = await storedRows(state.user.id);
    // Not vacuous: the fuzz really wrote (creates, bulk and imports) in several currencies.
    expect(mine.length, tally).toBeGreaterThanOrEqual(50);
    const currencies = [...new Set(mine.map((r) => r.currency))].sort();
    expect(currencies.length).toBeGreaterThanOrEqual(2);
    expect(REFERENCE_CURRENCIES).toEqual(expect.arrayContaining(currencies));
    await mintToken(state);
    for (const currency of [undefined, ...currencies]) {
      const res = await call(`${TX}/analytics/me${currency ? `?currency=${currency}` : ""}`, authed(state.token));
      const { computed_at, stale, user_id, time_zone, ...figures } = await json<Record<string, unknown>>(res, 200);
      expect(time_zone).toBe("UTC");
      expect(typeof computed_at).toBe("string");
      expect(stale).toBe(false);
      expect(user_id).toBe(state.user.id);
      expect(figures, `currency=${currency ?? "(default)"}`).toStrictEqual(bruteForceAnalytics(mine, currency));
    }

    expect(await rows("SELECT * FROM transactions WHERE user_id = ? ORDER BY id", state.victim.id)).toStrictEqual(victimRowsBefore);
  });
});
