-- Issue 14: categories, merchants, tags and rules. Written by hand (not drizzle-kit): other branches add 0004/0005.
--
-- Rollup design (composes with issue 15's finer time buckets): every rollup is keyed by
-- (user_id, currency, <time bucket>, category_id), with '' for uncategorised, so recategorising a
-- transaction moves its contribution between keys in the same D1 batch as the write. Merchant totals
-- live in a separate table keyed (user_id, currency, <time bucket>, category_id, merchant): the category is
-- part of the key so categories excluded from analytics can be left out of top_merchants too.
-- Exclusion itself is NOT in the rollups: it is applied when the snapshot is computed (bounded by
-- buckets x categories, never by transactions), and toggling it bumps the analytics version.

CREATE TABLE `categories` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`parent_id` text,
	`color` text,
	`exclude_from_analytics` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `categories_user_name_nocase` ON `categories` (`user_id`, "name" COLLATE NOCASE);
--> statement-breakpoint
CREATE INDEX `categories_user_parent` ON `categories` (`user_id`, `parent_id`);
--> statement-breakpoint
CREATE TABLE `rules` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`position` integer NOT NULL,
	`active` integer DEFAULT 1 NOT NULL,
	`match` text NOT NULL,
	`conditions` text NOT NULL,
	`actions` text NOT NULL,
	`stop_processing` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `rules_user_position` ON `rules` (`user_id`, `position`, `id`);
--> statement-breakpoint
ALTER TABLE `transactions` ADD `category_id` text;
--> statement-breakpoint
ALTER TABLE `transactions` ADD `merchant` text;
--> statement-breakpoint
ALTER TABLE `transactions` ADD `tags` text DEFAULT '[]' NOT NULL;
--> statement-breakpoint
CREATE INDEX `transactions_user_category_date_id` ON `transactions` (`user_id`, `category_id`, `transaction_date`, `id`);
--> statement-breakpoint
CREATE INDEX `transactions_user_merchant_date_id` ON `transactions` (`user_id`, "merchant" COLLATE NOCASE, `transaction_date`, `id`);
--> statement-breakpoint
-- A transaction's category is always one of its owner's. Writes check the body's category (and the rules'
-- categories) before their batch, so a category deleted between that check and the batch would leave a
-- dangling category_id; these triggers fail the whole batch instead (the API answers 409, retry). The other
-- side, deleting a category that rows still use, is guarded in the DELETE itself (NOT EXISTS).
CREATE TRIGGER `transactions_category_on_insert` BEFORE INSERT ON `transactions`
WHEN NEW.category_id IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM categories WHERE id = NEW.category_id AND user_id = NEW.user_id)
BEGIN
	SELECT RAISE(ABORT, 'category_missing');
END;
--> statement-breakpoint
CREATE TRIGGER `transactions_category_on_update` BEFORE UPDATE OF category_id ON `transactions`
WHEN NEW.category_id IS NOT NULL AND NEW.category_id IS NOT OLD.category_id
	AND NOT EXISTS (SELECT 1 FROM categories WHERE id = NEW.category_id AND user_id = NEW.user_id)
BEGIN
	SELECT RAISE(ABORT, 'category_missing');
END;
--> statement-breakpoint
-- daily_rollups gains category_id in its primary key: SQLite cannot change a key in place, so the
-- table is rebuilt. Existing rows are all uncategorised (''), so the copy is exact.
CREATE TABLE `daily_rollups_new` (
	`user_id` text NOT NULL,
	`currency` text NOT NULL,
	`day` text NOT NULL,
	`category_id` text DEFAULT '' NOT NULL,
	`tx_count` integer NOT NULL,
	`credit_minor` integer NOT NULL,
	`debit_minor` integer NOT NULL,
	PRIMARY KEY(`user_id`, `currency`, `day`, `category_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `daily_rollups_new` (user_id, currency, day, category_id, tx_count, credit_minor, debit_minor)
	SELECT user_id, currency, day, '', tx_count, credit_minor, debit_minor FROM `daily_rollups`;
--> statement-breakpoint
DROP TABLE `daily_rollups`;
--> statement-breakpoint
ALTER TABLE `daily_rollups_new` RENAME TO `daily_rollups`;
--> statement-breakpoint
-- The rebuild dropped migration 0004's guards: every rollup total must stay an exact 64-bit integer.
CREATE TRIGGER `daily_rollups_exact_insert` BEFORE INSERT ON `daily_rollups`
WHEN typeof(NEW.credit_minor) <> 'integer' OR typeof(NEW.debit_minor) <> 'integer'
BEGIN SELECT RAISE(ABORT, 'rollup_limit_exceeded'); END;
--> statement-breakpoint
CREATE TRIGGER `daily_rollups_exact_update` BEFORE UPDATE ON `daily_rollups`
WHEN typeof(NEW.credit_minor) <> 'integer' OR typeof(NEW.debit_minor) <> 'integer'
BEGIN SELECT RAISE(ABORT, 'rollup_limit_exceeded'); END;
--> statement-breakpoint
-- Merchant names compare without regard to (ASCII) case, like the list filter. Existing transactions
-- have no merchant, so this table starts empty.
CREATE TABLE `merchant_rollups` (
	`user_id` text NOT NULL,
	`currency` text NOT NULL,
	`day` text NOT NULL,
	`category_id` text DEFAULT '' NOT NULL,
	`merchant` text NOT NULL COLLATE NOCASE,
	`tx_count` integer NOT NULL,
	`credit_minor` integer NOT NULL,
	`debit_minor` integer NOT NULL,
	PRIMARY KEY(`user_id`, `currency`, `day`, `category_id`, `merchant`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TRIGGER `merchant_rollups_exact_insert` BEFORE INSERT ON `merchant_rollups`
WHEN typeof(NEW.credit_minor) <> 'integer' OR typeof(NEW.debit_minor) <> 'integer'
BEGIN SELECT RAISE(ABORT, 'rollup_limit_exceeded'); END;
--> statement-breakpoint
CREATE TRIGGER `merchant_rollups_exact_update` BEFORE UPDATE ON `merchant_rollups`
WHEN typeof(NEW.credit_minor) <> 'integer' OR typeof(NEW.debit_minor) <> 'integer'
BEGIN SELECT RAISE(ABORT, 'rollup_limit_exceeded'); END;
--> statement-breakpoint
-- Stored snapshots predate by_category and top_merchants: drop them, so reads answer from the rollups and
-- the queue (or the cron sweep) stores fresh ones.
UPDATE `analytics_state` SET `snapshot` = NULL, `snapshot_version` = 0;
