/** Calling the Worker under test: its own fetch handler (real routing, real D1), raw or through hc<AppType>. */
import { exports } from "cloudflare:workers";
import { hc } from "hono/client";
import { expect } from "vitest";
import type { AppType } from "../../src/app";

export const BASE = "http://finanalyze.test";

/** Calls the Worker's own fetch handler (real routing, real D1). */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

/** The typed client (`hc<AppType>`, as in examples/client.ts) over the same fetch handler, optionally with a token. */
export function api(token?: string) {
  return hc<AppType>(BASE, {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)),
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

export function jsonInit(method: string, body: unknown, token?: string, headers: Record<string, string> = {}): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

export function authed(token: string, init: RequestInit = {}): RequestInit {
  return { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } };
}

let counter = 0;

export interface TestUser {
  id: string;
  username: string;
  password: string;
  fullName: string;
  token: string;
}

/** Signs up a fresh user and logs in. */
export async function newUser(prefix = "user"): Promise<TestUser> {
  counter += 1;
  const username = `${prefix}_${counter}_${crypto.randomUUID().slice(0, 8)}`;
  const password = "correct horse battery";
  const fullName = `Test ${prefix} ${counter}`;
  const signUp = await call("/api/v1/user/sign_up", jsonInit("POST", { username, password, full_name: fullName }));
  if (signUp.status !== 201) throw new Error(`sign_up failed: ${signUp.status} ${await signUp.text()}`);
  const login = await call("/api/v1/user/login", jsonInit("POST", { username, password }));
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const body = (await login.json()) as { access_token: string; user: { id: string } };
  return { id: body.user.id, username, password, fullName, token: body.access_token };
}

export interface TransactionRecord {
  id: string;
  user_id: string;
  full_name: string;
  transaction_date: string;
  date_only: boolean;
  transaction_amount: string;
  transaction_type: "credit" | "debit";
  currency: string;
  status: string;
  description: string | null;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

export async function createTransaction(token: string, body: Record<string, unknown>): Promise<TransactionRecord> {
  const res = await call("/api/v1/transaction/create", jsonInit("POST", body, token));
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as TransactionRecord;
}

/** A fetch Response or a typed client's (hc) response. */
export type ResponseLike = { status: number; headers: Headers; clone(): { text(): Promise<string> }; json(): Promise<unknown> };

/** The JSON body of a response that must have `status` (the body is shown when it does not). */
export async function json<T>(res: ResponseLike & { text(): Promise<string> }, status: number): Promise<T> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Asserts an RFC 9457 problem+json answer whose status matches the response's; returns its body. */
export async function problem(res: ResponseLike) {
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as {
    type: string;
    title: string;
    status: number;
    detail: string;
    request_id: string;
    errors?: { path: string; message: string }[];
  };
  expect(body.status).toBe(res.status);
  expect(typeof body.request_id).toBe("string");
  return body;
}

/** Asserts an RFC 9457 problem+json answer with `status` and every member filled in; returns its body. */
export async function expectProblem(res: ResponseLike, status: number) {
  expect(res.status, await res.clone().text()).toBe(status);
  const body = await problem(res);
  for (const key of ["type", "title", "detail", "request_id"] as const) {
    expect(typeof body[key], key).toBe("string");
    expect(body[key].length, key).toBeGreaterThan(0);
  }
  return body;
}

/** Asserts a 422 problem and returns the paths its errors name. */
export async function validationPaths(res: ResponseLike): Promise<string[]> {
  const body = await expectProblem(res, 422);
  expect(Array.isArray(body.errors), JSON.stringify(body)).toBe(true);
  return (body.errors ?? []).map((e) => e.path);
}

const ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** A well-formed transaction id that no row has (128 random bits, like the real ones). */
export function unknownTransactionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(26));
  return `txn_${[...bytes].map((b) => ID_ALPHABET[b % 32]).join("")}`;
}

/** A copy of `value` without `keys`. */
export function omitKeys<T extends object>(value: T, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k)));
}
