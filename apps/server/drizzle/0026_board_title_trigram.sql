-- pg_trgm is a trusted extension: the schema owner may create it (PGlite loads it from its contrib bundle).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX "requests_title_trgm" ON "requests" USING gin ("title" gin_trgm_ops) WITH (fastupdate=off);