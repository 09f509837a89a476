// npm run bench, part of step 6: the report's explanation of missed targets, from the profiles of step 5.
import { BULK_PER_REQUEST, BULK_PROFILE_REQUESTS, BULK_ROWS, BULK_TARGET, ms2, num, pct, ROUND_TRIPS } from "./config.mjs";

/** The report's lines on where the time goes (empty when nothing was profiled). */
export function profileText({ rows, ref, create, probe, v8, bulkProfile, bulkFirst, bulkLast, raw }) {
  const profileText = [];
  const share = (name, test) => {
    const p = v8[name];
    return p ? p.parts.filter(([k]) => test(k)).reduce((sum, [, t]) => sum + t, 0) / p.busy : NaN;
  };
  const top = (name, n = 7) =>
    v8[name].parts
      .slice(0, n)
      .map(([k, t]) => `${k} ${pct(t / v8[name].busy)}`)
      .join(", ");
  const v8Intro =
    `V8's sampling profiler on the app's isolate (DevTools inspector, 1 ms samples, source-mapped to npm packages and src/ files; natives such as JSON or console.log charged to their JavaScript caller; shares of the isolate's busy samples; ` +
    `approximate, since V8 inlining can move samples between a library and the app code that calls it)`;
  if (probe) {
    const floor = ref.cpuMs;
    const measured = rows.filter((r) => r.name !== "health-end");
    profileText.push(
      "",
      "### Where the time goes (missed targets)",
      "",
      `workerd ran the app, D1's Durable Object and Miniflare's entry and queue workers on one thread (its busiest thread did ${pct(Math.min(...measured.map((r) => r.threadShare)))}-${pct(Math.max(...measured.map((r) => r.threadShare)))} of its CPU in every run), ` +
        `so throughput is bounded by 1 / (workerd CPU per request): the CPU columns are the cost, and "vs reference per CPU ms" is the throughput ratio with the noise of the shared machine taken out. ` +
        `Where workerd got less than a full core, the rest went to autocannon (${pct(Math.max(...rows.map((r) => r.loadGeneratorCpu)))} of a core at most) and other processes.`,
      "",
      `**D1 round trips.** A probe Worker (plain JS, no Hono, no drizzle) was added to the same workerd, bound to the same D1 database, behind the same entry worker: ` +
        `\`/noop\` ${ms2(probe.noop.cpuMs)} ms CPU/request (${num(probe.noop.rps)} req/s), one D1 query (the auth user lookup) ${ms2(probe.d1.cpuMs)} ms (${num(probe.d1.rps)} req/s), ` +
        `two sequential queries ${ms2(probe.d1x2.cpuMs)} ms (${num(probe.d1x2.rps)} req/s): **about ${ms2(probe.roundTripMs)} ms of runtime CPU per D1 round trip** ` +
        `(D1's client, the RPC into Miniflare's D1 Durable Object, SQLite, the results serialized back). D1 in local workerd is a SQLite-backed Durable Object: every query is a round trip into it.`,
      "",
      "| endpoint | workerd CPU ms/req | reference (bare Worker, 1 round trip) | further D1 round trips (src/db/round-trips.ts) x probe cost | left: the app's JavaScript, and for writes the write batch, queue send, consumer |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...rows
        .filter((r) => ROUND_TRIPS[r.name] !== undefined)
        .map((r) => {
          const d1 = (ROUND_TRIPS[r.name] - 1) * probe.roundTripMs;
          return `| ${r.name} | ${ms2(r.cpuMs)} | ${ms2(floor)} | ${ROUND_TRIPS[r.name] - 1} x ${ms2(probe.roundTripMs)} = ${ms2(d1)} | ${ms2(r.cpuMs - floor - d1)} |`;
        }),
      "",
      `**The app's own JavaScript.** ${v8Intro}:`,
      ...["get", "create"].filter((n) => v8[n]).map((name) => `- ${name}: ${top(name)}.`),
      "",
      "What is left, and why:",
      `- D1: get, list, analytics, create and delete make one round trip, like the reference (the token check travels in the handler's batch); update makes two (listed in src/db/round-trips.ts). ` +
        `What separates an endpoint from the reference is the app's own work per request (JWT verification, routing, validation, drizzle, the response) and, for writes, the bigger batch, the queue send and the consumer's recompute.`,
      `- In the app's isolate, drizzle-orm is ${pct(share("get", (k) => k === "drizzle-orm"))} of get's samples and ${pct(share("create", (k) => k === "drizzle-orm"))} of create's: ` +
        `SQL rebuilt from the query builders and relational queries (\`db.query.*.findFirst\`) on every request, then row mapping; drizzle's prepared queries (\`.prepare()\`) would skip the rebuilding. ` +
        `Hono (routing, context, \`c.json\`, the middleware chain) is ${pct(share("get", (k) => k === "hono"))} / ${pct(share("create", (k) => k === "hono"))}; the request log line (src/lib/log.ts) ` +
        `${pct(share("get", (k) => k === "src/lib/log.ts"))} / ${pct(share("create", (k) => k === "src/lib/log.ts"))}; workerd's D1 client code inside the isolate ` +
        `${pct(share("get", (k) => k.includes("d1-api")))} / ${pct(share("create", (k) => k.includes("d1-api")))}.`,
      `- Creates (${ms2(create.cpuMs)} ms) pay, on top of a read's costs, for a write batch (insert, rollup upsert, audit row, counter bump) committed by D1's Durable Object, ` +
        `the queue send in \`waitUntil\` (an RPC into the queue broker's Durable Object, which stores the message) and the consumer's snapshot recompute, all on the same thread.`,
    );
  }
  if (bulkProfile) {
    const perRequest = bulkProfile.rerun.workerdCpuMsPerRequest;
    profileText.push(
      "",
      "### Bulk import (missed target)",
      "",
      `- Over the run: ${num(bulkFirst)} rows/s in the first fifth of the requests, ${num(bulkLast)} in the last. The rollup statement each bulk batch runs per 98 fresh ids ` +
        `(\`addToRollups\`: \`… WHERE id IN (…98 ids)\`) plans as \`${bulkProfile.planBefore}\`, a primary-key lookup per id, so a batch does not scan the user's history. ` +
        `(An earlier version also filtered on user_id; without statistics SQLite then walked the (user_id, …) index through the whole history for every chunk, and the import slowed from 5.4k to 2.0k rows/s as it went.)`,
      `- After \`ANALYZE\` (plan \`${bulkProfile.planAfter}\`), a second ${num(BULK_ROWS)}-row import through the API (fresh user) ran at ` +
        `**${num(bulkProfile.rerunRate)} rows/s** (${pct(bulkProfile.rerunRate / raw.rowsPerSecond)} of raw; first fifth ${num(bulkProfile.rerun.phases?.[0] * BULK_PER_REQUEST)}, last fifth ${num(bulkProfile.rerun.phases?.[1] * BULK_PER_REQUEST)} rows/s; ` +
        `workerd ${ms2(perRequest)} ms CPU per 1,000-row request, ${pct(bulkProfile.rerun.workerdCpuShare)} of a core).`,
      `- What is left: the statements the API's batch runs (8-row INSERTs with RETURNING, as D1 binds at most 100 parameters; 11 rollup upserts; an audit row; the counter bump; ` +
        `one transaction per 1,000 rows) manage ${num(bulkProfile.shaped.rowsPerSecond)} rows/s in plain SQLite with statistics (${pct(bulkProfile.shaped.rowsPerSecond / raw.rowsPerSecond)} of raw): ` +
        `the write amplification of rollups and audit trail${bulkProfile.shaped.rowsPerSecond / raw.rowsPerSecond < BULK_TARGET ? `, so the ${pct(BULK_TARGET)} target is not reachable with this write path even with a free Worker` : ""}. ` +
        `The rest is the Worker's own work and the batch's trip through D1's Durable Object` +
        `${v8.bulk ? `; the app's isolate, profiled over ${BULK_PROFILE_REQUESTS} bulk requests of a fresh user (same method as above): ${top("bulk", 8)}.` : "."}`,
    );
  }

  return profileText;
}
