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
--> statement-breakpoint
-- Event cursors (GET /events) held `pos`, this database's autoincrement, which a slot move cannot keep (the
-- new shard has its own). They now hold `seq`, the event's place in its owner's stream: existing events keep
-- their position as it was (so cursors already issued stay valid), new ones take the owner's next, and a
-- moved event carries its seq along (the trigger leaves a given one alone).
ALTER TABLE `events` ADD COLUMN `seq` integer NOT NULL DEFAULT 0;
--> statement-breakpoint
UPDATE `events` SET `seq` = `pos`;
--> statement-breakpoint
CREATE INDEX `events_user_seq` ON `events` (`user_id`, `seq`);
--> statement-breakpoint
CREATE TRIGGER `events_stream_seq` AFTER INSERT ON `events` WHEN NEW.seq = 0
BEGIN
	UPDATE `events` SET `seq` = (SELECT COALESCE(MAX(`seq`), 0) + 1 FROM `events` WHERE `user_id` = NEW.user_id)
	WHERE `pos` = NEW.pos;
END;
