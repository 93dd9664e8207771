DROP INDEX "correlation_identifiers_unit";--> statement-breakpoint
DROP INDEX "indicators_value";--> statement-breakpoint
DROP INDEX "indicators_net";--> statement-breakpoint
DROP INDEX "correlation_identifiers_net";--> statement-breakpoint
DROP INDEX "indicators_feed";--> statement-breakpoint
CREATE INDEX "correlation_identifiers_host_rev" ON "correlation_identifiers" USING btree (reverse("host") text_pattern_ops) WHERE "correlation_identifiers"."host" is not null;--> statement-breakpoint
CREATE INDEX "correlation_identifiers_networks" ON "correlation_identifiers" USING gist ("net" inet_ops) WHERE masklen("correlation_identifiers"."net") < case family("correlation_identifiers"."net") when 4 then 32 else 128 end;--> statement-breakpoint
CREATE INDEX "correlation_identifiers_net" ON "correlation_identifiers" USING btree ("net");--> statement-breakpoint
CREATE INDEX "indicators_feed" ON "indicators" USING btree ("unit_id","created_at","id") WHERE "indicators"."state" = 'active';