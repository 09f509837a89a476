// npm run seed — a demo user with a year of realistic transactions in the LOCAL D1 database
// (the one `npm run dev` uses), so the docs show real analytics at once.
// Credentials: demo / demo-password-2026. Running it again replaces the demo data.
import { execFileSync } from "node:child_process";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CREDIT_MINOR, DEBIT_MINOR, ROW_CATEGORY, ROW_DAY } from "../src/analytics/rollup-sql.ts";
import { slotOf } from "../src/db/slot.ts";
import { d1Bindings } from "./lib/d1-bindings.mjs";
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
    if (dom === 3) yield { date: at(12), amount: 50000, type: "debit", description: "Savings transfer" };
    // More recurring streams for GET /transaction/recurring (with the salary, rent and music above): one at month
    // ends and one that got dearer halfway through the year. Times are UTC; the demo user's zone is America/New_York.
    if (dom === 15) yield { date: at(16), amount: day.getUTCMonth() >= 6 ? 1799 : 1549, type: "debit", description: "NETFLIX.COM" };
    if (new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0)).getUTCDate() === dom)
      yield { date: at(17), amount: 3900, type: "debit", description: "Gym membership" };
  }
}

// Demo categories (one level of nesting; Transfers excluded from analytics), merchants and rules.
const cat = (key) => `cat_demo${key.padEnd(22, "0")}`;
const CATEGORIES = [
  { key: "income", name: "Income", parent: null },
  { key: "housing", name: "Housing", parent: null },
  { key: "utilities", name: "Utilities", parent: "housing" },
  { key: "food", name: "Food", parent: null },
  { key: "groceries", name: "Groceries", parent: "food" },
  { key: "coffee", name: "Coffee", parent: "food" },
  { key: "eatingout", name: "Eating out", parent: "food" },
  { key: "leisure", name: "Leisure", parent: null },
  { key: "travel", name: "Travel", parent: null },
  { key: "transfers", name: "Transfers", parent: null, exclude: true },
];
const LABELS = {
  Salary: ["income", "Acme Corp"],
  Rent: ["housing", "City Apartments"],
  "Electricity and water": ["utilities", "City Utilities"],
  "Music subscription": ["leisure", "Spotify"],
  "Freelance invoice": ["income", null],
  Groceries: ["groceries", "Corner Grocery"],
  Coffee: ["coffee", "Blue Bottle"],
  Restaurant: ["eatingout", "Trattoria Roma"],
  Books: ["leisure", "Bookshop"],
  Pharmacy: [null, "Pharmacy Plus"],
  Taxi: ["travel", "Uber"],
  Cinema: ["leisure", "Odeon"],
  Travel: ["travel", "Air Europa"],
  "Savings transfer": ["transfers", null],
  "NETFLIX.COM": ["leisure", "Netflix"],
  "Gym membership": ["leisure", "City Gym"],
};
const RULES = [
  {
    name: "Coffee shops",
    conditions: [{ field: "description", op: "contains", value: "coffee" }],
    actions: [{ set_category: cat("coffee") }, { set_merchant: "Blue Bottle" }],
  },
  {
    name: "Groceries",
    conditions: [{ field: "merchant", op: "equals", value: "Corner Grocery" }],
    actions: [{ set_category: cat("groceries") }, { add_tag: "weekly" }],
  },
  {
    name: "Big spend",
    conditions: [
      { field: "amount", op: "gte", value: "500" },
      { field: "transaction_type", op: "equals", value: "debit" },
    ],
    actions: [{ add_tag: "big" }],
  },
];

const q = (value) => (value === null ? "NULL" : typeof value === "number" ? String(value) : `'${String(value).replaceAll("'", "''")}'`);

