CREATE TABLE "round_alerts" (
	"round_id" text NOT NULL,
	"item_id" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	CONSTRAINT "round_alerts_round_id_item_id_due_at_pk" PRIMARY KEY("round_id","item_id","due_at")
);
--> statement-breakpoint
CREATE TABLE "round_calendar_tokens" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "round_calendar_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "round_proposals" (
	"id" text PRIMARY KEY NOT NULL,
	"round_id" text NOT NULL,
	"base" integer NOT NULL,
	"op" jsonb NOT NULL,
	"state" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "round_proposals_state" CHECK ("round_proposals"."state" in ('pending', 'applied', 'conflict'))
);
--> statement-breakpoint
CREATE TABLE "rounds" (
	"id" text PRIMARY KEY NOT NULL,
	"host_node" text NOT NULL,
	"guest_node" text NOT NULL,
	"version" integer NOT NULL,
	"doc" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "rounds_version_positive" CHECK ("rounds"."version" >= 1)
);
--> statement-breakpoint
ALTER TABLE "round_alerts" ADD CONSTRAINT "round_alerts_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_calendar_tokens" ADD CONSTRAINT "round_calendar_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_proposals" ADD CONSTRAINT "round_proposals_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "round_proposals" ADD CONSTRAINT "round_proposals_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;