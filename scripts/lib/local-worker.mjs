// Starts `wrangler dev` on its own port and state directory, for benchmarks and stress runs.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { migrateAll } from "./d1-bindings.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const wrangler = join(root, "node_modules", "wrangler", "bin", "wrangler.js");

export async function startLocalWorker({ port, persistTo, fresh = true, vars = {} }) {
  // .dev.vars (JWT secret) and the docs assets.
  execFileSync(process.execPath, [join(root, "scripts", "prepare-local.mjs")], { stdio: "ignore", cwd: root });
  if (fresh) rmSync(resolve(root, persistTo), { recursive: true, force: true });
  migrateAll(["--local", "--persist-to", persistTo]);
  const varArgs = Object.entries({ ENVIRONMENT: "development", ...vars }).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const child = spawn(
    process.execPath,
    [wrangler, "dev", "--port", String(port), "--persist-to", persistTo, "--log-level", "warn", ...varArgs],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, CI: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
      // Own process group, so wrangler and its workerd can be stopped (or killed) together.
      detached: true,
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`wrangler dev did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base,
    child,
    /** @param {NodeJS.Signals} [signal] */
    stop: (signal = "SIGTERM") =>
      /** @type {Promise<void>} */ (
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once("exit", () => resolve());
          try {
            process.kill(-(child.pid ?? 0), signal);
          } catch {
            child.kill(signal);
          }
        })
      ),
  };
}

export async function signUpAndLogin(base, prefix) {
  const username = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const password = "benchmark-password";
  const json = { "content-type": "application/json" };
  const signUp = await fetch(`${base}/api/v1/user/sign_up`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ username, password, full_name: prefix }),
  });
  if (signUp.status !== 201) throw new Error(`sign_up ${signUp.status}: ${await signUp.text()}`);
  const login = await fetch(`${base}/api/v1/user/login`, { method: "POST", headers: json, body: JSON.stringify({ username, password }) });
  const body = await readJson(login);
  return { token: body.access_token, id: body.user.id, username, password };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function median(values) {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export function packageVersion(name) {
  return JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;
}

/**
 * The JSON body of a response, untyped: these scripts check shapes at run time.
 * @param {Response} res
 * @returns {Promise<any>}
 */
export function readJson(res) {
  return res.json();
}

/**
 * @param {string} url
 * @param {RequestInit} [init]
 * @returns {Promise<any>}
 */
export async function getJson(url, init) {
  return readJson(await fetch(url, init));
}
