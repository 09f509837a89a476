// npm run bench:analytics — analytics read latency at 10, 10,000 and 1,000,000 transactions (each user with
// 50 categories and 100 active rules), the consumer's recompute time, and bulk import with 100 active rules
// against the same without rules, against a locally running Worker (wrangler dev). About 5 minutes on 2 cores.

import { machineAndVersions, writeBenchSection } from "./lib/bench-report.mjs";
import { median, percentile, readJson, signUpAndLogin, startLocalWorker } from "./lib/local-worker.mjs";
import { syntheticRequestItem } from "./lib/synthetic.mjs";

const SIZES = (process.env.BENCH_SIZES ?? "10,10000,1000000").split(",").map(Number);
const READS = Number(process.env.BENCH_READS ?? 300);
// Reads in a zone other than the profile's (UTC): rollups folded into local days in SQL, no snapshot.
const TZ_READS = Number(process.env.BENCH_TZ_READS ?? 100);
const ZONES = ["Asia/Kathmandu", "America/New_York"];
const PORT = Number(process.env.BENCH_PORT ?? 8799);
const WARMUP = 30;
const SEED_CHUNK = 100_000;
const CATEGORIES = 50;
const RULES = 100;
const MERCHANTS = 200;
// Bulk import: requests of 1,000 rows, one in flight, alternating between the user with rules and the one
// without, so load from other processes on the machine falls on both alike.
const BULK_REQUESTS = Number(process.env.BENCH_BULK_REQUESTS ?? 20);
const BULK_WARMUP_REQUESTS = 2;
const BULK_PER_REQUEST = 1000;
const READ_TARGET = 1.5;
const BULK_TARGET = 0.6;

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

/** Rule i of the benchmark's 100: a mix of text, amount and currency conditions, none stopping the run. */
function benchRule(i, categoryIds) {
  const conditions = [
    [{ field: "merchant", op: "equals", value: `Merchant ${i}` }],
    [{ field: "description", op: "contains", value: `invoice ${i}` }], // never matches: every rule is evaluated
    [
      { field: "amount", op: "gte", value: `${(i * 9.5).toFixed(2)}` },
      { field: "currency", op: "equals", value: "EUR" },
      { field: "transaction_type", op: "equals", value: "debit" },
    ],
    [{ field: "merchant", op: "starts_with", value: `Merchant ${i % 20}` }],
  ][i % 4];
  return {
    name: `Rule ${i}`,
    match: "all",
    conditions,
    actions: [{ set_category: categoryIds[i % categoryIds.length] }, { add_tag: `r${i}` }],
  };
}

/** 50 categories (10 parents with 4 children each) and, unless `withRules` is false, 100 active rules. */
async function labelUser(base, token, withRules = true) {
  const categoryIds = [];
  for (let i = 0; i < CATEGORIES; i++) {
    const parent = i < 10 ? null : categoryIds[i % 10];
    categoryIds.push((await post(base, token, "/api/v1/categories", { name: `Category ${i}`, parent_id: parent })).id);
  }
  if (withRules) for (let i = 0; i < RULES; i++) await post(base, token, "/api/v1/rules", benchRule(i, categoryIds));
  return categoryIds;
}

/** Bulk item n: the synthetic transaction with one of 200 merchants (about 40% of the rows matched by a rule). */
function bulkItem(n) {
  return { ...syntheticRequestItem(n), merchant: `Merchant ${(n * 13) % MERCHANTS}` };
}

/** Rows/s of POST /transaction/bulk for two users, requests alternating between them (same items for both). */
async function bulkImportRates(base, users) {
  const elapsed = users.map(() => 0);
  for (let r = 0; r < BULK_WARMUP_REQUESTS + BULK_REQUESTS; r++) {
    const transactions = Array.from({ length: BULK_PER_REQUEST }, (_, i) => bulkItem(r * BULK_PER_REQUEST + i));
    for (const [u, user] of users.entries()) {
      const t = performance.now();
      const result = await post(base, user.token, "/api/v1/transaction/bulk", { transactions });
      if (result.created !== BULK_PER_REQUEST) throw new Error(`bulk created ${result.created} of ${BULK_PER_REQUEST}`);
      if (r >= BULK_WARMUP_REQUESTS) elapsed[u] += performance.now() - t;
    }
  }
  return elapsed.map((ms) => (BULK_REQUESTS * BULK_PER_REQUEST) / (ms / 1000));
}

