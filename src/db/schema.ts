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
    // IANA name accepted by the runtime's Intl; every day-based figure uses its local days.
    timeZone: text("time_zone").notNull().default("UTC"),
    weekStart: text("week_start", { enum: ["monday", "sunday"] })
      .notNull()
      .default("monday"),
    // The user's logical slot (db/shards.ts slotOf): a slot move selects its users by it.
    slot: integer("slot").notNull().default(-1),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("users_slot").on(t.slot, t.id)],
);

/** The owning user of a per-user row: deleting the user deletes the row. */
const ownerId = () =>
  text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" });
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
    userId: ownerId(),
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
    // Sent as a plain date: a calendar date, the same local day in every zone. transaction_date then
    // holds that date at 00:00:00.000Z (ordering and cursors unchanged); the record shows the plain date.
    dateOnly: integer("date_only", { mode: "boolean" }).notNull().default(false),
    // A fresh random value per write: the strong ETag, and the guard that keeps rollups exact.
    etag: text("etag").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    // Position in the user's change sequence (sync feed): set from sync_state in the batch of each write.
    seq: integer("seq").notNull().default(0),
    // The sequence position at which the row was created: tells "added" from "modified" in the feed.
    createdSeq: integer("created_seq").notNull().default(0),
  },
  (t) => [
    index("transactions_user_date_id").on(t.userId, t.transactionDate, t.id),
    uniqueIndex("transactions_user_external_id").on(t.userId, t.externalId).where(sql`${t.externalId} IS NOT NULL`),
    index("transactions_user_category_date_id").on(t.userId, t.categoryId, t.transactionDate, t.id),
    index("transactions_user_merchant_date_id").on(t.userId, sql`${t.merchant} COLLATE NOCASE`, t.transactionDate, t.id),
    index("transactions_user_seq").on(t.userId, t.seq),
  ],
);

/** Per-user categories, one level of nesting (a parent has no parent). See migrations/0006 for the rollup design. */
export const categories = sqliteTable(
  "categories",
  {
    id: text("id").primaryKey(),
    userId: ownerId(),
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
    userId: ownerId(),
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
 * Per user, currency, time key and category ('' = uncategorised): kept exact in the same D1 batch as every
 * transaction write. Exclusion from analytics is applied when reading, not stored here.
 */
export const dailyRollups = sqliteTable(
  "daily_rollups",
  {
    userId: ownerId(),
    currency: text("currency").notNull(),
    // The time key (src/analytics/time-key.ts): UTC quarter-hour "YYYY-MM-DDTHH:MM", or "YYYY-MM-DD" for date-only rows.
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
    userId: ownerId(),
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
    userId: ownerId().primaryKey(),
    version: integer("version").notNull().default(0),
    snapshot: text("snapshot"),
    snapshotVersion: integer("snapshot_version").notNull().default(0),
    // The zone whose local days the snapshot uses; it serves only reads in that zone.
    snapshotZone: text("snapshot_zone"),
    computedAt: text("computed_at"),
  },
  // Lets the cron sweep find users whose snapshot is behind without scanning everyone.
  (t) => [index("analytics_state_behind").on(t.userId).where(sql`${t.snapshotVersion} < ${t.version}`)],
);

/**
 * Per-user label-context version: bumped in the same batch by every category and rule write, so a cached
 * context (categories, active rules) can be checked inside a write's batch (src/transactions/label-cache.ts).
 * Hand-written migration 0008; no row means version 0.
 */
export const labelVersions = sqliteTable("label_versions", {
  userId: ownerId().primaryKey(),
  version: integer("version").notNull(),
});

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
    userId: ownerId(),
    address: text("address").notNull(),
    lastLoginAt: text("last_login_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.address] })],
);

/** Per-user change sequence of the sync feed, and the highest sequence of tombstones already pruned. */
export const syncState = sqliteTable("sync_state", {
  userId: ownerId().primaryKey(),
  changeSeq: integer("change_seq").notNull().default(0),
  // A cursor below this may have missed a delete whose tombstone is gone: it answers 410.
  prunedSeq: integer("pruned_seq").notNull().default(0),
});

/** Deleted transactions, kept at least 30 days so the sync feed can report them as removed. */
export const transactionTombstones = sqliteTable(
  "transaction_tombstones",
  {
    id: text("id").primaryKey(),
    userId: ownerId(),
    seq: integer("seq").notNull(),
    createdSeq: integer("created_seq").notNull(),
    deletedAt: text("deleted_at").notNull(),
  },
  (t) => [index("transaction_tombstones_user_seq").on(t.userId, t.seq), index("transaction_tombstones_deleted_at").on(t.deletedAt)],
);

/**
 * The event outbox: written in the same batch as the change it describes; `enqueued_at` stays null
 * until the event's deliveries reached the webhook queue (the cron sweep re-sends the rest).
 */
export const events = sqliteTable(
  "events",
  {
    pos: integer("pos").primaryKey({ autoIncrement: true }),
    id: text("id").notNull(),
    userId: ownerId(),
    type: text("type").notNull(),
    // JSON: the stored transaction row (rendered as the record on read), {id, deleted_at}, or the analytics answer.
    object: text("object").notNull(),
    createdAt: text("created_at").notNull(),
    enqueuedAt: text("enqueued_at"),
    // The event's place in its owner's stream (1, 2, …; set by a trigger, 0009): what GET /events cursors
    // hold. `pos` is this database's own order and changes when a slot move copies the event elsewhere.
    seq: integer("seq").notNull().default(0),
  },
  (t) => [
    uniqueIndex("events_id").on(t.id),
    index("events_user_pos").on(t.userId, t.pos),
    index("events_user_seq").on(t.userId, t.seq),
    index("events_created_at").on(t.createdAt),
    index("events_outbox").on(t.pos).where(sql`${t.enqueuedAt} IS NULL`),
  ],
);

export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    userId: ownerId(),
    url: text("url").notNull(),
    events: text("events").notNull(), // JSON array of event types or ["*"]
    description: text("description"),
    status: text("status", { enum: ["enabled", "disabled"] }).notNull(),
    secret: text("secret").notNull(),
    // After rotate_secret the old secret keeps signing until this time.
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: text("previous_secret_expires_at"),
    // Start of the current run of failed deliveries (null after a success): 3 days → disabled.
    failingSince: text("failing_since"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("webhooks_user_created").on(t.userId, t.createdAt, t.id)],
);

/** One row per delivery attempt. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    userId: ownerId(),
    eventId: text("event_id").notNull(),
    attempt: integer("attempt").notNull(),
    attemptedAt: text("attempted_at").notNull(),
    statusCode: integer("status_code"),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
    nextRetryAt: text("next_retry_at"),
  },
  (t) => [
    index("webhook_deliveries_webhook_attempted").on(t.webhookId, t.attemptedAt, t.id),
    index("webhook_deliveries_attempted_at").on(t.attemptedAt),
  ],
);

/** Recurring streams as the queue consumer last detected them (src/recurring): the API's JSON per stream. */
export const recurringStreams = sqliteTable(
  "recurring_streams",
  {
    userId: ownerId(),
    id: text("id").notNull(),
    transactionType: text("transaction_type").notNull(),
    body: text("body").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.id] })],
);

/** The analytics version the stored streams were detected at: messages at or below it need no work. */
export const recurringState = sqliteTable("recurring_state", {
  userId: ownerId().primaryKey(),
  version: integer("version").notNull(),
  computedAt: text("computed_at").notNull(),
});
