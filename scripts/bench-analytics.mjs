// npm run bench:analytics — analytics read latency at 10, 10,000 and 1,000,000 transactions,
// and the consumer's recompute time, against a locally running Worker (wrangler dev).

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { join } from "node:path";
import { median, packageVersion, percentile, readJson, root, signUpAndLogin, startLocalWorker } from "./lib/local-worker.mjs";

const SIZES = (process.env.BENCH_SIZES ?? "10,10000,1000000").split(",").map(Number);
const READS = Number(process.env.BENCH_READS ?? 300);
// Reads in a zone other than the profile's (UTC): rollups folded into local days in SQL, no snapshot.
const TZ_READS = Number(process.env.BENCH_TZ_READS ?? 100);
const ZONES = ["Asia/Kathmandu", "America/New_York"];
const WARMUP = 30;
const SEED_CHUNK = 100_000;

async function post(base, token, path, body) {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body ?? {}),
  });
  if (!res.ok) throw new Error(`${path} ${res.status}: ${await res.text()}`);
  return readJson(res);
}

async function timeReads(url, token, reads = READS) {
  const headers = { authorization: `Bearer ${token}` };
  for (let i = 0; i < Math.min(WARMUP, reads); i++) await (await fetch(url, { headers })).arrayBuffer();
  const samples = [];
  for (let i = 0; i < reads; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url} ${res.status}`);
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

const worker = await startLocalWorker({ port: Number(process.env.BENCH_PORT ?? 8799), persistTo: ".wrangler/bench-analytics" });
const rows = [];
try {
  for (const size of SIZES) {
    const user = await signUpAndLogin(worker.base, `bench${size}`);
    const seedStart = performance.now();
    for (let offset = 0; offset < size; offset += SEED_CHUNK) {
      await post(worker.base, user.token, "/__dev/seed", { offset, count: Math.min(SEED_CHUNK, size - offset), days: 1000 });
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;
    // The consumer's work for one user, timed inside the Worker; the first run stores the snapshot.
    const recomputes = [];
    for (let i = 0; i < 5; i++) recomputes.push((await post(worker.base, user.token, "/__dev/recompute")).ms);
    const snapshot = await timeReads(`${worker.base}/api/v1/transaction/analytics/me`, user.token);
    const rollups = await timeReads(`${worker.base}/api/v1/transaction/analytics/me?from=2000-01-01`, user.token);
    const zones = [];
    for (const zone of ZONES)
      zones.push(await timeReads(`${worker.base}/api/v1/transaction/analytics/me?tz=${zone}`, user.token, TZ_READS));
    rows.push({ size, seedSeconds, recompute: median(recomputes), snapshot, rollups, zones });
    console.log(
      `${size.toLocaleString("en")} tx: seeded in ${seedSeconds.toFixed(1)} s, read p50 ${snapshot.p50.toFixed(2)} ms, rollup-path p50 ${rollups.p50.toFixed(2)} ms, ` +
        `${ZONES.map((z, i) => `tz=${z} p50 ${zones[i].p50.toFixed(2)} ms`).join(", ")}, recompute ${median(recomputes).toFixed(1)} ms`,
    );
  }
} finally {
  await worker.stop();
}

const base = rows[0];
const fmt = (n) => n.toFixed(2);
const table = [
  "| transactions | analytics read p50 (ms) | p95 (ms) | p50 vs 10 | rollup path (from/to) p50 (ms) | consumer recompute (ms) | seed time (s) |",
  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (r) =>
      `| ${r.size.toLocaleString("en")} | ${fmt(r.snapshot.p50)} | ${fmt(r.snapshot.p95)} | ${(r.snapshot.p50 / base.snapshot.p50).toFixed(2)}x | ${fmt(r.rollups.p50)} | ${fmt(r.recompute)} | ${r.seedSeconds.toFixed(1)} |`,
  ),
].join("\n");
const tzTable = [
  `| transactions | ${ZONES.map((z) => `tz=${z} p50 (ms) | p95 (ms) | p50 vs snapshot read`).join(" | ")} |`,
  `| ---: | ${ZONES.map(() => "---: | ---: | ---:").join(" | ")} |`,
  ...rows.map(
    (r) =>
      `| ${r.size.toLocaleString("en")} | ${r.zones.map((z) => `${fmt(z.p50)} | ${fmt(z.p95)} | ${(z.p50 / r.snapshot.p50).toFixed(2)}x`).join(" | ")} |`,
  ),
].join("\n");

const cpu = cpus()[0]?.model ?? "unknown CPU";
// The workerd that `wrangler dev` runs (wrangler's own dependency), not the copy npm hoisted for the test plugin.
const workerdVersion = `workerd ${packageVersion("wrangler/node_modules/workerd")}`;
const section = `<!-- bench:analytics:start -->
## Analytics read latency vs history size (\`npm run bench:analytics\`)

Run on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} x ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()};
Node ${process.version}, wrangler ${packageVersion("wrangler")}, ${workerdVersion}, hono ${packageVersion("hono")}, drizzle-orm ${packageVersion("drizzle-orm")}.
One user per size, seeded through D1 batches (\`POST /__dev/seed\`, local only) over 1,000 days in USD and EUR;
${READS} sequential reads after ${WARMUP} warm-up reads, over loopback against \`wrangler dev\`.

${table}

Reads in a zone other than the profile's (\`?tz=\`, ${TZ_READS} reads each; the profile zone is UTC):

${tzTable}

- *analytics read*: \`GET /api/v1/transaction/analytics/me\`, the normal path (stored snapshot, one row).
- *rollup path*: the same with \`from\`, which reads the per-day rollups (cost grows with days, not transactions);
  this is also what a read costs while the snapshot is behind.
- *consumer recompute*: \`recomputeSnapshot\` for that user, timed inside the Worker (median of 5).
- *tz=…*: no snapshot serves another zone; the rollups (one row per UTC quarter-hour bucket, currency and category)
  are folded into local days in SQL with the zone's offsets from Intl. The cost grows with the buckets in use
  (at most 96 a day: the seed spreads times over the whole day, so 10,000 rows are ~10,000 buckets and 1,000,000
  rows ~190,000), never with the transactions beyond that.
- Target: the 1,000,000 median within 1.5x of the 10 median.
<!-- bench:analytics:end -->`;

const file = join(root, "docs", "benchmarks.md");
const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
const marker = /<!-- bench:analytics:start -->[\s\S]*<!-- bench:analytics:end -->/;
writeFileSync(file, marker.test(current) ? current.replace(marker, section) : `${current.trimEnd()}\n\n${section}\n`);
console.log(`\n${table}\n\n${tzTable}\n\nwritten to docs/benchmarks.md`);
