CREATE TABLE "fugitive_photos" (
	"id" uuid PRIMARY KEY NOT NULL,
	"fugitive_id" uuid NOT NULL,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"sha256" text NOT NULL,
	"size" integer NOT NULL,
	"alt" text,
	"uploaded_by" text NOT NULL,
	"uploaded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "fugitive_photos_type" CHECK ("fugitive_photos"."content_type" in ('image/jpeg', 'image/png', 'image/webp'))
);
--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "origin_type" text;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "origin_id" uuid;--> statement-breakpoint
ALTER TABLE "fugitive_photos" ADD CONSTRAINT "fugitive_photos_fugitive_id_fugitives_id_fk" FOREIGN KEY ("fugitive_id") REFERENCES "public"."fugitives"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fugitive_photos_fugitive" ON "fugitive_photos" USING btree ("fugitive_id","uploaded_at");--> statement-breakpoint
CREATE INDEX "requests_origin" ON "requests" USING btree ("origin_type","origin_id");