const worker = await startLocalWorker({ port: PORT, persistTo: ".wrangler/bench-analytics" });
const rows = [];
/** @type {{ rulesRate: number, plainRate: number, ratio: number }} */
let bulk;
try {
  for (const size of SIZES) {
    const user = await signUpAndLogin(worker.base, `bench${size}`);
    const categoryIds = await labelUser(worker.base, user.token);
    const seedStart = performance.now();
    for (let offset = 0; offset < size; offset += SEED_CHUNK) {
      await post(worker.base, user.token, "/__dev/seed", {
        offset,
        count: Math.min(SEED_CHUNK, size - offset),
        days: 1000,
        category_ids: categoryIds,
        merchants: MERCHANTS,
      });
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
  // Both users have the 50 categories; only the first has the 100 active rules.
  const withRules = await signUpAndLogin(worker.base, "bulkrules");
  const withoutRules = await signUpAndLogin(worker.base, "bulkplain");
  await labelUser(worker.base, withRules.token, true);
  await labelUser(worker.base, withoutRules.token, false);
  const [rulesRate, plainRate] = await bulkImportRates(worker.base, [withRules, withoutRules]);
  bulk = { rulesRate, plainRate, ratio: rulesRate / plainRate };
  console.log(
    `bulk import: ${rulesRate.toFixed(0)} rows/s with ${RULES} rules, ${plainRate.toFixed(0)} without (${(bulk.ratio * 100).toFixed(0)}%)`,
  );
} finally {
  await worker.stop();
}

const base = rows[0];
const fmt = (n) => n.toFixed(2);
const worst = Math.max(...rows.map((r) => r.snapshot.p50 / base.snapshot.p50));
const verdict = (ok) => (ok ? "met" : "**missed**");
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
const bulkTable = [
  "| bulk import (POST /transaction/bulk, 1,000 rows/request) | rows | rows/s | vs without rules | target |  |",
  "| --- | ---: | ---: | ---: | ---: | --- |",
  `| user with ${CATEGORIES} categories, no rules | ${(BULK_REQUESTS * BULK_PER_REQUEST).toLocaleString("en")} | ${bulk.plainRate.toFixed(0)} | 100% |  |  |`,
  `| user with ${CATEGORIES} categories and ${RULES} active rules | ${(BULK_REQUESTS * BULK_PER_REQUEST).toLocaleString("en")} | ${bulk.rulesRate.toFixed(0)} | ${(bulk.ratio * 100).toFixed(0)}% | >= ${BULK_TARGET * 100}% | ${verdict(bulk.ratio >= BULK_TARGET)} |`,
].join("\n");

const section = `## Analytics read latency vs history size (\`npm run bench:analytics\`)

${machineAndVersions()}
The machine's cores were shared with other processes. One user per size with ${CATEGORIES} categories (10 parents, 40 children) and
${RULES} active rules (created through the API), seeded through D1 batches (\`POST /__dev/seed\`, local only) over 1,000 days in USD and EUR,
rows spread over the ${CATEGORIES} categories and ${MERCHANTS} merchants; ${READS} sequential reads after ${WARMUP} warm-up reads, over loopback
against \`wrangler dev\`.

${table}

Read target: the 1,000,000 median within ${READ_TARGET}x of the 10 median: worst ${worst.toFixed(2)}x, ${verdict(worst <= READ_TARGET)}.

Reads in a zone other than the profile's (\`?tz=\`, ${TZ_READS} reads each; the profile zone is UTC):

${tzTable}

${bulkTable}

- *bulk import*: two fresh users, each with the same ${CATEGORIES} categories; one also has the ${RULES} active rules of the read
  benchmark (merchant equals / starts_with, description contains, amount >= with currency and type; no stop_processing, so
  every rule is evaluated for every row; about 40% of the rows match one or more). The same ${BULK_REQUESTS} requests of
  ${BULK_PER_REQUEST.toLocaleString("en")} rows (${MERCHANTS} merchants) go to both, alternating, one in flight, after ${BULK_WARMUP_REQUESTS} warm-up requests each; rows/s is
  rows over the summed request times. Ratios are from this one run.

- *analytics read*: \`GET /api/v1/transaction/analytics/me\`, the normal path (stored snapshot, one row).
- *rollup path*: the same with \`from\`, which folds the quarter-hour rollups into days (cost grows with buckets, not transactions);
  this is also what a read costs while the snapshot is behind.
- *consumer recompute*: \`recomputeSnapshot\` for that user, timed inside the Worker (median of 5).
- *tz=…*: no snapshot serves another zone; the rollups (one row per UTC quarter-hour bucket, currency and category)
  are folded into local days in SQL with the zone's offsets from Intl. The cost grows with the rollup rows: at most
  96 buckets a day per currency and category, never more with more transactions. This seed spreads times over the whole
  day and rows over 50 categories, so it is the worst case: 10,000 rows fill ~10,000 rollup rows and 1,000,000 rows
  nearly 1,000,000, i.e. here the fold reads about one rollup row per transaction. The *rollup path* column pays the
  same in UTC.
`;

writeBenchSection("analytics", section);
console.log(`\n${table}\n\n${tzTable}\n\n${bulkTable}\n\nwritten to docs/benchmarks.md`);
