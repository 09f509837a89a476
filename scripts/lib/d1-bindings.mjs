// The D1 bindings of wrangler.toml in migration order (issue 17): every shard first, then the directory (DB),
// so that when a shard and the directory are one database the shard schema is there before the directory's.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const wrangler = join(root, "node_modules", "wrangler", "bin", "wrangler.js");

/** @returns {{ binding: string, migrationsDir: string }[]} */
export function d1Bindings() {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  const sections = toml.split(/^\[\[d1_databases\]\]\s*$/m).slice(1);
  const list = sections.map((section) => ({
    binding: /^binding\s*=\s*"([^"]+)"/m.exec(section)?.[1] ?? "",
    migrationsDir: /^migrations_dir\s*=\s*"([^"]+)"/m.exec(section)?.[1] ?? "migrations",
  }));
  return [...list.filter((b) => b.binding !== "DB"), ...list.filter((b) => b.binding === "DB")];
}

/**
 * `wrangler d1 migrations apply` for every binding; `where` is ["--local"], ["--remote"] or with "--persist-to".
 * @returns {{ binding: string, applied: number }[]}
 */
export function migrateAll(/** @type {string[]} */ where, /** @type {import("node:child_process").StdioOptions} */ stdio = "pipe") {
  return d1Bindings().map(({ binding }) => {
    const out = execFileSync(process.execPath, [wrangler, "d1", "migrations", "apply", binding, ...where], {
      cwd: root,
      encoding: "utf8",
      stdio,
      env: { ...process.env, CI: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    });
    return { binding, applied: Number(/About to apply (\d+) migration/.exec(out ?? "")?.[1] ?? 0) };
  });
}
