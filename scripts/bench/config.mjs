// npm run bench, settings, targets, round-trip budgets and number formats (see scripts/bench.mjs for the whole run).
import { roundTripBudget } from "../../src/db/round-trips.ts";

export const DURATION = Number(process.env.BENCH_DURATION ?? 8); // seconds measured per endpoint
export const WARMUP = Number(process.env.BENCH_WARMUP ?? 2); // seconds of warm-up before each
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
export const PROFILE_SECONDS = 4;
export const BULK_PROFILE_REQUESTS = 20;
export const HISTORY = 100_000; // the list/analytics user's transactions
export const BULK_ROWS = 100_000;
export const BULK_PER_REQUEST = 1000;
export const BULK_CONNECTIONS = 4;
// Shares of the bare reference Worker (one D1 primary-key query, no framework) in the same workerd.
export const TARGETS = { get: 0.8, list: 0.6, analytics: 0.8, create: 0.5 };
export const BULK_TARGET = 0.25;
// The latency mode: every D1 round trip waits this long (scripts/lib/bench-worker.mjs), as for a distant primary.
export const D1_DELAY_MS = Number(process.env.BENCH_D1_DELAY_MS ?? 25);
export const DELAY_SLACK_MS = 10;
export const DELAY_CONNECTIONS = 1; // one request at a time: the latency a client sees, without queueing behind the other connections
export const SKIP_BULK = process.env.BENCH_SKIP_BULK === "1"; // for iterating on the endpoint table only
// D1 round trips per request, from the one budget table the round-trip test enforces (src/db/round-trips.ts).
export const ROUTES = {
  get: "GET /api/v1/transaction/{transaction_id}",
  list: "GET /api/v1/transaction/all",
  analytics: "GET /api/v1/transaction/analytics/{user_id}",
  create: "POST /api/v1/transaction/create",
  update: "PUT /api/v1/transaction/update/{transaction_id}",
  delete: "DELETE /api/v1/transaction/delete/{transaction_id}",
};
export const ROUND_TRIPS = {
  ...Object.fromEntries(Object.entries(ROUTES).map(([name, route]) => [name, roundTripBudget(route)])),
  login: roundTripBudget("POST /api/v1/user/login"),
};

export const ms = (n) => (Number.isInteger(n) || n >= 100 ? n.toFixed(0) : n.toFixed(1));
export const ms2 = (n) => n.toFixed(2);
export const pct = (r) => `${(r * 100).toFixed(0)}%`;
export const num = (n) => Math.round(n).toLocaleString("en");
