-- Label-context versions. Written by hand (not drizzle-kit): other branches add 0005/0007.
--
-- One counter per user, bumped in the same batch by every category and rule write. A Worker isolate caches
-- the user's categories and active rules together with the counter value they were read at; a transaction
-- write that labels with that cache carries a first statement that aborts the batch when the counter has
-- moved (src/transactions/label-cache.ts), so a stale cache is never written with, and the steady state
-- needs no read before the write. No row means version 0 (a user who never wrote a category or rule).
CREATE TABLE `label_versions` (
	`user_id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- Users who already have categories or rules start at 1, so an isolate's "no row, nothing cached" (version 0) cannot pass for them.
INSERT INTO `label_versions` (`user_id`, `version`)
SELECT `id`, 1 FROM `users`
WHERE EXISTS (SELECT 1 FROM `categories` WHERE `categories`.`user_id` = `users`.`id`)
	OR EXISTS (SELECT 1 FROM `rules` WHERE `rules`.`user_id` = `users`.`id`);
