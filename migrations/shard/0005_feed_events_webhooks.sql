-- Issue 13: sync feed (per-user change sequence + tombstones), event outbox, webhooks and their deliveries.
-- Written by hand (other branches add 0004 and 0006).
ALTER TABLE `transactions` ADD `seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `transactions` ADD `created_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Existing rows get a sequence position (rowid is unique, so it is a valid per-user order too).
UPDATE `transactions` SET `seq` = rowid, `created_seq` = rowid;--> statement-breakpoint
CREATE INDEX `transactions_user_seq` ON `transactions` (`user_id`,`seq`);--> statement-breakpoint
CREATE TABLE `sync_state` (
	`user_id` text PRIMARY KEY NOT NULL,
	`change_seq` integer DEFAULT 0 NOT NULL,
	`pruned_seq` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `sync_state` (`user_id`, `change_seq`) SELECT `user_id`, MAX(`seq`) FROM `transactions` GROUP BY `user_id`;--> statement-breakpoint
CREATE TABLE `transaction_tombstones` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`seq` integer NOT NULL,
	`created_seq` integer NOT NULL,
	`deleted_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `transaction_tombstones_user_seq` ON `transaction_tombstones` (`user_id`,`seq`);--> statement-breakpoint
CREATE INDEX `transaction_tombstones_deleted_at` ON `transaction_tombstones` (`deleted_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`pos` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`object` text NOT NULL,
	`created_at` text NOT NULL,
	`enqueued_at` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_id` ON `events` (`id`);--> statement-breakpoint
CREATE INDEX `events_user_pos` ON `events` (`user_id`,`pos`);--> statement-breakpoint
CREATE INDEX `events_created_at` ON `events` (`created_at`);--> statement-breakpoint
CREATE INDEX `events_outbox` ON `events` (`pos`) WHERE "events"."enqueued_at" IS NULL;--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`url` text NOT NULL,
	`events` text NOT NULL,
	`description` text,
	`status` text NOT NULL,
	`secret` text NOT NULL,
	`previous_secret` text,
	`previous_secret_expires_at` text,
	`failing_since` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhooks_user_created` ON `webhooks` (`user_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`webhook_id` text NOT NULL,
	`user_id` text NOT NULL,
	`event_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`attempted_at` text NOT NULL,
	`status_code` integer,
	`error` text,
	`duration_ms` integer NOT NULL,
	`next_retry_at` text,
	FOREIGN KEY (`webhook_id`) REFERENCES `webhooks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_webhook_attempted` ON `webhook_deliveries` (`webhook_id`,`attempted_at`,`id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_attempted_at` ON `webhook_deliveries` (`attempted_at`);
