// npm run bench, part of step 6: how it was measured, for the report (every number from this run's settings).
import { root } from "../lib/local-worker.mjs";
import {
  BULK_CONNECTIONS,
  BULK_PER_REQUEST,
  BULK_ROWS,
  CONNECTIONS,
  D1_DELAY_MS,
  DELAY_CONNECTIONS,
  DELAY_SLACK_MS,
  DURATION,
  HISTORY,
  num,
  WARMUP,
} from "./config.mjs";
import { worker } from "./session.mjs";

/** The report's "How it was measured" list. */
export function methodText({ versions, bundle, seedSeconds, environment, listener, pool }) {
  return `How it was measured:
- **The deploy bundle in workerd, not \`wrangler dev\`.** \`wrangler deploy --dry-run --outdir <tmp>\` wrote \`${bundle.main}\` (sha256 ${bundle.sha256.slice(0, 16)}…), the module deploy would upload;
  it was loaded as is (\`scriptPath\`, \`modules: true\`) through Miniflare ${versions.miniflare}'s API (the copy wrangler ${versions.wrangler} depends on) into workerd ${versions.workerd}. The socket autocannon hit,
  127.0.0.1:${worker.port}, was owned by ${listener ? `pid ${listener.pid}, \`${listener.exe.replace(`${root}/`, "")}\`${listener.childOfBench ? ", a child of the benchmark process" : ""}` : "workerd (not verified: no /proc)"}: no wrangler dev proxy worker,
  no esbuild watch build, none of the middleware wrangler dev injects. Requests pass Miniflare's entry worker inside the same workerd (as on Cloudflare, it adds \`cf-connecting-ip\`);
  \`request.cf\` is a placeholder (\`cf: false\`), Miniflare's request logging is off, the app's own log lines are collected and dropped.
- Bindings as in wrangler.toml (read with wrangler's \`unstable_readConfig\`): D1: the directory \`DB\` and the shards \`SHARD_0\`…\`SHARD_3\` (fresh, persisted under a temp dir, migrations/directory and migrations/shard applied through the bindings), queue producer
  \`ANALYTICS_QUEUE\` with both consumers in the same Worker, rate limiter \`LOGIN_RATE_LIMITER\`, the vars, a random 48-byte \`JWT_SECRET\`. Cron triggers are not fired.
  ENVIRONMENT was "development" only to seed through \`/__dev/seed\`; workerd was then restarted with wrangler.toml's "${environment}" (same port and data; \`/__dev/seed\` then answered 404),
  so the numbers include no development-only work (such as the fault-switch lookup before every queue send).
- Load: autocannon in a separate Node process over loopback, ${CONNECTIONS} connections, no pipelining, ${WARMUP} s warm-up then ${DURATION} s per endpoint, in the order listed, one run.
  req/s counts 2xx responses; errors are non-2xx responses plus timeouts and connection errors; latency percentiles are autocannon's (1 ms resolution).
  workerd CPU is the workerd process's user+system time (all threads, /proc) over warm-up and run, per request and as a share of one core (above 100%: V8's helper threads).
- get/list/analytics/create/update on one user seeded with ${num(HISTORY)} transactions over 1,000 days (one \`/__dev/seed\` call, ${seedSeconds.toFixed(1)} s), snapshot recomputed before the reads;
  get cycles through 1,000 of its ids, update through 1,000 others (amount, status, description); create posts a different day and amount each time.
  Login always uses the right password (no failure throttling) and, because the runtime adds \`cf-connecting-ip\` anyway, each attempt carries its own address so the per-address
  limiter (30/min) lets it through, as it would for logins from many users; it is bound by PBKDF2 (100,000 iterations).
  Delete: ${num(pool.length)} transactions pre-created for another user (bulk endpoint); every DELETE targets a distinct existing id; the rows left afterwards were checked against the 200s.
- Bulk import: ${num(BULK_ROWS)} new transactions for a fresh user in ${BULK_ROWS / BULK_PER_REQUEST} requests of ${BULK_PER_REQUEST} (atomic), ${BULK_CONNECTIONS} in flight; rows and rollups were counted in D1 afterwards.
  Raw baseline: the same ${num(BULK_ROWS)} rows through \`node:sqlite\` (DatabaseSync, file database in WAL mode, foreign keys on, migrations applied), one prepared single-row INSERT per row,
  all in one transaction, values prepared before timing, **without** the daily_rollups upsert the API also does.
- **The reference** is a bare Worker in the same workerd (a plain module, no framework, \`scripts/lib/bench-worker.mjs\`): one D1 primary-key query (\`SELECT * FROM transactions WHERE id = ?\`, the same ids as get) per request on the same database (the shard that holds the measured user), reached through the same entry worker (by its own host name); it was measured right before the endpoints and again after them (drift check). Targets, as shares of the first reference run: get and analytics >= 80%, list of 100 >= 60%, create >= 50%; bulk import >= 25% of raw SQLite. "D1 round trips" is the budget of src/db/round-trips.ts that test/round-trips.test.ts enforces.
- **Latency mode**: the same bundle and data, restarted with an entry module that wraps the D1 binding of the app and of the reference so that every round trip (a statement's first/all/run/raw, or a batch) first waits ${D1_DELAY_MS} ms, as a Worker far from D1's primary would; ${DELAY_CONNECTIONS} connections, 1 s warm-up then 5 s per endpoint. Target: each endpoint's p50 within one delay plus ${DELAY_SLACK_MS} ms (routes listed with more round trips: that many delays plus ${DELAY_SLACK_MS} ms).`;
}
