-- A day's credit or debit total per user and currency must stay a 64-bit integer: SQLite turns an overflowing
-- `+` into a float, so any change that would leave a non-integer (or a value past 2^63-1) aborts its whole batch.
CREATE TRIGGER `daily_rollups_exact_insert` BEFORE INSERT ON `daily_rollups`
WHEN typeof(NEW.credit_minor) <> 'integer' OR typeof(NEW.debit_minor) <> 'integer'
BEGIN SELECT RAISE(ABORT, 'rollup_limit_exceeded'); END;
--> statement-breakpoint
CREATE TRIGGER `daily_rollups_exact_update` BEFORE UPDATE ON `daily_rollups`
WHEN typeof(NEW.credit_minor) <> 'integer' OR typeof(NEW.debit_minor) <> 'integer'
BEGIN SELECT RAISE(ABORT, 'rollup_limit_exceeded'); END;
--> statement-breakpoint
-- Addresses a user has logged in from successfully: the per-username lock does not apply to them.
CREATE TABLE `login_known_addresses` (
	`user_id` text NOT NULL,
	`address` text NOT NULL,
	`last_login_at` text NOT NULL,
	PRIMARY KEY(`user_id`, `address`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
