import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * A user's row in their shard (issue 17): the profile and the token version every request checks, next to
 * the user's data. Login data (username uniqueness, password hash) is the directory's `accounts` row.
 */
export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull(),
    fullName: text("full_name").notNull(),
    email: text("email"),
    // Bumped on logout and password change; tokens carry the version they were issued at.
    tokenVersion: integer("token_version").notNull().default(0),
    // The user's logical slot (db/shards.ts slotOf): a slot move selects its users by it.
    slot: integer("slot").notNull().default(-1),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("users_slot").on(t.slot, t.id)],
);

/** Directory: who can log in, by username (unique, NOCASE), and in which slot their data lives. */
export const accounts = sqliteTable(
  "accounts",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull(),
    // "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>": parameters travel with the hash.
    passwordHash: text("password_hash").notNull(),
    slot: integer("slot").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("accounts_username_nocase").on(sql`${t.username} COLLATE NOCASE`)],
);

/** Directory: slot (0-255) -> the name of the shard binding that holds it. */
export const slots = sqliteTable("slots", {
  slot: integer("slot").primaryKey(),
  binding: text("binding").notNull(),
});

/** Directory: one row per slot move, its phase and cursor (src/shards/move.ts). */
export const slotMoves = sqliteTable("slot_moves", {
  slot: integer("slot").primaryKey(),
  fromBinding: text("from_binding").notNull(),
  toBinding: text("to_binding").notNull(),
  phase: text("phase").notNull(),
  step: integer("step").notNull().default(0),
  cursor: text("cursor"),
  report: text("report"),
  startedAt: text("started_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/** Shard: slots this shard must not write for now (a move in progress, or done away from here). */
export const slotFences = sqliteTable("slot_fences", {
  slot: integer("slot").primaryKey(),
  reason: text("reason").notNull(),
  since: text("since").notNull(),
});

export const transactions = sqliteTable(
  "transactions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // RFC 3339 UTC with milliseconds ("2026-11-25T10:00:00.000Z"): sorts lexically in time order.
    transactionDate: text("transaction_date").notNull(),
    amountMinor: integer("amount_minor").notNull(),
    currency: text("currency").notNull(),
    transactionType: text("transaction_type", { enum: ["credit", "debit"] }).notNull(),
    status: text("status", { enum: ["pending", "success", "failed"] }).notNull(),
    description: text("description"),
    // The integrator's own id for the record (unique per user): repeats are reported as duplicates.
    externalId: text("external_id"),
    categoryId: text("category_id"),
    // Trimmed, inner whitespace collapsed; compared without regard to ASCII case (filter, merchant_rollups).
    merchant: text("merchant"),
    // JSON array of lower-case tags, "[]" when none.
    tags: text("tags").notNull().default("[]"),
    // A fresh random value per write: the strong ETag, and the guard that keeps rollups exact.
    etag: text("etag").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("transactions_user_date_id").on(t.userId, t.transactionDate, t.id),
    uniqueIndex("transactions_user_external_id").on(t.userId, t.externalId).where(sql`${t.externalId} IS NOT NULL`),
    index("transactions_user_category_date_id").on(t.userId, t.categoryId, t.transactionDate, t.id),
    index("transactions_user_merchant_date_id").on(t.userId, sql`${t.merchant} COLLATE NOCASE`, t.transactionDate, t.id),
  ],
);

/** Per-user categories, one level of nesting (a parent has no parent). See migrations/0006 for the rollup design. */
export const categories = sqliteTable(
  "categories",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    parentId: text("parent_id"),
    color: text("color"),
    excludeFromAnalytics: integer("exclude_from_analytics", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("categories_user_name_nocase").on(t.userId, sql`${t.name} COLLATE NOCASE`),
    index("categories_user_parent").on(t.userId, t.parentId),
  ],
);

/** Per-user rules, evaluated in ascending position on create, bulk and import. Conditions/actions are JSON. */
export const rules = sqliteTable(
  "rules",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    position: integer("position").notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    match: text("match", { enum: ["all", "any"] }).notNull(),
    conditions: text("conditions").notNull(),
    actions: text("actions").notNull(),
    stopProcessing: integer("stop_processing", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("rules_user_position").on(t.userId, t.position, t.id)],
);

/**
 * Per user, currency, UTC day and category ('' = uncategorised): kept exact in the same D1 batch as every
 * transaction write. Exclusion from analytics is applied when reading, not stored here.
 */
export const dailyRollups = sqliteTable(
  "daily_rollups",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    currency: text("currency").notNull(),
    day: text("day").notNull(),
    categoryId: text("category_id").notNull().default(""),
    txCount: integer("tx_count").notNull(),
    creditMinor: integer("credit_minor").notNull(),
    debitMinor: integer("debit_minor").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.currency, t.day, t.categoryId] })],
);

