// npm run test:readme: runs the README's walkthrough (the ```sh walkthrough blocks) top to bottom in bash against
// a fresh local Worker, and checks that every command group prints exactly the output the README shows under it, and
// that the Endpoints table lists every operation of /openapi.json.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { root, startLocalWorker } from "./lib/local-worker.mjs";
import { operationsMissingFromTable, outputMatches, walkthroughSteps } from "./lib/walkthrough.mjs";

const PORT = Number(process.env.README_TEST_PORT ?? 8797);
/** Printed between command groups, so each group's output can be compared on its own. */
const MARKER = "@@walkthrough-step@@";

const readme = readFileSync(join(root, "README.md"), "utf8");
const steps = walkthroughSteps(readme);
if (steps.length < 10) throw new Error(`found only ${steps.length} walkthrough steps in README.md; are the blocks marked`);
const script = steps.map((s) => `${s.code}\nprintf '\\n${MARKER}\\n'`).join("\n");

const work = mkdtempSync(join(tmpdir(), "finanalyze-readme-"));
console.log(`readme: ${steps.length} steps; starting the Worker on port ${PORT} (fresh state in ${work})`);
const worker = await startLocalWorker({ port: PORT, persistTo: join(work, "state") });
let failures = 0;
try {
  // The Endpoints table lists every operation the Worker documents.
  const doc = /** @type {{ paths: Record<string, Record<string, unknown>> }} */ (await (await fetch(`${worker.base}/openapi.json`)).json());
  const missing = operationsMissingFromTable(readme, doc);
  if (missing.length) {
    failures += 1;
    console.log(`\nFAIL the README's Endpoints table misses operations of /openapi.json:\n  ${missing.join("\n  ")}`);
  }
  const run = spawnSync("bash", ["-c", script], {
    cwd: work,
    encoding: "utf8",
    timeout: 120_000,
    // The README assumes `node` on PATH; use the one running this script.
    env: { ...process.env, API: worker.base, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
  });
  if (run.error) throw run.error;
  const outputs = run.stdout.split(`\n${MARKER}\n`);
  steps.forEach((step, i) => {
    const actual = (outputs[i] ?? "").replace(/\n$/, "");
    if (outputMatches(step.expected, actual)) return;
    failures += 1;
    console.log(`\nFAIL README.md:${step.line}\n--- commands\n${step.code.trim()}\n--- README shows\n${step.expected}\n--- got\n${actual}`);
  });
  if (run.stderr.trim() !== "") {
    failures += 1;
    console.log(`\nFAIL the walkthrough wrote to stderr:\n${run.stderr}`);
  }
  if (run.status !== 0) {
    failures += 1;
    console.log(`\nFAIL bash exited with ${run.status ?? run.signal}`);
  }
} finally {
  await worker.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(failures === 0 ? `readme: PASSED (${steps.length} steps)` : `readme: FAILED (${failures} problems)`);
process.exitCode = failures === 0 ? 0 : 1;
