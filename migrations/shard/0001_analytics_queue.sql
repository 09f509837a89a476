CREATE TABLE `analytics_state` (
	`user_id` text PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`snapshot` text,
	`snapshot_version` integer DEFAULT 0 NOT NULL,
	`computed_at` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `analytics_state_behind` ON `analytics_state` (`user_id`) WHERE "analytics_state"."snapshot_version" < "analytics_state"."version";--> statement-breakpoint
CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`body` text NOT NULL,
	`attempts` integer NOT NULL,
	`failed_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `fault_switches` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
