// Load generator for `npm run bench`, run as its own process so that it does not share an event loop
// (or a core's worth of JavaScript) with the benchmark driver. Reads one scenario as JSON on stdin,
// runs autocannon (warm-up, then the measured run) and prints one JSON result on stdout.
import { Buffer } from "node:buffer";
import autocannon from "autocannon";
import { syntheticRequestItem as syntheticItem } from "./synthetic.mjs";

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** One autocannon `requests` entry per scenario kind; counters are shared by all connections. */
function requestsFor(s, stats) {
  const json = { "content-type": "application/json" };
  let next = 0;
  switch (s.kind) {
    case "static":
      return [{ method: s.method, path: s.path, ...(s.body ? { body: JSON.stringify(s.body), headers: json } : {}) }];
    case "login": // the same account, each attempt from its own client address (see scripts/bench.mjs)
      return [
        {
          method: "POST",
          path: s.path,
          headers: json,
          body: JSON.stringify(s.body),
          setupRequest: (req) => {
            const n = ++next;
            return { ...req, headers: { ...req.headers, "cf-connecting-ip": `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` } };
          },
        },
      ];
    case "rotate": // GET one of a pool of ids, round robin
      return [{ method: "GET", setupRequest: (req) => ({ ...req, path: s.path.replace("{id}", s.ids[next++ % s.ids.length]) }) }];
    case "walk": // each id once (DELETE); an exhausted pool is counted and answered 404 by the server
      return [
        {
          method: s.method,
          setupRequest: (req) => {
            const id = s.ids[next++];
            stats.consumed = next;
            if (id === undefined) stats.exhausted++;
            return { ...req, path: s.path.replace("{id}", id ?? "txn_pool_exhausted") };
          },
        },
      ];
    case "create": // a different day and amount per request
      return [
        { method: "POST", path: s.path, headers: json, setupRequest: (req) => ({ ...req, body: JSON.stringify(syntheticItem(next++)) }) },
      ];
    case "update": // PUT on a pool of ids, round robin (pool >> connections, so no two in flight on one id)
      return [
        {
          method: "PUT",
          headers: json,
          setupRequest: (req) => {
            const n = next++;
            const body = {
              transaction_amount: syntheticItem(n).transaction_amount,
              status: n % 2 ? "pending" : "success",
              description: `bench update ${n}`,
            };
            return { ...req, path: s.path.replace("{id}", s.ids[n % s.ids.length]), body: JSON.stringify(body) };
          },
        },
      ];
    case "bulk": // `perRequest` new rows per request, numbered from `firstRow`
      return [
        {
          method: "POST",
          path: s.path,
          headers: json,
          setupRequest: (req) => {
            const first = s.firstRow + next++ * s.perRequest;
            const transactions = Array.from({ length: s.perRequest }, (_, i) => syntheticItem(first + i));
            return { ...req, body: JSON.stringify({ transactions }) };
          },
          onResponse: (status, body) => {
            if (status === 201) stats.created += JSON.parse(body).created;
            stats.done.push(performance.now());
          },
        },
      ];
    default:
      throw new Error(`unknown scenario kind ${s.kind}`);
  }
}

const s = await readStdin();
const stats = { exhausted: 0, created: 0, consumed: 0, done: /** @type {number[]} */ ([]) };
const started = performance.now();
const result = await autocannon({
  url: s.url,
  connections: s.connections,
  pipelining: 1,
  timeout: s.timeout ?? 10,
  headers: s.headers ?? {},
  requests: requestsFor(s, stats),
  ...(s.amount ? { amount: s.amount } : { duration: s.duration }),
  ...(s.warmup ? { warmup: { connections: s.connections, duration: s.warmup } } : {}),
});
const wallSeconds = (performance.now() - started) / 1000;
// Bulk: requests per second over the first and the last fifth of the responses (does the import slow down?).
const fifth = Math.floor(stats.done.length / 5);
const phases =
  fifth > 1
    ? [
        fifth / ((stats.done[fifth - 1] - started) / 1000),
        (fifth - 1) / ((stats.done[stats.done.length - 1] - stats.done[stats.done.length - fifth]) / 1000),
      ]
    : null;
const cpu = process.cpuUsage();
const seconds = (new Date(result.finish).getTime() - new Date(result.start).getTime()) / 1000;
process.stdout.write(
  JSON.stringify({
    seconds,
    wallSeconds,
    warmupTotal: result.warmup?.requests.total ?? 0,
    loadGeneratorCpu: (cpu.user + cpu.system) / 1e6 / wallSeconds,
    total: result.requests.total,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, v]) => [code, v.count])),
    latency: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.average, max: result.latency.max },
    bytes: result.throughput.total,
    exhausted: stats.exhausted,
    created: stats.created,
    consumed: stats.consumed,
    phases,
  }),
);
