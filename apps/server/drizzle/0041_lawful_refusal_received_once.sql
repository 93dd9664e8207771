-- One refusal received per peer and item. A peer's second message refusing the same item (its node restored from
-- a backup, a refusal sent again) was stored again before the unique index: the later duplicates (same item, same
-- peer, the earliest kept) are removed first. Their audit entries stay in the trail.
DELETE FROM "lawful_refusals" r
 USING "lawful_refusals" k
 WHERE r."direction" = 'received' AND k."direction" = 'received'
   AND k."kind" = r."kind" AND k."record_id" = r."record_id" AND k."peer_id" = r."peer_id"
   AND (k."at", k."id") < (r."at", r."id");--> statement-breakpoint
CREATE UNIQUE INDEX "lawful_refusals_one_received" ON "lawful_refusals" USING btree ("kind","record_id","peer_id") WHERE "lawful_refusals"."direction" = 'received';
