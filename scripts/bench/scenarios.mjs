// npm run bench: the load of each endpoint (scripts/lib/load-child.mjs scenarios), shared by the throughput run,
// the latency mode and the profiles, and how a load result becomes a row of the report.
import { REFERENCE_HOST } from "../lib/bench-worker.mjs";

/** The scenarios of the seeded user's endpoints and of the reference Worker (same ids as get). */
export function scenariosOf({ auth, getIds, updateIds }) {
  return {
    health: { kind: "static", method: "GET", path: "/health" },
    reference: { kind: "rotate", path: "/{id}", ids: getIds, headers: { host: REFERENCE_HOST } },
    get: { kind: "rotate", path: "/api/v1/transaction/{id}", ids: getIds, headers: auth },
    list: { kind: "static", method: "GET", path: "/api/v1/transaction/all?limit=100", headers: auth },
    analytics: { kind: "static", method: "GET", path: "/api/v1/transaction/analytics/me", headers: auth },
    create: { kind: "create", path: "/api/v1/transaction/create", headers: auth },
    update: { kind: "update", path: "/api/v1/transaction/update/{id}", ids: updateIds, headers: auth },
    /** Every DELETE removes a distinct existing row of `ids`. */
    delete: (token, ids) => ({
      kind: "walk",
      method: "DELETE",
      path: "/api/v1/transaction/delete/{id}",
      ids,
      headers: { authorization: `Bearer ${token}` },
    }),
  };
}

/** One row of a report table from a load result (errors spelled out by kind). */
export function row(name, label, result) {
  const errors = result.non2xx + result.errors;
  const codes = Object.entries(result.statusCodes)
    .filter(([code]) => !code.startsWith("2"))
    .map(([code, n]) => `${n}x${code}`);
  if (result.timeouts) codes.push(`${result.timeouts} timeouts`);
  if (result.errors - result.timeouts > 0) codes.push(`${result.errors - result.timeouts} conn. errors`);
  if (result.exhausted) codes.push(`${result.exhausted} past the id pool`);
  return {
    name,
    label,
    ok: result.ok,
    consumed: result.consumed,
    rps: result.ok / result.seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
    errorDetail: codes.join(", "),
    cpuMs: result.workerdCpuMsPerRequest,
    cpuShare: result.workerdCpuShare,
    threadShare: result.workerdBusiestThreadShare,
    loadGeneratorCpu: result.loadGeneratorCpu,
  };
}
