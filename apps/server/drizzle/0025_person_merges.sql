CREATE TABLE "person_merges" (
	"removed_id" uuid PRIMARY KEY NOT NULL,
	"into_id" uuid NOT NULL,
	"removed" jsonb NOT NULL,
	"links" jsonb NOT NULL,
	"reason" text NOT NULL,
	"merged_by" text NOT NULL,
	"merged_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "person_merges_into" ON "person_merges" USING btree ("into_id");