// npm run bench:sync — the cost of one sync page (GET /api/v1/transaction/sync?limit=100) at 10, 10,000 and
// 1,000,000 transactions, from the start (no cursor) and from a cursor near the end, against a locally running
// Worker (wrangler dev). Target: flat, the 1,000,000 median within 1.5x of the 10 median. About 5 minutes on 2 cores.
import { machineAndVersions, writeBenchSection } from "./lib/bench-report.mjs";
import { percentile, readJson, signUpAndLogin, startLocalWorker } from "./lib/local-worker.mjs";

const SIZES = (process.env.BENCH_SIZES ?? "10,10000,1000000").split(",").map(Number);
const READS = Number(process.env.BENCH_READS ?? 200);
const PORT = Number(process.env.BENCH_PORT ?? 8797);
const WARMUP = 20;
const SEED_CHUNK = 100_000;
const PAGE = 100;
const FULL_SYNC_PAGE = 1000;
// Changes made after the end cursor, so a page from it is a full page: 90 added, 5 modified, 5 removed.
const CREATES = 90;
const UPDATES = 5;
const DELETES = 5;
const TARGET = 1.5;

async function call(base, token, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${path} ${res.status}: ${await res.text()}`);
  return readJson(res);
}

const syncPath = (limit, cursor) => `/api/v1/transaction/sync?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;

/** p50/p95 of READS sequential GETs after WARMUP, checking each answer's size. */
async function timeReads(base, token, path, expectEntries) {
  const headers = { authorization: `Bearer ${token}` };
  const samples = [];
  for (let i = 0; i < WARMUP + READS; i++) {
    const t = performance.now();
    const res = await fetch(`${base}${path}`, { headers });
    const body = await readJson(res);
    const ms = performance.now() - t;
    const entries = (body.added?.length ?? 0) + (body.modified?.length ?? 0) + (body.removed?.length ?? 0);
    if (!res.ok || entries !== expectEntries) throw new Error(`${path}: ${res.status}, ${entries} entries, expected ${expectEntries}`);
    if (i >= WARMUP) samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

/** Pages through the whole feed as a new client would; returns the final cursor and the last page's ids. */
async function fullSync(base, token) {
  let cursor = null;
  let lastIds = [];
  let entries = 0;
  for (;;) {
    const page = await call(base, token, "GET", syncPath(FULL_SYNC_PAGE, cursor));
    entries += page.added.length + page.modified.length + page.removed.length;
    if (page.added.length > 0) lastIds = page.added.map((t) => t.id);
    cursor = page.next_cursor;
    if (!page.has_more) return { cursor, lastIds, entries };
  }
}

const fields = (n) => ({
  transaction_amount: `${1 + (n % 900)}.25`,
  currency: "USD",
  transaction_type: n % 2 ? "credit" : "debit",
  transaction_date: "2026-10-01T12:00:00Z",
  status: "success",
});

const worker = await startLocalWorker({ port: PORT, persistTo: ".wrangler/bench-sync" });
const rows = [];
try {
  for (const size of SIZES) {
    const user = await signUpAndLogin(worker.base, `sync${size}`);
    const seedStart = performance.now();
    for (let offset = 0; offset < size; offset += SEED_CHUNK) {
      await call(worker.base, user.token, "POST", "/__dev/seed", { offset, count: Math.min(SEED_CHUNK, size - offset), days: 1000 });
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const fromStart = await timeReads(worker.base, user.token, syncPath(PAGE), Math.min(PAGE, size));

    const syncStart = performance.now();
    const end = await fullSync(worker.base, user.token);
    const fullSyncSeconds = (performance.now() - syncStart) / 1000;
    if (end.entries !== size) throw new Error(`full sync of ${size} saw ${end.entries} entries`);
    for (let i = 0; i < CREATES; i++) await call(worker.base, user.token, "POST", "/api/v1/transaction/create", fields(i));
    for (const id of end.lastIds.slice(0, UPDATES))
      await call(worker.base, user.token, "PUT", `/api/v1/transaction/update/${id}`, fields(7));
    for (const id of end.lastIds.slice(UPDATES, UPDATES + DELETES))
      await call(worker.base, user.token, "DELETE", `/api/v1/transaction/delete/${id}`);
    const fromCursor = await timeReads(worker.base, user.token, syncPath(PAGE, end.cursor), CREATES + UPDATES + DELETES);

    rows.push({ size, seedSeconds, fullSyncSeconds, fromStart, fromCursor });
    console.log(
      `${size.toLocaleString("en")} tx: seeded in ${seedSeconds.toFixed(1)} s; page from the start p50 ${fromStart.p50.toFixed(2)} ms, ` +
        `from the end cursor p50 ${fromCursor.p50.toFixed(2)} ms; full sync in ${fullSyncSeconds.toFixed(1)} s`,
    );
  }
} finally {
  await worker.stop();
}

const base = rows[0];
const top = rows.at(-1);
const fmt = (n) => n.toFixed(2);
const ratio = (r, key) => r[key].p50 / base[key].p50;
const worst = Math.max(ratio(top, "fromStart"), ratio(top, "fromCursor"));
const sizeLabel = (r) => r.size.toLocaleString("en");
const table = [
  "| transactions | page from start p50 (ms) | p95 (ms) | vs 10 | page from end cursor p50 (ms) | p95 (ms) | vs 10 | full sync, 1,000/page (s) | seed (s) |",
  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (r) =>
      `| ${r.size.toLocaleString("en")} | ${fmt(r.fromStart.p50)} | ${fmt(r.fromStart.p95)} | ${ratio(r, "fromStart").toFixed(2)}x | ` +
      `${fmt(r.fromCursor.p50)} | ${fmt(r.fromCursor.p95)} | ${ratio(r, "fromCursor").toFixed(2)}x | ${r.fullSyncSeconds.toFixed(1)} | ${r.seedSeconds.toFixed(1)} |`,
  ),
].join("\n");

writeBenchSection(
  "sync",
  `## Sync page cost vs history size (\`npm run bench:sync\`)

${machineAndVersions()}
The machine's cores were shared with other processes. One user per size, seeded through D1 batches (\`POST /__dev/seed\`, local only,
which stamps each row's sequence number as any write does); ${READS} sequential reads after ${WARMUP} warm-up reads, over loopback
against \`wrangler dev\`.

${table}

Target: each ${sizeLabel(top)} median within ${TARGET}x of the ${sizeLabel(base)} median: worst ${worst.toFixed(2)}x, ${worst <= TARGET ? "met" : "**missed**"}.

- *page from start*: \`GET /api/v1/transaction/sync?limit=${PAGE}\` without a cursor (the first ${PAGE} transactions, all \`added\`;
  the 10-transaction user's page holds 10).
- *page from end cursor*: the \`next_cursor\` of a full sync (paged ${FULL_SYNC_PAGE.toLocaleString("en")} at a time, timed in the *full sync* column),
  followed by ${CREATES} creates, ${UPDATES} updates and ${DELETES} deletes through the API: each read answers those ${PAGE} entries
  (${CREATES} added, ${UPDATES} modified, ${DELETES} removed). Both reads walk the (user_id, seq) indexes of transactions and tombstones,
  so their cost follows the page size, not the history.`,
);
console.log(
  `\n${table}\n\nworst ${sizeLabel(top)}/${sizeLabel(base)} ratio ${worst.toFixed(2)}x (target ${TARGET}x); written to docs/benchmarks.md`,
);
