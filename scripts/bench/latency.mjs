// npm run bench, step 3b: production-like latency. The same bundle and data, restarted so that every D1 round trip
// waits D1_DELAY_MS (scripts/lib/bench-worker.mjs); one request at a time; p50 and p99 per endpoint.
import { D1_DELAY_MS, DELAY_CONNECTIONS, DELAY_SLACK_MS, ms, num, ROUND_TRIPS } from "./config.mjs";
import { row, scenariosOf } from "./scenarios.mjs";
import { log, restart, runLoad } from "./session.mjs";

export async function measureLatency(ctx) {
  const { environment, del, pool, remove } = ctx;
  const load = scenariosOf(ctx);
  log(`latency mode: ${D1_DELAY_MS} ms before every D1 round trip, ${DELAY_CONNECTIONS} connections ...`);
  await restart({ env: environment, delayMs: D1_DELAY_MS });
  const delayed = [];
  const latency = async (name, label, scenario) => {
    const r = row(name, label, await runLoad({ connections: DELAY_CONNECTIONS, duration: 5, warmup: 1, ...scenario }));
    const trips = name === "reference" ? 1 : ROUND_TRIPS[name];
    Object.assign(r, { trips, limit: trips * D1_DELAY_MS + DELAY_SLACK_MS, oneTripLimit: D1_DELAY_MS + DELAY_SLACK_MS });
    delayed.push(r);
    log(
      `${label.padEnd(48)} p50 ${ms(r.p50)} ms  p99 ${ms(r.p99)} ms  ${num(r.rps)} req/s  errors ${r.errors}${r.errorDetail ? ` (${r.errorDetail})` : ""}`,
    );
  };
  await latency("reference", "reference: bare Worker, one D1 primary-key query", load.reference);
  await latency("get", "GET /api/v1/transaction/{id}", load.get);
  await latency("list", "GET /api/v1/transaction/all?limit=100", load.list);
  await latency("analytics", "GET /api/v1/transaction/analytics/me", load.analytics);
  await latency("create", "POST /api/v1/transaction/create", load.create);
  await latency("update", "PUT /api/v1/transaction/update/{id}", load.update);
  // The ids the throughput run did not delete.
  await latency("delete", "DELETE /api/v1/transaction/delete/{id}", load.delete(del.token, pool.slice(remove.consumed)));
  await restart({ env: environment });
  return { delayed };
}
