// npm run test:e2e: the typed client example (examples/client.ts, hc<AppType>, run with tsx) against the Worker.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { root } from "../lib/local-worker.mjs";
import { assert, step } from "./run.mjs";

/**
 * Runs the typed client example against the Worker; resolves with its exit code and output.
 * @param {string} base
 * @returns {Promise<{ code: number | null, signal: string | null, output: string }>}
 */
export function runClientExample(base) {
  return new Promise((resolve, reject) => {
    const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs");
    const child = spawn(process.execPath, [tsx, join(root, "examples", "client.ts"), base], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (/** @type {Buffer} */ c) => (output += c));
    child.stderr.on("data", (/** @type {Buffer} */ c) => (output += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/** @param {string} base */
export async function clientExampleCheck(base) {
  await step("examples/client.ts (hc<AppType>) against the Worker", async () => {
    const { code, signal, output } = await runClientExample(base);
    assert(code === 0, `exit ${code ?? signal}:\n${output.slice(-2000)}`);
    assert(/^transaction_count: 1$/m.test(output), `output has no "transaction_count: 1" line:\n${output.slice(-2000)}`);
    return "exit 0, transaction_count: 1";
  });
}
