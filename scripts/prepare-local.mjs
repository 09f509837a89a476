// Run before `npm run dev` and `npm run seed`: docs assets, a local JWT secret (never committed) and local D1
// migrations. Prints one line; wrangler's own output is shown only if a step fails.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { migrateAll } from "./lib/d1-bindings.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Runs a Node script quietly; on failure prints what it said and exits. */
function quietly(/** @type {string} */ what, /** @type {string[]} */ args) {
  try {
    return execFileSync(process.execPath, args, {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "true" },
    });
  } catch (err) {
    const { stdout = "", stderr = "" } = /** @type {{ stdout?: string, stderr?: string }} */ (err);
    console.error(`prepare-local: ${what} failed:\n${stdout}${stderr}`);
    process.exit(1);
  }
}

quietly("copying the docs assets", [join(root, "scripts", "prepare-assets.mjs")]);

const devVars = join(root, ".dev.vars");
let secretNote = "";
if (!existsSync(devVars)) {
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(devVars, `# Generated on first run; gitignored. Local development only.\nJWT_SECRET=${secret}\nENVIRONMENT=development\n`, {
    mode: 0o600,
  });
  secretNote = ", generated .dev.vars (random local JWT_SECRET)";
}

let migrated;
try {
  migrated = migrateAll(["--local"]);
} catch (err) {
  const { stdout = "", stderr = "" } = /** @type {{ stdout?: string, stderr?: string }} */ (err);
  console.error(`prepare-local: applying the local D1 migrations failed:\n${stdout}${stderr}`);
  process.exit(1);
}
const applied = migrated.reduce((n, m) => n + m.applied, 0);
console.log(
  `prepare-local: docs assets copied${secretNote}, local D1 (directory + ${migrated.length - 1} shards) ${applied ? `migrated (${applied} applied)` : "up to date"} (.wrangler/state)`,
);
