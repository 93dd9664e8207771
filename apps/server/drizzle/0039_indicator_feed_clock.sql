CREATE TABLE "indicator_feed_clock" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "indicator_feed_clock_one_row" CHECK ("indicator_feed_clock"."id" = 1)
);
--> statement-breakpoint
-- Starts at the latest date added given so far: the next transaction's dates are later than every one before.
INSERT INTO "indicator_feed_clock" ("id", "at")
SELECT 1, coalesce(date_trunc('milliseconds', max("created_at")), 'epoch'::timestamptz) FROM "indicators";
