import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { problem } from "../helpers";

/** The JSON body of a response that must have `status` (the body is shown when it does not). */
export async function json<T>(res: Response, status: number): Promise<T> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Asserts an RFC 9457 problem+json answer with `status` and every member filled in; returns its body. */
export async function expectProblem(res: Response, status: number) {
  expect(res.status, await res.clone().text()).toBe(status);
  const body = await problem(res);
  for (const key of ["type", "title", "detail", "request_id"] as const) {
    expect(typeof body[key], key).toBe("string");
    expect(body[key].length, key).toBeGreaterThan(0);
  }
  return body;
}

/** Asserts a 422 problem and returns the paths its errors name. */
export async function validationPaths(res: Response): Promise<string[]> {
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

/** Rows of a read-only query, for before/after snapshots of storage. */
export async function rows(query: string, ...params: unknown[]): Promise<Record<string, unknown>[]> {
  return (
    await env.DB.prepare(query)
      .bind(...params)
      .all<Record<string, unknown>>()
  ).results;
}

/** The application tables every suite expects to survive hostile input. */
export const APP_TABLES = ["analytics_state", "audit_log", "daily_rollups", "idempotency_keys", "login_failures", "transactions", "users"];

export async function tableNames(): Promise<string[]> {
  return (await rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map((r) => String(r.name));
}

/** A copy of `value` without `keys`. */
export function omitKeys<T extends object>(value: T, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k)));
}
