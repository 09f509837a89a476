import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull(),
    fullName: text("full_name").notNull(),
    email: text("email"),
    // "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>": parameters travel with the hash.
    passwordHash: text("password_hash").notNull(),
    // Bumped on logout and password change; tokens carry the version they were issued at.
    tokenVersion: integer("token_version").notNull().default(0),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("users_username_nocase").on(sql`${t.username} COLLATE NOCASE`)],
);

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
    // A fresh random value per write: the strong ETag, and the guard that keeps rollups exact.
    etag: text("etag").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("transactions_user_date_id").on(t.userId, t.transactionDate, t.id)],
);

/** Per user, currency and UTC day: kept exact in the same D1 batch as every transaction write. */
export const dailyRollups = sqliteTable(
  "daily_rollups",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    currency: text("currency").notNull(),
    day: text("day").notNull(),
    txCount: integer("tx_count").notNull(),
    creditMinor: integer("credit_minor").notNull(),
    debitMinor: integer("debit_minor").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.currency, t.day] })],
);
