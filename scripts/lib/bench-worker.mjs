// For `npm run bench`: builds the Worker exactly as `wrangler deploy` does (--dry-run --outdir), and runs
// that bundle in workerd through Miniflare's API, with the bindings of wrangler.toml. No `wrangler dev`:
// no dev proxy worker, no esbuild watch, no middleware that wrangler dev injects.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { root } from "./local-worker.mjs";

const wranglerBin = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
// The miniflare (and through it the workerd) that this wrangler uses, not whichever copy npm hoisted:
// node_modules/miniflare may belong to another package (today: @cloudflare/vitest-plugin's older one).
const fromWrangler = createRequire(join(root, "node_modules", "wrangler", "package.json"));
const miniflarePackage = fromWrangler.resolve("miniflare/package.json");
const fromMiniflare = createRequire(miniflarePackage);
const workerdPackage = fromMiniflare.resolve("workerd/package.json");

export function runtimeVersions() {
  const version = (file) => JSON.parse(readFileSync(file, "utf8")).version;
  const workerdBinary = fromMiniflare("workerd").default;
  return {
    wrangler: version(join(root, "node_modules", "wrangler", "package.json")),
    miniflare: version(miniflarePackage),
    workerd: version(workerdPackage),
    workerdBinary,
    workerdDate: execFileSync(workerdBinary, ["--version"]).toString().trim(), // "workerd 2026-11-17"
  };
}

