// npm run seed — a demo user with a year of realistic transactions in the LOCAL D1 database
// (the one `npm run dev` uses), so the docs show real analytics at once.
// Credentials: demo / demo-password-2026. Running it again replaces the demo data.
import { execFileSync } from "node:child_process";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./lib/local-worker.mjs";

export const DEMO = { id: "usr_demo00000000000000000000000", username: "demo", password: "demo-password-2026", fullName: "Demo User" };
const ITERATIONS = 100_000; // the production Workers maximum, same format as src/auth/password.ts

function passwordHash(password) {
  const salt = randomBytes(16);
  const hash = pbkdf2Sync(password, salt, ITERATIONS, 32, "sha256");
  return ["pbkdf2-sha256", ITERATIONS, salt.toString("base64"), hash.toString("base64")].join("$");
}

// A small deterministic PRNG so every run seeds the same story.
let state = 20261125;
const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = (items) => items[Math.floor(random() * items.length)];
const cents = (min, max) => Math.round(min * 100 + random() * (max - min) * 100);

function* yearOfTransactions(end) {
  const start = new Date(Date.UTC(end.getUTCFullYear() - 1, end.getUTCMonth(), end.getUTCDate()));
  for (let day = new Date(start); day < end; day.setUTCDate(day.getUTCDate() + 1)) {
    const date = day.toISOString().slice(0, 10);
    const at = (hour) => `${date}T${String(hour).padStart(2, "0")}:${String(Math.floor(random() * 60)).padStart(2, "0")}:00.000Z`;
    const dom = day.getUTCDate();
    const weekday = day.getUTCDay();
    if (dom === 1) yield { date: at(9), amount: 520000, type: "credit", description: "Salary" };
    if (dom === 2) yield { date: at(10), amount: 175000, type: "debit", description: "Rent" };
    if (dom === 5) yield { date: at(8), amount: cents(60, 140), type: "debit", description: "Electricity and water" };
    if (dom === 12) yield { date: at(7), amount: 1599, type: "debit", description: "Music subscription" };
    if (dom === 20 && random() < 0.5) yield { date: at(15), amount: cents(50, 400), type: "credit", description: "Freelance invoice" };
    if (weekday === 6) yield { date: at(11), amount: cents(45, 160), type: "debit", description: "Groceries" };
    if (weekday >= 1 && weekday <= 5 && random() < 0.6) yield { date: at(8), amount: cents(3, 6), type: "debit", description: "Coffee" };
    if (random() < 0.15)
      yield {
        date: at(19),
        amount: cents(15, 120),
        type: "debit",
        description: pick(["Restaurant", "Books", "Pharmacy", "Taxi", "Cinema"]),
      };
    if (random() < 0.02) yield { date: at(13), amount: cents(80, 600), type: "debit", description: "Travel", currency: "EUR" };
  }
}

const q = (value) => (value === null ? "NULL" : typeof value === "number" ? String(value) : `'${String(value).replaceAll("'", "''")}'`);

function seedSql() {
  const now = new Date().toISOString();
  const rows = [...yearOfTransactions(new Date())].map((t, i) => ({
    id: `txn_demo${String(i).padStart(22, "0")}`,
    currency: "USD",
    status: random() < 0.03 ? "pending" : "success",
    ...t,
  }));
  const rollups = new Map();
  for (const r of rows) {
    const key = `${r.currency}|${r.date.slice(0, 10)}`;
    const agg = rollups.get(key) ?? { n: 0, credit: 0, debit: 0 };
    agg.n += 1;
    agg[r.type] += r.amount;
    rollups.set(key, agg);
  }
  const statements = [
    // Replacing the demo user: its rows go first (D1 enforces the foreign keys).
    ...["audit_log", "analytics_state", "daily_rollups", "transactions", "idempotency_keys"].map(
      (table) => `DELETE FROM ${table} WHERE ${table === "idempotency_keys" ? "scope" : "user_id"} = ${q(DEMO.id)};`,
    ),
    `DELETE FROM users WHERE id = ${q(DEMO.id)} OR username = ${q(DEMO.username)} COLLATE NOCASE;`,
    `DELETE FROM login_failures WHERE key = ${q(`user:${DEMO.username}`)};`,
    `INSERT INTO users (id, username, full_name, email, password_hash, token_version, created_at, updated_at) VALUES (${[DEMO.id, DEMO.username, DEMO.fullName, "demo@example.com", passwordHash(DEMO.password), 0, now, now].map(q).join(", ")});`,
    ...rows.map(
      (r) =>
        `INSERT INTO transactions (id, user_id, transaction_date, amount_minor, currency, transaction_type, status, description, external_id, etag, created_at, updated_at) VALUES (${[r.id, DEMO.id, r.date, r.amount, r.currency, r.type, r.status, r.description, null, randomBytes(12).toString("hex"), now, now].map(q).join(", ")});`,
    ),
    ...[...rollups].map(([key, a]) => {
      const [currency, day] = key.split("|");
      return `INSERT INTO daily_rollups (user_id, currency, day, tx_count, credit_minor, debit_minor) VALUES (${[DEMO.id, currency, day, a.n, a.credit, a.debit].map(q).join(", ")});`;
    }),
    // Counter ahead of any snapshot: the first read answers from the rollups and queues a recompute.
    `INSERT INTO analytics_state (user_id, version, snapshot_version) VALUES (${q(DEMO.id)}, 1, 0);`,
  ];
  return { sql: statements.join("\n"), count: rows.length, usd: rows.filter((r) => r.currency === "USD").length };
}

const { sql, count, usd } = seedSql();
const dir = mkdtempSync(join(tmpdir(), "finanalyze-seed-"));
try {
  const file = join(dir, "seed.sql");
  writeFileSync(file, sql);
  execFileSync(
    process.execPath,
    [
      join(root, "node_modules", "wrangler", "bin", "wrangler.js"),
      "d1",
      "execute",
      "DB",
      "--local",
      "--file",
      file,
      ...process.argv.slice(2),
    ],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, CI: "true" },
    },
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  [
    `seeded ${count} transactions over the past year for "${DEMO.username}" (password "${DEMO.password}"):`,
    `  ${usd} in USD and ${count - usd} in EUR (travel), so the default USD analytics count ${usd}, not ${count}.`,
    "Next: `npm run dev`, open http://localhost:8787/api/v1/docs, Authorize with demo / demo-password-2026 (OAuth2 password),",
    "  then Try it out on GET /api/v1/transaction/analytics/{user_id} with user_id `me`.",
  ].join("\n"),
);
