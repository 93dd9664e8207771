-- Own cases sharing a reference (possible before: after …-9999 every new case of the year was numbered …-10000
-- again) keep the earliest on it; each later one takes the next free number of its year's prefix, in the row and
-- in the case as shown and shared (content.reference). Then one own case per reference.
WITH d AS (
  SELECT "id", "created_at",
         coalesce(substring("reference" from '^(.*-)[0-9]+$'), "reference" || '-') AS prefix,
         row_number() OVER (PARTITION BY "reference" ORDER BY "created_at", "id") AS rn
    FROM "repatriation_cases" WHERE "direction" = 'own'
), top AS (
  SELECT substring("reference" from '^(.*-)[0-9]+$') AS prefix,
         max(substring("reference" from '([0-9]+)$')::numeric) AS n
    FROM "repatriation_cases" WHERE "direction" = 'own' GROUP BY 1
), later AS (
  SELECT "id", prefix, row_number() OVER (PARTITION BY prefix ORDER BY "created_at", "id") AS k
    FROM d WHERE rn > 1
), renumbered AS (
  SELECT l."id", l.prefix || CASE WHEN length(x.num) < 4 THEN lpad(x.num, 4, '0') ELSE x.num END AS reference
    FROM later l
    LEFT JOIN top t ON t.prefix = l.prefix
    CROSS JOIN LATERAL (SELECT (coalesce(t.n, 0) + l.k)::text AS num) x
)
UPDATE "repatriation_cases" c
   SET "reference" = r.reference, "content" = jsonb_set(c."content", '{reference}', to_jsonb(r.reference))
  FROM renumbered r WHERE c."id" = r."id";--> statement-breakpoint
CREATE UNIQUE INDEX "repatriation_cases_own_reference" ON "repatriation_cases" USING btree ("reference") WHERE "repatriation_cases"."direction" = 'own';