/** `wrangler deploy --dry-run --outdir`: the bundle that deploy would upload. Needs no login or network. */
export function buildDeployBundle(outdir) {
  const started = performance.now();
  const output = execFileSync(process.execPath, [wranglerBin, "deploy", "--dry-run", "--outdir", outdir], {
    cwd: root,
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 180_000,
  }).toString();
  const modules = readdirSync(outdir).filter((f) => /\.(m?js|wasm)$/.test(f));
  const main = modules.includes("index.js") ? "index.js" : modules[0];
  if (!main) throw new Error(`wrangler deploy --dry-run wrote no module into ${outdir}:\n${output}`);
  const bytes = modules.reduce((sum, f) => sum + statSync(join(outdir, f)).size, 0);
  const gzipBytes = modules.reduce((sum, f) => sum + gzipSync(readFileSync(join(outdir, f))).byteLength, 0);
  const reported = /Total Upload:\s*([\d.]+) KiB \/ gzip:\s*([\d.]+) KiB/.exec(output);
  return {
    dir: outdir,
    main,
    modules,
    bytes,
    gzipBytes,
    sha256: createHash("sha256")
      .update(readFileSync(join(outdir, main)))
      .digest("hex"),
    wranglerReported: reported ? { kib: Number(reported[1]), gzipKib: Number(reported[2]) } : null,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * A second, tiny Worker used only by the profile step: the same D1 database, the same workerd, the same
 * entry path, but none of the app. /noop is the floor, /d1 one D1 round trip (the auth lookup's query),
 * /d1x2 two, /jwt what hono/jwt's verify does per request (import the HMAC key, verify the signature).
 */
const PROBE_WORKER = `
const b64url = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const userQuery = (env, id) => env.DB.prepare("SELECT id, username, full_name, email, token_version FROM users WHERE id = ?").bind(id).first();
export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/noop") return Response.json({ status: "ok" });
    if (pathname === "/d1") return Response.json(await userQuery(env, env.USER_ID));
    if (pathname === "/d1x2") { await userQuery(env, env.USER_ID); return Response.json(await userQuery(env, env.USER_ID)); }
    if (pathname === "/jwt") {
      const token = (request.headers.get("authorization") ?? "").slice(7);
      const [h, p, s] = token.split(".");
      const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(env.JWT_SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
      const ok = await crypto.subtle.verify("HMAC", key, b64url(s), new TextEncoder().encode(h + "." + p));
      return Response.json({ ok, sub: JSON.parse(new TextDecoder().decode(b64url(p))).sub });
    }
    return new Response("not found", { status: 404 });
  },
};`;
export const PROBE_HOST = "probe.bench.invalid";

/**
 * The latency bench's D1: a wrapper around the binding that waits `ms` before every round trip
 * (prepare().first/all/run/raw, batch, on the binding and on its sessions), as a production Worker waits for
 * the network hop to D1's primary. Used only by the bench: an entry module written next to the deploy
 * bundle imports it unchanged and hands it an env whose DB is wrapped.
 */
const DELAYED_D1 = `
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function wrap(target, ms) {
  const statement = (s) => ({
    inner: s,
    bind: (...values) => statement(s.bind(...values)),
    first: async (column) => (await wait(ms), column === undefined ? s.first() : s.first(column)),
    all: async () => (await wait(ms), s.all()),
    run: async () => (await wait(ms), s.run()),
    raw: async (options) => (await wait(ms), s.raw(options)),
  });
  return {
    prepare: (query) => statement(target.prepare(query)),
    batch: async (list) => (await wait(ms), target.batch(list.map((s) => s.inner ?? s))),
    exec: async (query) => (await wait(ms), target.exec(query)),
    withSession: (constraint) => wrap(target.withSession(constraint), ms),
    getBookmark: () => (typeof target.getBookmark === "function" ? target.getBookmark() : null),
    dump: () => target.dump(),
  };
}
const envs = new WeakMap();
const isD1 = (v) => v && typeof v.prepare === "function" && typeof v.batch === "function" && typeof v.withSession === "function";
function delayed(env) {
  let e = envs.get(env);
  if (!e) {
    // Every D1 binding: the directory (DB) and each shard (SHARD_n).
    const ms = Number(env.BENCH_D1_DELAY_MS);
    e = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, isD1(v) ? wrap(v, ms) : v]));
    envs.set(env, e);
  }
  return e;
}`;

/**
 * The reference every endpoint is measured against: a bare Worker (a plain module, no framework) in the same
 * workerd, on the same D1 database, making one primary-key query per request: GET /{id} answers that
 * transaction row as JSON. The best a Worker that must reach D1 once can do here.
 */
const REFERENCE_WORKER = `
${DELAYED_D1}
export default {
  async fetch(request, env) {
    if (env.BENCH_D1_DELAY_MS) env = delayed(env);
    const id = new URL(request.url).pathname.slice(1);
    const row = await env.DB.prepare("SELECT * FROM transactions WHERE id = ?").bind(id).first();
    return row ? Response.json(row) : new Response("not found", { status: 404 });
  },
};`;
export const REFERENCE_HOST = "reference.bench.invalid";

/** Writes the delay-mode entry module beside the bundle and returns its file name. */
function delayedEntry(bundle) {
  const file = "bench-delayed-entry.js";
  writeFileSync(
    join(bundle.dir, file),
    `import app from "./${bundle.main}";
${DELAYED_D1}
export default {
  fetch: (request, env, ctx) => app.fetch(request, delayed(env), ctx),
  queue: (batch, env, ctx) => app.queue(batch, delayed(env), ctx),
  scheduled: (controller, env, ctx) => app.scheduled(controller, delayed(env), ctx),
};`,
  );
  return file;
}

/**
 * Starts workerd (through Miniflare) on 127.0.0.1 with the deploy bundle and wrangler.toml's bindings:
 * D1 (fresh, persisted under `persistDir`), the queue producer and consumers, the login rate limiter.
 * `restart()` swaps vars (for example ENVIRONMENT) or adds the probe Worker, keeping port and data.
 */
export async function startWorkerd({ bundle, persistDir, environment, jwtSecret }) {
  const { Miniflare, convertV4MiniflareOptions, Log, LogLevel } = await import(pathToFileURL(fromWrangler.resolve("miniflare")).href);
  const { unstable_readConfig } = await import("wrangler");
  const config = unstable_readConfig({ config: join(root, "wrangler.toml") });
  const defined = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const logs = { lines: 0, errors: /** @type {string[]} */ ([]) };
  // The reference and the probe query one database as DB: the shard that holds the measured user (setReferenceShard).
  let referenceShard = "DB";
  const databaseIdOf = (binding) => config.d1_databases.find((d) => d.binding === binding)?.database_id;

  const appWorker = (env, delayMs) => ({
    name: config.name,
    ...(delayMs
      ? {
          modules: [
            { type: "ESModule", path: join(bundle.dir, delayedEntry(bundle)) },
            { type: "ESModule", path: join(bundle.dir, bundle.main) },
          ],
        }
      : { scriptPath: join(bundle.dir, bundle.main), modules: true }),
    modulesRoot: bundle.dir,
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    bindings: { ...config.vars, ENVIRONMENT: env, JWT_SECRET: jwtSecret, ...(delayMs ? { BENCH_D1_DELAY_MS: String(delayMs) } : {}) },
    d1Databases: Object.fromEntries(config.d1_databases.map((d) => [d.binding, d.database_id])),
    queueProducers: Object.fromEntries(
      config.queues.producers.map((p) => [p.binding, defined({ queueName: p.queue, deliveryDelay: p.delivery_delay })]),
    ),
    queueConsumers: Object.fromEntries(
      config.queues.consumers.map((c) => [
        c.queue,
        defined({
          maxBatchSize: c.max_batch_size,
          maxBatchTimeout: c.max_batch_timeout,
          maxRetries: c.max_retries,
          deadLetterQueue: c.dead_letter_queue,
          retryDelay: c.retry_delay,
        }),
      ]),
    ),
    ratelimits: Object.fromEntries(config.ratelimits.map((r) => [r.name, { namespace_id: r.namespace_id, simple: r.simple }])),
  });
  const probeWorker = (userId) => ({
    name: "bench-probe",
    modules: true,
    script: PROBE_WORKER,
    compatibilityDate: config.compatibility_date,
    routes: [`${PROBE_HOST}/*`],
    bindings: { JWT_SECRET: jwtSecret, USER_ID: userId },
    d1Databases: { DB: databaseIdOf(referenceShard) },
  });
  const referenceWorker = (delayMs) => ({
    name: "bench-reference",
    modules: true,
    script: REFERENCE_WORKER,
    compatibilityDate: config.compatibility_date,
    routes: [`${REFERENCE_HOST}/*`],
    bindings: delayMs ? { BENCH_D1_DELAY_MS: String(delayMs) } : {},
    d1Databases: { DB: databaseIdOf(referenceShard) },
  });
  /** @param {{ env: string, port: number, probeUserId?: string, inspector?: boolean, delayMs?: number }} o */
  const options = ({ env, port, probeUserId, inspector, delayMs }) =>
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port,
      ...(inspector ? { inspectorPort: 0 } : {}),
      resourcePersistencePath: persistDir,
      cf: false, // placeholder request.cf: never fetch it from the network
      logRequests: false,
      telemetry: { enabled: false },
      log: new Log(LogLevel.WARN),
      // The app logs one JSON line per request; keep a count and any errors, print nothing.
      handleStructuredLogs: (log) => {
        logs.lines++;
        if (log.level === "error" && logs.errors.length < 20) logs.errors.push(log.message);
      },
      workers: [appWorker(env, delayMs), referenceWorker(delayMs), ...(probeUserId ? [probeWorker(probeUserId)] : [])],
    });

  const mf = new Miniflare(options({ env: environment, port: Number(process.env.BENCH_PORT ?? 0) }));
  let url = await mf.ready;
  const port = Number(url.port);
  return {
    mf,
    logs,
    get url() {
      return url.origin;
    },
    port,
    /** The wrangler.toml the bindings came from (for the report). */
    config,
    /** Every D1 binding gets its folder (migrations/shard for SHARD_n, migrations/directory for DB); the shards first. */
    async applyMigrations() {
      const applied = [];
      const ordered = [...config.d1_databases.filter((d) => d.binding !== "DB"), ...config.d1_databases.filter((d) => d.binding === "DB")];
      for (const { binding, migrations_dir } of ordered) {
        const db = await mf.getD1Database(binding);
        const dir = join(root, migrations_dir ?? "migrations");
        const files = readdirSync(dir)
          .filter((f) => f.endsWith(".sql"))
          .sort();
        for (const file of files) {
          const statements = readFileSync(join(dir, file), "utf8")
            .split("--> statement-breakpoint")
            .map((s) => s.trim())
            .filter(Boolean);
          await db.batch(statements.map((s) => db.prepare(s)));
        }
        applied.push(`${binding}: ${files.length}`);
      }
      return applied;
    },
    /** The shard binding the reference and probe Workers query (from the next restart on). */
    setReferenceShard(binding) {
      referenceShard = binding;
    },
    async restart({ env, probeUserId, inspector, delayMs }) {
      await mf.setOptions(options({ env, port, probeUserId, inspector, delayMs }));
      url = await mf.ready;
    },
    dispose: () => mf.dispose(),
  };
}

let clockTicks = 0;
function cpuOfStat(file) {
  if (!clockTicks) clockTicks = Number(execFileSync("getconf", ["CLK_TCK"]).toString()) || 100;
  const fields = readFileSync(file, "utf8")
    .replace(/^.*\) /, "")
    .split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/**
 * CPU seconds (user + system) that process `pid` has used so far, in total and per thread, from /proc;
 * NaN and no threads elsewhere.
 */
export function processCpu(pid) {
  const threads = new Map();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        threads.set(tid, cpuOfStat(`/proc/${pid}/task/${tid}/stat`));
      } catch {
        /* thread ended */
      }
    }
    return { total: cpuOfStat(`/proc/${pid}/stat`), threads };
  } catch {
    return { total: NaN, threads };
  }
}

/**
 * Which process owns the listening socket on 127.0.0.1:port (Linux /proc), and whether it is a descendant
 * of this process: evidence that requests reach workerd directly, not a proxy. Null where /proc is missing.
 */
export function listenerProcess(port) {
  try {
    const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
    const inodes = new Set();
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === "0A") inodes.add(cols[9]);
      }
    }
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      let fds;
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let target;
        try {
          target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) {
          const ancestors = [];
          for (let p = Number(pid); p > 1 && ancestors.length < 10; ) {
            p = Number(
              readFileSync(`/proc/${p}/stat`, "utf8")
                .replace(/^.*\) /, "")
                .split(" ")[1],
            );
            ancestors.push(p);
          }
          return {
            pid: Number(pid),
            exe: readlinkSync(`/proc/${pid}/exe`),
            childOfBench: ancestors.includes(process.pid),
            listeners: inodes.size,
          };
        }
      }
    }
  } catch {
    /* not Linux */
  }
  return null;
}
