-- The access log and its seals are append-only, like the audit trail (docs/database-roles.md).
CREATE OR REPLACE FUNCTION crossline_access_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER access_log_no_update_delete BEFORE UPDATE OR DELETE ON access_log
  FOR EACH ROW EXECUTE FUNCTION crossline_access_log_append_only();
--> statement-breakpoint
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
  FOR EACH STATEMENT EXECUTE FUNCTION crossline_access_log_append_only();
--> statement-breakpoint
CREATE TRIGGER access_log_seals_no_update_delete BEFORE UPDATE OR DELETE ON access_log_seals
  FOR EACH ROW EXECUTE FUNCTION crossline_access_log_append_only();
--> statement-breakpoint
CREATE TRIGGER access_log_seals_no_truncate BEFORE TRUNCATE ON access_log_seals
  FOR EACH STATEMENT EXECUTE FUNCTION crossline_access_log_append_only();
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON access_log, access_log_seals FROM PUBLIC;
--> statement-breakpoint
-- Every person named as a subject of a request becomes a person record, linked at the subject's position;
-- the request keeps its subjects as they were sent (the record of what was asked). Subjects with the same
-- main name and date of birth are one person (the key persons.match.ts computes: ASCII white space
-- collapsed, ASCII letters lower-cased); a subject without a date of birth gets a record of its own. Name
-- forms, nationalities and (for identity checks) documents of all the subjects of a person are kept.
-- Subjects already linked are skipped, so running this again changes nothing.
CREATE FUNCTION crossline_pm_norm(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT translate(regexp_replace(btrim(t, E' \t\n\r'), E'[ \t\n\r]+', ' ', 'g'),
                   'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
$$;
--> statement-breakpoint
CREATE TABLE crossline_pm_subjects AS
SELECT r.id::text AS request_id,
       r.owner_unit_id,
       r.created_at,
       (s.ord - 1)::int AS ordinal,
       s.value AS subject,
       CASE WHEN coalesce(s.value->>'dateOfBirth', '') <> ''
            THEN crossline_pm_norm(s.value->'names'->0->>'original') || '|' || (s.value->>'dateOfBirth') END AS match_key,
       CASE WHEN r.type = 'repatriation_identity_check'
             AND (r.content->'details'->>'subjectIndex')::int = s.ord - 1
            THEN coalesce(r.content->'details'->'documents', '[]'::jsonb) ELSE '[]'::jsonb END AS documents
  FROM requests r
 CROSS JOIN LATERAL jsonb_array_elements(coalesce(r.content->'subjects', '[]'::jsonb)) WITH ORDINALITY AS s(value, ord)
 WHERE s.value->>'kind' = 'person'
   AND NOT EXISTS (SELECT 1 FROM person_links l
                    WHERE l.record_type = 'request' AND l.record_id = r.id::text AND l.ordinal = s.ord - 1);
--> statement-breakpoint
ALTER TABLE crossline_pm_subjects ADD COLUMN group_key text, ADD COLUMN rank int;
--> statement-breakpoint
UPDATE crossline_pm_subjects SET group_key = coalesce(match_key, 'single|' || request_id || '|' || ordinal);
--> statement-breakpoint
UPDATE crossline_pm_subjects s SET rank = x.rn
  FROM (SELECT request_id, ordinal,
               row_number() OVER (PARTITION BY group_key ORDER BY created_at, request_id, ordinal) AS rn
          FROM crossline_pm_subjects) x
 WHERE x.request_id = s.request_id AND x.ordinal = s.ordinal;
--> statement-breakpoint
-- One row per person: the first subject's unit and time; an id shaped like a UUIDv7 of that time.
CREATE TABLE crossline_pm_groups AS
SELECT s.group_key, s.match_key, s.owner_unit_id, s.created_at AS first_at,
       overlay(overlay(overlay(md5(s.group_key || clock_timestamp()::text || random()::text)
         placing lpad(to_hex((extract(epoch FROM s.created_at) * 1000)::bigint), 12, '0') FROM 1 FOR 12)
         placing '7' FROM 13 FOR 1)
         placing '8' FROM 17 FOR 1)::uuid AS person_id,
       true AS is_new
  FROM crossline_pm_subjects s
 WHERE s.rank = 1;
--> statement-breakpoint
UPDATE crossline_pm_groups g SET person_id = p.id, is_new = false FROM persons p WHERE p.match_key = g.match_key;
--> statement-breakpoint
INSERT INTO persons (id, owner_unit_id, names, aliases, date_of_birth, nationalities, documents, match_key,
                     search, version, created_at, updated_at)
SELECT g.person_id,
       g.owner_unit_id,
       (SELECT jsonb_agg(x.n ORDER BY x.pos)
          FROM (SELECT n.value AS n, min(s.rank * 1000 + n.ord) AS pos
                  FROM crossline_pm_subjects s
                 CROSS JOIN LATERAL jsonb_array_elements(s.subject->'names') WITH ORDINALITY AS n(value, ord)
                 WHERE s.group_key = g.group_key
                 GROUP BY n.value) x),
       '[]'::jsonb,
       (SELECT min(s.subject->>'dateOfBirth') FROM crossline_pm_subjects s WHERE s.group_key = g.group_key),
       (SELECT coalesce(jsonb_agg(x.nat ORDER BY x.pos), '[]'::jsonb)
          FROM (SELECT s.subject->>'nationality' AS nat, min(s.rank) AS pos
                  FROM crossline_pm_subjects s
                 WHERE s.group_key = g.group_key AND s.subject->>'nationality' IS NOT NULL
                 GROUP BY 1) x),
       (SELECT coalesce(jsonb_agg(x.d ORDER BY x.pos), '[]'::jsonb)
          FROM (SELECT d.value AS d, min(s.rank * 1000 + d.ord) AS pos
                  FROM crossline_pm_subjects s
                 CROSS JOIN LATERAL jsonb_array_elements(s.documents) WITH ORDINALITY AS d(value, ord)
                 WHERE s.group_key = g.group_key
                 GROUP BY d.value) x),
       g.match_key,
       (SELECT string_agg(crossline_pm_norm(f.form), E'\n' ORDER BY f.pos)
          FROM (SELECT n.value->>'original' AS form, s.rank * 1000 + n.ord * 2 AS pos
                  FROM crossline_pm_subjects s
                 CROSS JOIN LATERAL jsonb_array_elements(s.subject->'names') WITH ORDINALITY AS n(value, ord)
                 WHERE s.group_key = g.group_key
                UNION ALL
                SELECT n.value->>'romanised', s.rank * 1000 + n.ord * 2 + 1
                  FROM crossline_pm_subjects s
                 CROSS JOIN LATERAL jsonb_array_elements(s.subject->'names') WITH ORDINALITY AS n(value, ord)
                 WHERE s.group_key = g.group_key AND n.value->>'romanised' IS NOT NULL) f),
       1,
       g.first_at,
       g.first_at
  FROM crossline_pm_groups g
 WHERE g.is_new;
--> statement-breakpoint
INSERT INTO person_versions (person_id, version, fields, changed_at, changed_by, reason)
SELECT p.id, 1,
       jsonb_build_object('names', p.names, 'aliases', p.aliases, 'nationalities', p.nationalities,
                          'documents', p.documents)
         || CASE WHEN p.date_of_birth IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('dateOfBirth', p.date_of_birth) END,
       p.created_at, 'migration', 'moved from the subjects of requests'
  FROM persons p JOIN crossline_pm_groups g ON g.person_id = p.id AND g.is_new;
--> statement-breakpoint
INSERT INTO person_links (id, person_id, record_type, record_id, record_unit_id, ordinal, role, notes, created_at)
SELECT md5('person_link|' || s.request_id || '|' || s.ordinal)::uuid,
       g.person_id, 'request', s.request_id, s.owner_unit_id, s.ordinal,
       s.subject->>'role', s.subject->'notes', s.created_at
  FROM crossline_pm_subjects s JOIN crossline_pm_groups g ON g.group_key = s.group_key;
--> statement-breakpoint
DROP TABLE crossline_pm_subjects;
--> statement-breakpoint
DROP TABLE crossline_pm_groups;
--> statement-breakpoint
DROP FUNCTION crossline_pm_norm(text);
