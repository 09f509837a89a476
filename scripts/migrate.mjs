// `npm run db:migrate:local` / `:remote`: migrates every shard (migrations/shard), then the directory
// (migrations/directory). Extra arguments go to wrangler (for example --persist-to).
import { migrateAll } from "./lib/d1-bindings.mjs";

const where = process.argv.slice(2);
if (!where.includes("--local") && !where.includes("--remote")) {
  console.error("usage: node scripts/migrate.mjs --local|--remote [wrangler options]");
  process.exit(2);
}
for (const { binding, applied } of migrateAll(where, ["ignore", "pipe", "inherit"])) {
  console.log(`${binding}: ${applied ? `${applied} migration(s) applied` : "up to date"}`);
}
