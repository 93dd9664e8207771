ALTER TABLE "persons" ADD COLUMN "unlinked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "persons_unlinked" ON "persons" USING btree ("unlinked_at") WHERE "persons"."unlinked_at" is not null;--> statement-breakpoint
-- Persons no record names today: their retention runs from their last change.
UPDATE "persons" SET "unlinked_at" = "updated_at" WHERE NOT EXISTS (SELECT 1 FROM "person_links" l WHERE l."person_id" = "persons"."id");
