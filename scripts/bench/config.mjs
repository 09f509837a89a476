// npm run bench, settings and number formats (see scripts/bench.mjs for the whole run).
export const DURATION = Number(process.env.BENCH_DURATION ?? 8); // seconds measured per endpoint
export const WARMUP = Number(process.env.BENCH_WARMUP ?? 2); // seconds of warm-up before each
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
export const PROFILE_SECONDS = 4;
export const BULK_PROFILE_REQUESTS = 20;
export const HISTORY = 100_000; // the list/analytics user's transactions
export const BULK_ROWS = 100_000;
export const BULK_PER_REQUEST = 1000;
export const BULK_CONNECTIONS = 4;
export const TARGETS = { get: 0.5, list: 0.5, analytics: 0.5, create: 0.25 };
export const BULK_TARGET = 0.25;
// D1 calls on each request's path, read from the source: requireAuth's user lookup, then the handler's
// (get/list: one query; analytics: the snapshot row; create/delete: one batch; update: a read for the
// etag, then one batch). Writes also send a queue message from waitUntil.
export const ROUND_TRIPS = { get: 2, list: 2, analytics: 2, create: 2, update: 3, delete: 2 };

export const ms = (n) => (Number.isInteger(n) || n >= 100 ? n.toFixed(0) : n.toFixed(1));
export const ms2 = (n) => n.toFixed(2);
export const pct = (r) => `${(r * 100).toFixed(0)}%`;
export const num = (n) => Math.round(n).toLocaleString("en");