/** Like daily_rollups, per merchant too (NOCASE): written in the same batch, for top_merchants. */
export const merchantRollups = sqliteTable(
  "merchant_rollups",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    currency: text("currency").notNull(),
    day: text("day").notNull(),
    categoryId: text("category_id").notNull().default(""),
    merchant: text("merchant").notNull(),
    txCount: integer("tx_count").notNull(),
    creditMinor: integer("credit_minor").notNull(),
    debitMinor: integer("debit_minor").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.currency, t.day, t.categoryId, t.merchant] })],
);

/**
 * Per-user analytics bookkeeping. `version` is bumped by every write batch; the queue consumer
 * stores a snapshot computed from the rollups together with the version it saw.
 */
export const analyticsState = sqliteTable(
  "analytics_state",
  {
    userId: text("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    version: integer("version").notNull().default(0),
    snapshot: text("snapshot"),
    snapshotVersion: integer("snapshot_version").notNull().default(0),
    computedAt: text("computed_at"),
  },
  // Lets the cron sweep find users whose snapshot is behind without scanning everyone.
  (t) => [index("analytics_state_behind").on(t.userId).where(sql`${t.snapshotVersion} < ${t.version}`)],
);

/** Queue messages that exhausted their retries, kept for operators (the cron sweep heals their users). */
export const deadLetters = sqliteTable("dead_letters", {
  id: text("id").primaryKey(),
  queue: text("queue").notNull(),
  body: text("body").notNull(),
  attempts: integer("attempts").notNull(),
  failedAt: text("failed_at").notNull(),
});

/**
 * Fault injection for local tests and stress runs. Read only when ENVIRONMENT is "development" or "test" (isLocal).
 * Names: "consumer_fail_users" (JSON array of user ids), "queue_send_fail" (probability, "1" = always).
 */
export const faultSwitches = sqliteTable("fault_switches", {
  name: text("name").primaryKey(),
  value: text("value").notNull(),
});

/** Stored first responses for Idempotency-Key, per user and key, kept 24 h. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    scope: text("scope").notNull(), // the user id, or "anonymous:<route>" before sign-up
    key: text("key").notNull(),
    // HMAC-SHA-256 (keyed with the server secret) of method, path with query string, and the raw body.
    fingerprint: text("fingerprint").notNull(),
    state: text("state", { enum: ["running", "done"] }).notNull(),
    status: integer("status"),
    headers: text("headers"),
    body: text("body"),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] }), index("idempotency_keys_expires").on(t.expiresAt)],
);

/** Who did what and when: auth events and every transaction write, readable by the user it concerns. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    // Null for failed logins of unknown usernames, which belong to nobody.
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    action: text("action").notNull(),
    targetId: text("target_id"),
    requestId: text("request_id").notNull(),
    clientIp: text("client_ip"),
    // JSON: before/after amounts and other safe facts; never secrets.
    details: text("details"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("audit_log_user_created").on(t.userId, t.createdAt, t.id)],
);

/** Failed-login counters per username and per client, for throttling brute force. */
export const loginFailures = sqliteTable("login_failures", {
  key: text("key").primaryKey(), // "user:<lower-case username>" or "ip:<address>"
  failures: integer("failures").notNull(),
  windowStart: text("window_start").notNull(),
  lockedUntil: text("locked_until"),
});

/** Addresses each user has logged in from successfully: exempt from the per-username lock (see auth/throttle.ts). */
export const loginKnownAddresses = sqliteTable(
  "login_known_addresses",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    address: text("address").notNull(),
    lastLoginAt: text("last_login_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.address] })],
);
