import { isLocal } from "./environment";

/** One structured JSON line per event. Callers pass only safe fields: never secrets, tokens or passwords. */
export function logEvent(event: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ event, time: new Date().toISOString(), ...fields }));
}

export interface RequestLine {
  requestId: string;
  method: string;
  /** The matched route's pattern, not the path: no ids or query strings in the log. */
  route: string;
  status: number;
  /** Date.now() when the request started. */
  started: number;
  userId: string | null;
}

/**
 * The per-request line (the same JSON as logEvent("request", …), fields in the same order): one clock read
 * and one string, without the intermediate object and its spread. `now` is the clock read the caller made.
 */
export function logRequest(line: RequestLine, now = Date.now()): void {
  const user = line.userId === null ? "null" : JSON.stringify(line.userId);
  console.log(
    `{"event":"request","time":"${new Date(now).toISOString()}","request_id":${JSON.stringify(line.requestId)},"method":${JSON.stringify(line.method)},"route":${JSON.stringify(line.route)},"status":${line.status},"duration_ms":${now - line.started},"user_id":${user}}`,
  );
}

/** A request this slow is logged whatever the policy. */
export const SLOW_REQUEST_MS = 1000;

/**
 * Which requests get a "request" line. Workers Logs already records every invocation (method, URL, status,
 * duration), so in production a line per successful request only repeats it, at a measurable share of a
 * request's CPU (console.log itself). "all": every request; "errors": only 5xx answers and slow requests;
 * a fraction in (0, 1]: that share of the others too, sampled, besides every 5xx and slow one.
 */
export type RequestLogPolicy = { kind: "all" } | { kind: "errors"; sample: number };

/**
 * The policy from the optional REQUEST_LOG var ("all", "errors", or a fraction such as "0.01"). Unset or
 * unreadable: "all" locally (npm run dev, tests), "errors" otherwise.
 */
export function requestLogPolicy(env: Pick<Env, "ENVIRONMENT"> & { REQUEST_LOG?: unknown }): RequestLogPolicy {
  const value = typeof env.REQUEST_LOG === "string" ? env.REQUEST_LOG.trim().toLowerCase() : "";
  if (value === "all") return { kind: "all" };
  if (value === "errors") return { kind: "errors", sample: 0 };
  const fraction = value === "" ? Number.NaN : Number(value);
  if (fraction > 0 && fraction <= 1) return fraction === 1 ? { kind: "all" } : { kind: "errors", sample: fraction };
  return isLocal(env) ? { kind: "all" } : { kind: "errors", sample: 0 };
}

/** Whether a request that answered `status` after `durationMs` gets its line under `policy`. */
export function shouldLogRequest(policy: RequestLogPolicy, status: number, durationMs: number, random = Math.random): boolean {
  if (policy.kind === "all" || status >= 500 || durationMs >= SLOW_REQUEST_MS) return true;
  return policy.sample > 0 && random() < policy.sample;
}
