// npm run bench, step 5: where the time goes when a target is missed: the CPU cost of one D1 round trip (a probe
// Worker in the same workerd) and V8 sampling profiles of the app's isolate (scripts/lib/profiler.mjs).
import { join } from "node:path";
import { PROBE_HOST } from "../lib/bench-worker.mjs";
import { signUpAndLogin } from "../lib/local-worker.mjs";
import { attribute, startProfiling } from "../lib/profiler.mjs";
import { BULK_PROFILE_REQUESTS, ms2, PROFILE_SECONDS, pct } from "./config.mjs";
import { scenariosOf } from "./scenarios.mjs";
import { bulkScenario, log, restart, runLoad, worker } from "./session.mjs";

/** CPU per request of the probe Worker's /noop, one D1 query and two: the runtime's cost of one round trip. */
export async function probeRoundTrip({ environment, hist }) {
  await restart({ env: environment, probeUserId: hist.id });
  const probeRun = async (path) => {
    const r = await runLoad({ kind: "static", method: "GET", path, duration: PROFILE_SECONDS, warmup: 1, headers: { host: PROBE_HOST } });
    if (r.non2xx + r.errors > 0) throw new Error(`probe ${path}: ${JSON.stringify(r.statusCodes)}`);
    return { rps: r.ok / r.seconds, cpuMs: r.workerdCpuMsPerRequest };
  };
  const noop = await probeRun("/noop");
  const d1 = await probeRun("/d1");
  const d1x2 = await probeRun("/d1x2");
  const probe = { noop, d1, d1x2, roundTripMs: (d1x2.cpuMs - noop.cpuMs) / 2 };
  log(
    `probe: noop ${ms2(probe.noop.cpuMs)}, 1 D1 query ${ms2(probe.d1.cpuMs)}, 2 queries ${ms2(probe.d1x2.cpuMs)} ms CPU/req -> ${ms2(probe.roundTripMs)} ms per D1 round trip`,
  );
  return probe;
}

/** V8 sampling profile of the app's isolate (DevTools inspector) while it serves each of `names` (get, create, bulk). */
export async function profileV8(ctx, names) {
  const { environment, bundle } = ctx;
  const load = scenariosOf(ctx);
  const v8 = {};
  await restart({ env: environment, inspector: true });
  const inspector = (await worker.mf.getInspectorURL()).href;
  const target = `core:user:${worker.config.name}`;
  for (const name of names) {
    // Each after an unprofiled warm-up on the fresh isolate, so that the profile is not of the JIT warming up.
    let scenario;
    if (name === "get" || name === "create") scenario = { ...load[name], duration: PROFILE_SECONDS, warmup: 0 };
    else scenario = { ...bulkScenario((await signUpAndLogin(worker.url, "benchprofile")).token), amount: BULK_PROFILE_REQUESTS }; // a fresh user: short history
    await runLoad(scenario.amount ? { ...scenario, amount: 8, firstRow: 1_000_000 } : { ...scenario, duration: 1 });
    const session = await startProfiling(inspector, { intervalUs: 1000, only: [target] });
    const r = await runLoad(scenario);
    const profiles = await session.stop();
    if (!profiles[target]) throw new Error("no profile from the app's isolate");
    v8[name] = { ...attribute(profiles[target], join(bundle.dir, `${bundle.main}.map`)), requests: r.total };
    log(
      `V8 profile of ${name}: ${v8[name].parts
        .slice(0, 5)
        .map(([k, t]) => `${k} ${pct(t / v8[name].busy)}`)
        .join(", ")}`,
    );
  }
  return v8;
}
