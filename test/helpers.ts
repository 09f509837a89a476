import { exports } from "cloudflare:workers";
import { expect } from "vitest";

export const BASE = "http://finanalyze.test";

/** Calls the Worker's own fetch handler (real routing, real D1). */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
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
  created_at: string;
  updated_at: string;
}

export async function createTransaction(token: string, body: Record<string, unknown>): Promise<TransactionRecord> {
  const res = await call("/api/v1/transaction/create", jsonInit("POST", body, token));
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as TransactionRecord;
}

export async function problem(res: Response) {
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