function seedSql() {
  const now = new Date().toISOString();
  const rows = [...yearOfTransactions(new Date())].map((t, i) => ({
    id: `txn_demo${String(i).padStart(22, "0")}`,
    currency: "USD",
    status: random() < 0.03 ? "pending" : "success",
    ...t,
    category: LABELS[t.description]?.[0] ? cat(LABELS[t.description][0]) : null,
    merchant: LABELS[t.description]?.[1] ?? null,
    // The tags the demo rules would add (Groceries: "weekly", Big spend: "big").
    tags: JSON.stringify([
      ...(LABELS[t.description]?.[1] === "Corner Grocery" ? ["weekly"] : []),
      ...(t.amount >= 50000 && t.type === "debit" ? ["big"] : []),
    ]),
  }));
  const statements = [
    // Replacing the demo user: its rows go first (D1 enforces the foreign keys).
    ...[
      "audit_log",
      "analytics_state",
      "daily_rollups",
      "merchant_rollups",
      "recurring_streams",
      "recurring_state",
      "transactions",
      "rules",
      "categories",
      "idempotency_keys",
    ].map((table) => `DELETE FROM ${table} WHERE ${table === "idempotency_keys" ? "scope" : "user_id"} = ${q(DEMO.id)};`),
    `DELETE FROM users WHERE id = ${q(DEMO.id)};`,
    `INSERT INTO users (id, username, full_name, email, token_version, slot, time_zone, week_start, created_at, updated_at) VALUES (${[DEMO.id, DEMO.username, DEMO.fullName, "demo@example.com", 0, slotOf(DEMO.id), "America/New_York", "monday", now, now].map(q).join(", ")});`,
    ...CATEGORIES.map(
      (c) =>
        `INSERT INTO categories (id, user_id, name, parent_id, color, exclude_from_analytics, created_at, updated_at) VALUES (${[cat(c.key), DEMO.id, c.name, c.parent ? cat(c.parent) : null, null, c.exclude ? 1 : 0, now, now].map(q).join(", ")});`,
    ),
    ...RULES.map(
      (r, i) =>
        `INSERT INTO rules (id, user_id, name, position, active, match, conditions, actions, stop_processing, created_at, updated_at) VALUES (${[`rul_demo${String(i).padStart(22, "0")}`, DEMO.id, r.name, i * 10, 1, "all", JSON.stringify(r.conditions), JSON.stringify(r.actions), 0, now, now].map(q).join(", ")});`,
    ),
    ...rows.map(
      (r) =>
        `INSERT INTO transactions (id, user_id, transaction_date, amount_minor, currency, transaction_type, status, description, external_id, category_id, merchant, tags, etag, created_at, updated_at) VALUES (${[r.id, DEMO.id, r.date, r.amount, r.currency, r.type, r.status, r.description, null, r.category, r.merchant, r.tags, randomBytes(12).toString("hex"), now, now].map(q).join(", ")});`,
    ),
    // Rollups derived from the rows just written, with the rollups' own SQL (src/analytics/rollup-sql.ts).
    ...["daily_rollups", "merchant_rollups"].map((table) => {
      const merchant = table === "merchant_rollups";
      return `INSERT INTO ${table} (user_id, currency, day, category_id, ${merchant ? "merchant, " : ""}tx_count, credit_minor, debit_minor)
  SELECT user_id, currency, ${ROW_DAY}, ${ROW_CATEGORY}, ${merchant ? "MIN(merchant), " : ""}COUNT(*),
    SUM(${CREDIT_MINOR}), SUM(${DEBIT_MINOR})
  FROM transactions WHERE user_id = ${q(DEMO.id)}${merchant ? " AND merchant IS NOT NULL" : ""} GROUP BY 1, 2, 3, 4${merchant ? ", merchant COLLATE NOCASE" : ""};`;
    }),
    // Label version (migration 0008) that no isolate can have cached for the demo user: a running dev server reloads its categories and rules.
    `INSERT INTO label_versions (user_id, version) VALUES (${q(DEMO.id)}, ${Math.floor(Date.now() / 1000)});`,
    // Counter ahead of any snapshot and any detection: the first analytics or recurring read answers from
    // what is stored and queues the consumer, which computes the snapshot and detects the streams.
    `INSERT INTO analytics_state (user_id, version, snapshot_version) VALUES (${q(DEMO.id)}, 1, 0);`,
  ];
  // The directory's part (docs/scaling.md): the login account, in DB; everything above goes to the demo user's shard.
  const directory = [
    `DELETE FROM accounts WHERE id = ${q(DEMO.id)} OR username = ${q(DEMO.username)} COLLATE NOCASE;`,
    `DELETE FROM login_failures WHERE key = ${q(`user:${DEMO.username}`)};`,
    `INSERT INTO accounts (id, username, password_hash, slot, created_at, updated_at) VALUES (${[DEMO.id, DEMO.username, passwordHash(DEMO.password), slotOf(DEMO.id), now, now].map(q).join(", ")});`,
  ];
  return {
    sql: statements.join("\n"),
    directorySql: directory.join("\n"),
    count: rows.length,
    usd: rows.filter((r) => r.currency === "USD").length,
  };
}

const { sql, directorySql, count, usd } = seedSql();
// The demo user's shard as the directory's slot table starts it (slot mod shard count; a local slot move is not followed).
const shards = d1Bindings()
  .map((b) => b.binding)
  .filter((b) => b !== "DB");
const shard = shards.length > 0 ? shards[slotOf(DEMO.id) % shards.length] : "DB";
const dir = mkdtempSync(join(tmpdir(), "finanalyze-seed-"));
try {
  for (const [binding, text] of /** @type {const} */ ([
    [shard, sql],
    ["DB", directorySql],
  ])) {
    const file = join(dir, `seed-${binding}.sql`);
    writeFileSync(file, text);
    execFileSync(
      process.execPath,
      [
        join(root, "node_modules", "wrangler", "bin", "wrangler.js"),
        "d1",
        "execute",
        binding,
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
  }
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
