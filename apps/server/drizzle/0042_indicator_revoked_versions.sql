-- The TAXII feed serves a withdrawn indicator as its revoked version (STIX `revoked: true`) instead of leaving it
-- out, so a client that already holds the indicator learns it is withdrawn. `created_at` becomes the date added of
-- the indicator's latest version (the feed's order); `first_added_at` keeps when it was first added once a later
-- version moved `created_at`. The feed's index covers every state.
DROP INDEX "indicators_feed";--> statement-breakpoint
ALTER TABLE "indicators" ADD COLUMN "first_added_at" timestamp with time zone;--> statement-breakpoint
-- Indicators withdrawn before this release: their revoked versions are added now, from the feed's clock (later
-- than every date added so far), so every client paging on from where it is meets them.
UPDATE "indicator_feed_clock"
   SET "at" = greatest(date_trunc('milliseconds', now()), "at" + interval '1 millisecond')
 WHERE "id" = 1;--> statement-breakpoint
UPDATE "indicators"
   SET "first_added_at" = "created_at",
       "created_at" = (SELECT "at" FROM "indicator_feed_clock" WHERE "id" = 1)
 WHERE "state" = 'withdrawn';--> statement-breakpoint
CREATE INDEX "indicators_feed" ON "indicators" USING btree ("unit_id","created_at","id");
