// V8 CPU profiles of workerd's isolates over its DevTools inspector, for the profile step of `npm run bench`:
// the app's own isolate (attributed to source files through the bundle's source map) and Miniflare's
// isolates that serve its bindings (D1's Durable Object, the entry worker, the queue broker, ...).
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";

function connect(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let id = 0;
    const pending = new Map();
    ws.onmessage = (event) => {
      const msg = JSON.parse(String(event.data));
      const waiter = pending.get(msg.id);
      if (!waiter) return;
      pending.delete(msg.id);
      if (msg.error) waiter.reject(new Error(`${url}: ${msg.error.message}`));
      else waiter.resolve(msg.result);
    };
    ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
    ws.onopen = () =>
      resolve({
        send: (method, params = {}) =>
          new Promise((res, rej) => {
            pending.set(++id, { resolve: res, reject: rej });
            ws.send(JSON.stringify({ id, method, params }));
          }),
        close: () => ws.close(),
      });
  });
}

/**
 * Starts the sampling profiler in the isolates (all, or those named in `only`) of workerd's inspector at
 * `inspectorUrl`; `stop()` returns the profiles by target name.
 * @param {string} inspectorUrl
 * @param {{ intervalUs?: number, only?: string[] }} [options]
 */
export async function startProfiling(inspectorUrl, { intervalUs = 250, only } = {}) {
  const listed = /** @type {{ id: string, webSocketDebuggerUrl: string }[]} */ (
    await (await fetch(`http://${new URL(inspectorUrl).host}/json`)).json()
  );
  const targets = listed.filter((t) => !only || only.includes(t.id));
  const sessions = [];
  for (const target of targets) {
    try {
      const session = await connect(target.webSocketDebuggerUrl);
      await session.send("Profiler.enable");
      await session.send("Profiler.setSamplingInterval", { interval: intervalUs });
      await session.send("Profiler.start");
      sessions.push({ name: target.id, session });
    } catch {
      /* an isolate that cannot be profiled is left out */
    }
  }
  return {
    async stop() {
      const profiles = {};
      for (const { name, session } of sessions) {
        try {
          profiles[name] = (await session.send("Profiler.stop")).profile;
        } finally {
          session.close();
        }
      }
      return profiles;
    },
  };
}

const IDLE = new Set(["(idle)", "(root)"]);

/** Milliseconds of non-idle samples per profile. */
export function busyMs(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  let busy = 0;
  profile.samples.forEach((id, i) => {
    if (!IDLE.has(byId.get(id)?.callFrame.functionName)) busy += profile.timeDeltas[i] ?? 0;
  });
  return busy / 1000;
}

/** Where a bundled position came from: an npm package, a file under src/, or the runtime. */
function classify(frame, sourceMap) {
  if (frame.functionName === "(garbage collector)") return "V8: garbage collection";
  if (frame.functionName === "(program)") return "V8: (program) - runtime internals, compiling";
  if (!frame.url) return null; // native: charged to its JavaScript caller
  if (!/\.m?js$/.test(frame.url)) return `workerd's ${frame.url}`; // built-in modules, e.g. cloudflare-internal:d1-api (the D1 client)
  const entry = sourceMap?.findEntry(frame.lineNumber, frame.columnNumber);
  const source = entry?.originalSource ?? frame.url;
  // drizzle-orm's own source maps point at ../src/*.ts, which lands on node_modules/src/.
  if (/node_modules\/src\//.test(source)) return "drizzle-orm";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
  if (pkg) return pkg;
  const file = /(?:^|\/)(src\/.+)$/.exec(source)?.[1];
  return file ?? (entry?.originalSource ? source.replace(/^.*\//, "") : "bundle code without a source (esbuild/wrangler glue)");
}

/**
 * Self time of the app's profile by npm package or src/ file, natives (JSON, console.log, crypto, …)
 * charged to the JavaScript that called them. Returns [label, ms] pairs, largest first, and the busy total.
 */
export function attribute(profile, sourceMapFile) {
  let sourceMap = null;
  try {
    sourceMap = new SourceMap(JSON.parse(readFileSync(sourceMapFile, "utf8")));
  } catch {
    /* no map: bundle positions */
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map();
  const label = (id) => {
    if (memo.has(id)) return memo.get(id);
    const node = byId.get(id);
    let key = node ? classify(node.callFrame, sourceMap) : "?";
    if (key === null) key = parent.has(id) ? label(parent.get(id)) : "natives the runtime called directly (I/O, streams, microtasks)";
    memo.set(id, key);
    return key;
  };
  const totals = new Map();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node || IDLE.has(node.callFrame.functionName)) return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    busy += ms;
    const key = label(id);
    totals.set(key, (totals.get(key) ?? 0) + ms);
  });
  return { busy, parts: [...totals].sort((a, b) => b[1] - a[1]) };
}
