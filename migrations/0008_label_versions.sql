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
