import { afterEach, describe, expect, it, vi } from "vitest";
import { logEvent, logRequest, requestLogPolicy, SLOW_REQUEST_MS, shouldLogRequest } from "../../src/lib/log";

afterEach(() => vi.useRealTimers());

function written(spy: ReturnType<typeof vi.spyOn>): string[] {
  return spy.mock.calls.map((call: unknown[]) => String(call[0]));
}

describe("logRequest", () => {
  it("writes the same JSON line, field for field and in the same order, as logEvent('request', …)", () => {
    vi.useFakeTimers({ now: Date.parse("2026-11-30T12:34:56.789Z") });
    const spy = vi.spyOn(console, "log").mockImplementation(() => undefined);
    for (const userId of ["usr_01ABC", null]) {
      const requestId = 'req_"quoted"\\back';
      logRequest({ requestId, method: "GET", route: "/api/v1/transaction/:transaction_id", status: 200, started: Date.now() - 7, userId });
      logEvent("request", {
        request_id: requestId,
        method: "GET",
        route: "/api/v1/transaction/:transaction_id",
        status: 200,
        duration_ms: 7,
        user_id: userId,
      });
    }
    const [fast, slow, fastAnonymous, slowAnonymous] = written(spy);
    spy.mockRestore();
    expect(fast).toBe(slow);
    expect(fastAnonymous).toBe(slowAnonymous);
    expect(JSON.parse(fast ?? "")).toEqual({
      event: "request",
      time: "2026-11-30T12:34:56.789Z",
      request_id: 'req_"quoted"\\back',
      method: "GET",
      route: "/api/v1/transaction/:transaction_id",
      status: 200,
      duration_ms: 7,
      user_id: "usr_01ABC",
    });
  });
});

describe("requestLogPolicy and shouldLogRequest", () => {
  it("logs every request locally and, in production, only 5xx and slow requests unless REQUEST_LOG says otherwise", () => {
    expect(requestLogPolicy({ ENVIRONMENT: "development" })).toEqual({ kind: "all" });
    expect(requestLogPolicy({ ENVIRONMENT: "test" })).toEqual({ kind: "all" });
    expect(requestLogPolicy({ ENVIRONMENT: "production" })).toEqual({ kind: "errors", sample: 0 });
    expect(requestLogPolicy({ ENVIRONMENT: undefined as unknown as string })).toEqual({ kind: "errors", sample: 0 });
    expect(requestLogPolicy({ ENVIRONMENT: "production", REQUEST_LOG: " ALL " })).toEqual({ kind: "all" });
    expect(requestLogPolicy({ ENVIRONMENT: "development", REQUEST_LOG: "errors" })).toEqual({ kind: "errors", sample: 0 });
    expect(requestLogPolicy({ ENVIRONMENT: "production", REQUEST_LOG: "0.01" })).toEqual({ kind: "errors", sample: 0.01 });
    expect(requestLogPolicy({ ENVIRONMENT: "production", REQUEST_LOG: "1" })).toEqual({ kind: "all" });
    // Unreadable values fall back to the environment's default rather than silencing or flooding the log.
    for (const value of ["", "0", "-1", "2", "sometimes", 5])
      expect(requestLogPolicy({ ENVIRONMENT: "production", REQUEST_LOG: value })).toEqual({ kind: "errors", sample: 0 });
  });

  it("under 'errors' keeps 5xx and slow requests and drops the rest unless sampled", () => {
    const errors = { kind: "errors", sample: 0 } as const;
    expect(shouldLogRequest(errors, 200, 3)).toBe(false);
    expect(shouldLogRequest(errors, 404, 3)).toBe(false);
    expect(shouldLogRequest(errors, 500, 3)).toBe(true);
    expect(shouldLogRequest(errors, 503, 3)).toBe(true);
    expect(shouldLogRequest(errors, 200, SLOW_REQUEST_MS)).toBe(true);
    expect(shouldLogRequest(errors, 200, SLOW_REQUEST_MS - 1)).toBe(false);
    const sampled = { kind: "errors", sample: 0.25 } as const;
    expect(shouldLogRequest(sampled, 200, 3, () => 0.2)).toBe(true);
    expect(shouldLogRequest(sampled, 200, 3, () => 0.3)).toBe(false);
    expect(shouldLogRequest({ kind: "all" }, 200, 0)).toBe(true);
  });
});
