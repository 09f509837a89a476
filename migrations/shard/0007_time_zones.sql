-- Issue 15: users' time zones, date-only transactions, quarter-hour rollups, recurring streams.
-- Written by hand (not drizzle-kit): other branches add 0004/0005/0006.
--
-- Rollup time key. `daily_rollups.day` and `merchant_rollups.day` were the UTC day of each row. They now
-- hold a time key (see src/analytics/time-key.ts):
--   * a timed row: its UTC quarter-hour bucket "YYYY-MM-DDTHH:MM" (MM in 00/15/30/45). Every tzdb
--     offset is a multiple of 15 minutes, so each bucket lies inside one local day of ANY zone and the
--     rollups answer every zone exactly, at a cost bounded by buckets, never by transactions;
--   * a date-only row ("2026-11-25" as transaction_date): its calendar date "YYYY-MM-DD", the same local
--     day in every zone.
-- A per-UTC-day rollup cannot be split into buckets, so both tables are rebuilt from the transactions.
-- Existing rows are not date-only (date_only defaults to 0).

ALTER TABLE `users` ADD `time_zone` text DEFAULT 'UTC' NOT NULL;
--> statement-breakpoint
ALTER TABLE `users` ADD `week_start` text DEFAULT 'monday' NOT NULL;
--> statement-breakpoint
-- 1: sent as a plain date; transaction_date then holds that date at 00:00:00.000Z (so ordering and
-- keyset cursors are unchanged) and the record shows the plain date.
ALTER TABLE `transactions` ADD `date_only` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- The zone the stored snapshot's local days were computed in (null: none yet).
ALTER TABLE `analytics_state` ADD `snapshot_zone` text;
--> statement-breakpoint
DELETE FROM `daily_rollups`;
--> statement-breakpoint
INSERT INTO `daily_rollups` (user_id, currency, day, category_id, tx_count, credit_minor, debit_minor)
	SELECT user_id, currency,
		substr(transaction_date, 1, 14) || printf('%02d', (CAST(substr(transaction_date, 15, 2) AS INTEGER) / 15) * 15),
		COALESCE(category_id, ''), COUNT(*),
		SUM(CASE WHEN transaction_type = 'credit' THEN amount_minor ELSE 0 END),
		SUM(CASE WHEN transaction_type = 'debit' THEN amount_minor ELSE 0 END)
	FROM `transactions` GROUP BY 1, 2, 3, 4;
--> statement-breakpoint
DELETE FROM `merchant_rollups`;
--> statement-breakpoint
INSERT INTO `merchant_rollups` (user_id, currency, day, category_id, merchant, tx_count, credit_minor, debit_minor)
	SELECT user_id, currency,
		substr(transaction_date, 1, 14) || printf('%02d', (CAST(substr(transaction_date, 15, 2) AS INTEGER) / 15) * 15),
		COALESCE(category_id, ''), MIN(merchant), COUNT(*),
		SUM(CASE WHEN transaction_type = 'credit' THEN amount_minor ELSE 0 END),
		SUM(CASE WHEN transaction_type = 'debit' THEN amount_minor ELSE 0 END)
	FROM `transactions` WHERE merchant IS NOT NULL GROUP BY 1, 2, 3, 4, merchant COLLATE NOCASE;
--> statement-breakpoint
-- Old snapshots were computed from the old keys: mark every one behind, so reads answer from the rollups
-- and the cron sweep recomputes them.
UPDATE `analytics_state` SET `version` = `version` + 1;
--> statement-breakpoint
-- Recurring streams, as the queue consumer last detected them: one row per stream, the API's JSON in `body`.
CREATE TABLE `recurring_streams` (
	`user_id` text NOT NULL,
	`id` text NOT NULL,
	`transaction_type` text NOT NULL,
	`body` text NOT NULL,
	PRIMARY KEY(`user_id`, `id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- The analytics version the stored streams were detected at (coalescing: a message at or below it is done).
CREATE TABLE `recurring_state` (
	`user_id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`computed_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
