-- The directory database (binding DB): what login needs and where each user's data lives (issue 17).
-- Everything per user lives in the user's shard (migrations/shard). With one shard, the directory and the
-- shard may be the same database: apply the shard migrations first, then these (tables both schemas use
-- are created only if missing).
CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	-- "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>": parameters travel with the hash.
	`password_hash` text NOT NULL,
	`slot` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_username_nocase` ON `accounts` (`username` COLLATE NOCASE);
--> statement-breakpoint
-- Where each of the 256 logical slots lives: the name of a shard binding (SHARD_0 ... SHARD_n, or DB).
-- Filled on first use (slot % shard count); changed only by a slot move.
CREATE TABLE `slots` (
	`slot` integer PRIMARY KEY NOT NULL,
	`binding` text NOT NULL
);
--> statement-breakpoint
-- One row per slot move, its phase and cursor: the move is resumable from here (src/shards/move.ts).
CREATE TABLE `slot_moves` (
	`slot` integer PRIMARY KEY NOT NULL,
	`from_binding` text NOT NULL,
	`to_binding` text NOT NULL,
	`phase` text NOT NULL,
	`step` integer NOT NULL DEFAULT 0,
	`cursor` text,
	`report` text,
	`started_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `login_failures` (
	`key` text PRIMARY KEY NOT NULL,
	`failures` integer NOT NULL,
	`window_start` text NOT NULL,
	`locked_until` text
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `login_known_addresses` (
	`user_id` text NOT NULL,
	`address` text NOT NULL,
	`last_login_at` text NOT NULL,
	PRIMARY KEY(`user_id`, `address`)
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`body` text NOT NULL,
	`attempts` integer NOT NULL,
	`failed_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `fault_switches` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
-- Idempotency-Key answers of requests before sign-up (scope "anonymous:<route>").
CREATE TABLE IF NOT EXISTS `idempotency_keys` (
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`state` text NOT NULL,
	`status` integer,
	`headers` text,
	`body` text,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	PRIMARY KEY(`scope`, `key`)
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `idempotency_keys_expires` ON `idempotency_keys` (`expires_at`);
--> statement-breakpoint
-- Failed logins of usernames nobody has (they belong to no user, so to no shard).
CREATE TABLE IF NOT EXISTS `audit_log` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text,
	`action` text NOT NULL,
	`target_id` text,
	`request_id` text NOT NULL,
	`client_ip` text,
	`details` text,
	`created_at` text NOT NULL
);
