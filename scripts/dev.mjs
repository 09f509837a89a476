// npm run dev: `wrangler dev` (after scripts/prepare-local.mjs, the predev hook), minus the offline noise, and a
// last line with the docs URLs once the Worker answers. Extra arguments go to wrangler: npm run dev -- --port 9000.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const portArg = args.findIndex((a) => a === "--port" || a.startsWith("--port="));
const port = portArg < 0 ? "8787" : (args[portArg].split("=")[1] ?? args[portArg + 1]);
const base = `http://localhost:${port}`;

const child = spawn(process.execPath, [join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "dev", ...args], {
  cwd: root,
  stdio: "inherit",
  // Offline, miniflare's fetch of the `Request.cf` placeholder fails with a stack trace on every start; the built-in
  // placeholder is what it falls back to anyway.
  env: { CLOUDFLARE_CF_FETCH_ENABLED: "false", ...process.env },
});
// Ctrl-C reaches wrangler directly (same process group): this process only waits for it to finish.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

for (let waited = 0; waited < 120_000 && child.exitCode === null; waited += 500) {
  try {
    if ((await fetch(`${base}/health`)).ok) {
      console.log(`\nFinAnalyze is up: Swagger UI ${base}/api/v1/docs  ·  ReDoc ${base}/external-api/v1/docs  (Ctrl-C stops)\n`);
      break;
    }
  } catch {
    /* not up yet */
  }
  await new Promise((r) => setTimeout(r, 500));
}
