// npm run bench — throughput of the production build: the bundle `wrangler deploy` would upload, run in
// workerd (Miniflare's API) with a local D1, the queue and the rate limiter, loaded over loopback by
// autocannon from a separate process. Writes its section of docs/benchmarks.md. 3-4 minutes on 2 cores.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `npm run bench needs Node >= 22.12 (wrangler, node:sqlite); this is ${process.version}. Run it through npm, which uses the project's Node 24.`,
  );
  process.exit(1);
}

// Imported only now: the modules below need node:sqlite and current wrangler. Step by step in scripts/bench/.
const session = await import("./bench/session.mjs");
const { setUp } = await import("./bench/setup.mjs");
const { measureEndpoints } = await import("./bench/endpoints.mjs");
const { measureLatency } = await import("./bench/latency.mjs");
const { measureBulk } = await import("./bench/bulk.mjs");
const { probeRoundTrip, profileV8 } = await import("./bench/profile.mjs");
const { profileBulk } = await import("./bench/profile-bulk.mjs");
const { report } = await import("./bench/report.mjs");

let exitCode = 0;
try {
  /** @type {any} What every step found, for the next ones and the report. */
  const ctx = await setUp(); // 1-2. the deploy bundle in workerd, seeded, production vars
  Object.assign(ctx, await measureEndpoints(ctx)); // 3. throughput, as shares of the reference Worker
  Object.assign(ctx, await measureLatency(ctx)); // 3b. 25 ms per D1 round trip: p50/p99
  Object.assign(ctx, await measureBulk(ctx)); // 4. bulk import vs raw SQLite; targets
  // 5. Profile only where a target was missed.
  const { missed, bulkMet } = ctx;
  if (missed.length > 0) {
    session.log(`profiling (missed: ${missed.map((r) => r.name).join(", ")}): probe Worker in the same workerd, on the same D1 ...`);
    ctx.probe = await probeRoundTrip(ctx);
  } else ctx.probe = null;
  const profiled = [...(missed.length > 0 ? ["get", "create"] : []), ...(bulkMet ? [] : ["bulk"])];
  ctx.v8 = profiled.length > 0 ? await profileV8(ctx, profiled) : {};
  ctx.bulkProfile = bulkMet ? null : await profileBulk(ctx);
  report(ctx); // 6.
  if (session.worker.logs.errors.length) console.log(`worker error logs:\n${session.worker.logs.errors.join("\n")}`);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await session.cleanup();
}
process.exit(exitCode);
