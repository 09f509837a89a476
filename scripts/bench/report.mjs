// npm run bench, step 6: the tables and how they were measured, into docs/benchmarks.md and the console.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import { packageVersion, root } from "../lib/local-worker.mjs";
import {
  BULK_CONNECTIONS,
  BULK_PER_REQUEST,
  BULK_ROWS,
  BULK_TARGET,
  CONNECTIONS,
  DURATION,
  HISTORY,
  ms,
  ms2,
  num,
  pct,
  WARMUP,
} from "./config.mjs";
import { profileText as profileTextOf } from "./report-profile.mjs";
import { startedAt, startLoad, worker } from "./session.mjs";

export function report(ctx) {
  const {
    versions,
    bundle,
    seedSeconds,
    environment,
    listener,
    rows,
    pool,
    imported,
    raw,
    bulkRate,
    bulkFirst,
    bulkLast,
    health,
    bulkRatio,
    bulkMet,
  } = ctx;
  const endLoad = loadavg();

  // 6. Report.
  const elapsed = (performance.now() - startedAt) / 1000;
  const mark = (met) => (met === undefined ? "" : met ? "met" : "**missed**");
  const endpointTable = [
    "| endpoint | req/s | p50 ms | p99 ms | errors | vs /health | target | | workerd CPU ms/req | workerd CPU (1 core = 100%) | vs /health per CPU ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${num(r.rps)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.errors}${r.errorDetail ? ` (${r.errorDetail})` : ""} | ${pct(r.ratio)} | ${r.target === undefined ? "" : `>= ${pct(r.target)}`} | ${mark(r.met)} | ${ms2(r.cpuMs)} | ${pct(r.cpuShare)} | ${pct(health.cpuMs / r.cpuMs)} |`,
    ),
  ].join("\n");
  const bulkTable = [
    "| bulk import | rows | s | rows/s | vs raw SQLite | target | |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    `| POST /api/v1/transaction/bulk, ${BULK_PER_REQUEST}/request, ${BULK_CONNECTIONS} connections (p50 ${ms(imported.latency.p50)} ms, p99 ${ms(imported.latency.p99)} ms per request; first fifth ${num(bulkFirst)} rows/s, last fifth ${num(bulkLast)} rows/s) | ${num(imported.created)} | ${imported.seconds.toFixed(1)} | ${num(bulkRate)} | ${pct(bulkRatio)} | >= ${pct(BULK_TARGET)} | ${mark(bulkMet)} |`,
    `| raw SQLite (node:sqlite): plain INSERTs of the same rows, one transaction, no rollups | ${num(raw.rows)} | ${raw.seconds.toFixed(2)} | ${num(raw.rowsPerSecond)} | 100% | | |`,
  ].join("\n");
  const sizeLine = `Bundle (\`wrangler deploy --dry-run\`): ${bundle.modules.join(", ")} ${num(bundle.bytes)} bytes (${(bundle.bytes / 1024).toFixed(1)} KiB), gzip ${num(bundle.gzipBytes)} bytes (${(bundle.gzipBytes / 1024).toFixed(1)} KiB, zlib level 6)${bundle.wranglerReported ? `; wrangler's own count: ${bundle.wranglerReported.kib} KiB / gzip ${bundle.wranglerReported.gzipKib} KiB` : ""}.`;
  const profileText = profileTextOf(ctx);

  const section = `<!-- bench:main:start -->
  ## API throughput of the production build (\`npm run bench\`)

  Run on ${new Date().toISOString().slice(0, 10)} in ${elapsed.toFixed(0)} s: ${cpus().length} x ${cpus()[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}
  (load average ${startLoad.map((l) => l.toFixed(2)).join(" ")} at the start, ${endLoad.map((l) => l.toFixed(2)).join(" ")} at the end: other processes shared the 2 cores);
  Node ${process.version}, workerd ${versions.workerd} (${versions.workerdDate}), wrangler ${versions.wrangler}, miniflare ${versions.miniflare}, hono ${packageVersion("hono")}, drizzle-orm ${packageVersion("drizzle-orm")}, autocannon ${packageVersion("autocannon")}.
  ${sizeLine}

  ${endpointTable}

  ${bulkTable}

  How it was measured:
  - **The deploy bundle in workerd, not \`wrangler dev\`.** \`wrangler deploy --dry-run --outdir <tmp>\` wrote \`${bundle.main}\` (sha256 ${bundle.sha256.slice(0, 16)}…), the module deploy would upload;
  it was loaded as is (\`scriptPath\`, \`modules: true\`) through Miniflare ${versions.miniflare}'s API (the copy wrangler ${versions.wrangler} depends on) into workerd ${versions.workerd}. The socket autocannon hit,
  127.0.0.1:${worker.port}, was owned by ${listener ? `pid ${listener.pid}, \`${listener.exe.replace(`${root}/`, "")}\`${listener.childOfBench ? ", a child of the benchmark process" : ""}` : "workerd (not verified: no /proc)"}: no wrangler dev proxy worker,
  no esbuild watch build, none of the middleware wrangler dev injects. Requests pass Miniflare's entry worker inside the same workerd (as on Cloudflare, it adds \`cf-connecting-ip\`);
  \`request.cf\` is a placeholder (\`cf: false\`), Miniflare's request logging is off, the app's own log lines are collected and dropped.
  - Bindings as in wrangler.toml (read with wrangler's \`unstable_readConfig\`): D1 \`DB\` (fresh, persisted under a temp dir, migrations/*.sql applied through the binding), queue producer
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
  - Targets: reads (get, list, analytics) >= 50% of /health, create >= 25% of /health, bulk import >= 25% of raw SQLite. The first /health run is the reference.
  ${profileText.join("\n")}
  <!-- bench:main:end -->`;

  const file = join(root, "docs", "benchmarks.md");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  const marker = /<!-- bench:main:start -->[\s\S]*<!-- bench:main:end -->/;
  const updated = marker.test(current)
    ? current.replace(marker, () => section)
    : current.replace(/^(# [^\n]*\n)/, (title) => `${title}\n${section}\n`);
  writeFileSync(file, updated.includes(section) ? updated : `${current.trimEnd()}\n\n${section}\n`);
  console.log(
    `\n${sizeLine}\n\n${endpointTable}\n\n${bulkTable}\n${profileText.join("\n")}\n\nwritten to docs/benchmarks.md (${elapsed.toFixed(0)} s)`,
  );
}
