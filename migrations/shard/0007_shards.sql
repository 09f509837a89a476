-- This database is a shard (issue 17): login data (the password hash, the unique username) lives in the
-- directory database (migrations/directory); each user's row here keeps the profile and the token version
-- that every request checks, next to the user's data.
DROP INDEX IF EXISTS `users_username_nocase`;
--> statement-breakpoint
ALTER TABLE `users` DROP COLUMN `password_hash`;
--> statement-breakpoint
-- The user's logical slot (0-255, a stable hash of the id): a slot move selects its users by it.
ALTER TABLE `users` ADD COLUMN `slot` integer NOT NULL DEFAULT -1;
--> statement-breakpoint
CREATE INDEX `users_slot` ON `users` (`slot`, `id`);
--> statement-breakpoint
-- Slots this shard must not write for: one being moved away (final catch-up), moved away, or being moved in.
-- Every round trip of a request on a shard checks it (src/http/database.ts), so no write lands on a stale copy.
CREATE TABLE `slot_fences` (
	`slot` integer PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`since` text NOT NULL
);
