-- A unit's name is unique on the node, not per agency: the CLI, the logs and the routing name a unit by its name
-- alone. Units of different agencies sharing a name (none on a node with one agency): the oldest keeps it, each
-- other one takes its agency's name after it.
UPDATE "units" SET "name" = "units"."name" || ' (' || a."name" || ')' FROM "agencies" a WHERE a."id" = "units"."agency_id" AND EXISTS (SELECT 1 FROM "units" o WHERE o."name" = "units"."name" AND (o."created_at", o."id") < ("units"."created_at", "units"."id"));--> statement-breakpoint
DROP INDEX "units_agency_name";--> statement-breakpoint
CREATE UNIQUE INDEX "units_name" ON "units" USING btree ("name");
