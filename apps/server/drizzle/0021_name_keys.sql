CREATE TABLE "fugitive_name_keys" (
	"key" text NOT NULL,
	"fugitive_id" uuid NOT NULL,
	"weight" integer NOT NULL,
	CONSTRAINT "fugitive_name_keys_key_fugitive_id_pk" PRIMARY KEY("key","fugitive_id")
);
--> statement-breakpoint
CREATE TABLE "person_name_keys" (
	"key" text NOT NULL,
	"person_id" uuid NOT NULL,
	"weight" integer NOT NULL,
	CONSTRAINT "person_name_keys_key_person_id_pk" PRIMARY KEY("key","person_id")
);
--> statement-breakpoint
ALTER TABLE "fugitive_name_keys" ADD CONSTRAINT "fugitive_name_keys_fugitive_id_fugitives_id_fk" FOREIGN KEY ("fugitive_id") REFERENCES "public"."fugitives"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_name_keys" ADD CONSTRAINT "person_name_keys_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fugitive_name_keys_fugitive" ON "fugitive_name_keys" USING btree ("fugitive_id");--> statement-breakpoint
CREATE INDEX "person_name_keys_person" ON "person_name_keys" USING btree ("person_id");