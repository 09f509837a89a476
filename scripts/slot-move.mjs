// Starts moving one slot to another shard (docs/scaling.md): writes the move's row into the directory;
// the Worker's cron sweep (every 5 minutes) sees a move that has not advanced and sends its first step to
// the queue, which then carries it to the end. Usage:
//   node scripts/slot-move.mjs --slot 17 --to SHARD_4 --remote      (or --local, with `npm run dev` running)
// Watch it: wrangler d1 execute DB --remote --command "SELECT slot, phase, step, report FROM slot_moves"
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { d1Bindings, root } from "./lib/d1-bindings.mjs";

const args = process.argv.slice(2);
const value = (/** @type {string} */ name) => args[args.indexOf(name) + 1];
const slot = Number(value("--slot"));
const to = value("--to") ?? "";
const where = args.includes("--remote") ? "--remote" : args.includes("--local") ? "--local" : "";
if (!Number.isInteger(slot) || slot < 0 || slot > 255 || !where || !d1Bindings().some((b) => b.binding === to && to !== "DB")) {
  console.error("usage: node scripts/slot-move.mjs --slot 0-255 --to SHARD_n --remote|--local");
  process.exit(2);
}
const cursor = JSON.stringify({ user: "", table: 0, page: null, pageSize: 500, pagesPerStep: 20 });
const now = new Date().toISOString();
// updated_at in the past: the next cron run treats the move as stalled and sends its step.
const sql = `INSERT INTO slot_moves (slot, from_binding, to_binding, phase, step, cursor, report, started_at, updated_at)
  SELECT ${slot}, binding, '${to}', 'prepare', 0, '${cursor}', NULL, '${now}', '1970-01-01T00:00:00.000Z' FROM slots WHERE slot = ${slot} AND binding <> '${to}'
  ON CONFLICT (slot) DO UPDATE SET from_binding = excluded.from_binding, to_binding = excluded.to_binding, phase = 'prepare',
    step = step + 1, cursor = excluded.cursor, report = NULL, started_at = excluded.started_at, updated_at = excluded.updated_at
  WHERE phase IN ('done', 'failed');
SELECT slot, from_binding, to_binding, phase, step FROM slot_moves WHERE slot = ${slot};`;
const wrangler = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
execFileSync(process.execPath, [wrangler, "d1", "execute", "DB", where, "--command", sql], { cwd: root, stdio: "inherit" });
