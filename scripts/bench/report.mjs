// npm run bench, step 6: the tables and how they were measured, into docs/benchmarks.md and the console.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import { packageVersion, root } from "../lib/local-worker.mjs";
import {
  BULK_CONNECTIONS,
  BULK_PER_REQUEST,
  BULK_TARGET,
  D1_DELAY_MS,
  DELAY_CONNECTIONS,
  ms,
  ms2,
  num,
  pct,
  ROUND_TRIPS,
  SKIP_BULK,
} from "./config.mjs";
import { methodText } from "./report-method.mjs";
import { profileText as profileTextOf } from "./report-profile.mjs";
import { startedAt, startLoad } from "./session.mjs";

export function report(ctx) {
  const { versions, bundle, rows, ref, delayed, imported, raw, bulkRate, bulkFirst, bulkLast, bulkRatio, bulkMet } = ctx;
  const endLoad = loadavg();

  // 6. Report.
  const elapsed = (performance.now() - startedAt) / 1000;
  const mark = (met) => (met === undefined ? "" : met ? "met" : "**missed**");
  const endpointTable = [
    "| endpoint | D1 round trips | req/s | p50 ms | p99 ms | errors | vs reference | target | | workerd CPU ms/req | workerd CPU (1 core = 100%) | vs reference per CPU ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.name.startsWith("reference") ? 1 : (ROUND_TRIPS[r.name] ?? 0)} | ${num(r.rps)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.errors}${r.errorDetail ? ` (${r.errorDetail})` : ""} | ${pct(r.ratio)} | ${r.target === undefined ? "" : `>= ${pct(r.target)}`} | ${mark(r.met)} | ${ms2(r.cpuMs)} | ${pct(r.cpuShare)} | ${pct(ref.cpuMs / r.cpuMs)} |`,
    ),
  ].join("\n");
  const latencyTable = [
    `| endpoint (${D1_DELAY_MS} ms per D1 round trip, ${DELAY_CONNECTIONS} connections) | D1 round trips | p50 ms | p99 ms | req/s | errors | target p50 | |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...delayed.map((r) => {
      const target = r.trips === 1 ? `<= ${r.oneTripLimit}` : `<= ${r.limit} (${r.trips} round trips, listed)`;
      return `| ${r.label} | ${r.trips} | ${ms(r.p50)} | ${ms(r.p99)} | ${num(r.rps)} | ${r.errors}${r.errorDetail ? ` (${r.errorDetail})` : ""} | ${target} | ${r.p50 <= r.limit ? "met" : "**missed**"} |`;
    }),
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

${latencyTable}

${SKIP_BULK ? "(bulk import skipped: BENCH_SKIP_BULK=1)" : bulkTable}

${methodText(ctx)}
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
    `\n${sizeLine}\n\n${endpointTable}\n\n${latencyTable}\n\n${bulkTable}\n${profileText.join("\n")}\n\nwritten to docs/benchmarks.md (${elapsed.toFixed(0)} s)`,
  );
}
