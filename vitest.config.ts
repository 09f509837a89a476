import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Tests run inside workerd with the real D1 bindings from wrangler.toml (the directory DB and 4 shards); storage is isolated per test file.
export default defineConfig(async () => {
  const folder = (name: string) => readD1Migrations(fileURLToPath(new URL(`./migrations/${name}`, import.meta.url)));
  const [shardMigrations, directoryMigrations] = await Promise.all([folder("shard"), folder("directory")]);
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            // test/apply-migrations.ts applies the shard folder to every SHARD_n, the directory folder to DB.
            TEST_SHARD_MIGRATIONS: shardMigrations,
            TEST_DIRECTORY_MIGRATIONS: directoryMigrations,
            JWT_SECRET: "test-secret-that-is-at-least-32-bytes-long!!",
            // Enables the local-only fault switches (never read in production).
            ENVIRONMENT: "test",
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
      // A real HTTP receiver on 127.0.0.1 for webhook deliveries (see the file).
      globalSetup: ["./test/harness/webhook-receiver.global.ts"],
      // The app logs a JSON line per request; show logs only for failing tests.
      silent: "passed-only" as const,
    },
  };
});
