// Run before `npm run dev`: docs assets, a local JWT secret (never committed) and local D1 migrations.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
execFileSync(process.execPath, [join(root, "scripts", "prepare-assets.mjs")], { stdio: "inherit" });

const devVars = join(root, ".dev.vars");
if (!existsSync(devVars)) {
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(devVars, `# Generated on first run; gitignored. Local development only.\nJWT_SECRET=${secret}\nENVIRONMENT=development\n`, {
    mode: 0o600,
  });
  console.log("generated .dev.vars with a random local JWT_SECRET");
}

execFileSync(
  process.execPath,
  [join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "d1", "migrations", "apply", "DB", "--local"],
  {
    stdio: "inherit",
    cwd: root,
    env: { ...process.env, CI: "true" },
  },
);
