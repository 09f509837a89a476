import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { shardBindingNames } from "../src/db/shards";

// Runs before each test file; applyD1Migrations skips migrations already applied. Shards first, then the
// directory (when a shard is the directory's own database, the shard schema must come first).
for (const name of shardBindingNames(env)) {
  if (name !== "DB") await applyD1Migrations(env[name as "DB"], env.TEST_SHARD_MIGRATIONS);
}
if (shardBindingNames(env).includes("DB")) await applyD1Migrations(env.DB, env.TEST_SHARD_MIGRATIONS);
await applyD1Migrations(env.DB, env.TEST_DIRECTORY_MIGRATIONS, "d1_migrations_directory");
