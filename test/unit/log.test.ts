import { afterEach, describe, expect, it, vi } from "vitest";
import { logEvent, logRequest } from "../../src/lib/log";

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
