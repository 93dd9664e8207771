-- One open flag per item and one refusal sent per item. A double submit could record either twice before the
-- unique indexes: the later duplicates (same item, same state, the earliest kept) are removed first. An open
-- flag duplicate carries no decision (the kept one holds the item back the same); a second refusal of the same
-- item repeats the first. Their audit entries stay in the trail.
DELETE FROM "lawful_flags" f
 USING "lawful_flags" k
 WHERE f."state" = 'flagged' AND k."state" = 'flagged'
   AND k."kind" = f."kind" AND k."record_id" = f."record_id"
   AND (k."flagged_at", k."id") < (f."flagged_at", f."id");--> statement-breakpoint
DELETE FROM "lawful_refusals" r
 USING "lawful_refusals" k
 WHERE r."direction" = 'sent' AND k."direction" = 'sent'
   AND k."kind" = r."kind" AND k."record_id" = r."record_id"
   AND (k."at", k."id") < (r."at", r."id");--> statement-breakpoint
CREATE UNIQUE INDEX "lawful_flags_one_open" ON "lawful_flags" USING btree ("kind","record_id") WHERE "lawful_flags"."state" = 'flagged';--> statement-breakpoint
CREATE UNIQUE INDEX "lawful_refusals_one_sent" ON "lawful_refusals" USING btree ("kind","record_id") WHERE "lawful_refusals"."direction" = 'sent';
