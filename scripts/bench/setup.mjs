// npm run bench, steps 1-2: build as deploy would, start workerd on the bundle, seed, then switch to production vars.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { slotOf } from "../../src/db/slot.ts";
import { buildDeployBundle, listenerProcess, runtimeVersions } from "../lib/bench-worker.mjs";
import { signUpAndLogin } from "../lib/local-worker.mjs";
import { CONNECTIONS, DURATION, HISTORY, num, WARMUP } from "./config.mjs";
import { api, idsOfPages, log, restart, start, work, worker, workerdPid } from "./session.mjs";

export async function setUp() {
  // 1. Build as deploy would.
  const versions = runtimeVersions();
  const bundle = buildDeployBundle(join(work, "build"));
  log(
    `built ${bundle.main}: ${num(bundle.bytes)} B, gzip ${num(bundle.gzipBytes)} B (wrangler deploy --dry-run, ${bundle.seconds.toFixed(1)} s)`,
  );

  // 2. workerd with the deploy bundle. ENVIRONMENT=development only while seeding (/__dev/seed is 404 in production).
  const jwtSecret = randomBytes(48).toString("base64url");
  await start({ bundle, persistDir: join(work, "state"), environment: "development", jwtSecret });
  const migrations = await worker.applyMigrations();
  log(`workerd on ${worker.url}, migrations applied (${migrations.join(", ")})`);

  const hist = await signUpAndLogin(worker.url, "benchhist");
  // The reference reads the same shard as the app does for this user (slots start on slot mod shard count).
  const shards = worker.config.d1_databases.map((d) => d.binding).filter((b) => b !== "DB");
  const histShard = shards.length > 0 ? shards[slotOf(hist.id) % shards.length] : "DB";
  worker.setReferenceShard(histShard);
  const seedStarted = performance.now();
  const seeded = await api("POST", "/__dev/seed", hist.token, { offset: 0, count: HISTORY, days: 1000, start_date: "2024-01-01" });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  await api("POST", "/__dev/recompute", hist.token); // store the analytics snapshot: reads take the normal path
  const del = await signUpAndLogin(worker.url, "benchdel");
  const bulk = await signUpAndLogin(worker.url, "benchbulk");
  log(`seeded ${num(seeded.inserted)} transactions in ${seedSeconds.toFixed(1)} s`);

  // Measure with wrangler.toml's own vars: production. Same port, same D1 files.
  const environment = worker.config.vars.ENVIRONMENT;
  await restart({ env: environment });
  const listener = listenerProcess(worker.port);
  const devRouteStatus = (await fetch(`${worker.url}/__dev/seed`, { method: "POST" })).status;
  if (devRouteStatus !== 404) throw new Error(`/__dev/seed answered ${devRouteStatus} after switching to ENVIRONMENT=${environment}`);
  const [getIds, updateIds] = await idsOfPages(hist.token, 2);
  log(
    `measuring with ENVIRONMENT=${environment} (/__dev/seed now 404), workerd pid ${workerdPid}; ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s each`,
  );
  const auth = { authorization: `Bearer ${hist.token}` };
  return { versions, bundle, hist, histShard, seedSeconds, del, bulk, environment, listener, getIds, updateIds, auth };
}
