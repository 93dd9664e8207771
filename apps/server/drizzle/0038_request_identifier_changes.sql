CREATE TABLE "request_identifier_changes" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"request_id" uuid NOT NULL
);
--> statement-breakpoint
-- Every change of a request's identifiers (or owning unit) queued in the changing transaction: the row commits
-- with the change, so the correlation index claims it whenever it commits, however late (a cursor over the
-- application-stamped updated_at skipped a transaction that committed after a later-stamped one).
-- Not while a restore loads the rows (crossline.restoring, backup.restore.ts): the archive holds the queue as it
-- was, and rows added here would collide with its numbers.
CREATE OR REPLACE FUNCTION crossline_request_identifiers_changed() RETURNS trigger AS $$
BEGIN
  IF current_setting('crossline.restoring', true) = 'on' THEN
    RETURN NULL;
  END IF;
  INSERT INTO request_identifier_changes (request_id)
    VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER requests_identifiers_added_removed AFTER INSERT OR DELETE ON requests
  FOR EACH ROW EXECUTE FUNCTION crossline_request_identifiers_changed();
--> statement-breakpoint
CREATE TRIGGER requests_identifiers_updated AFTER UPDATE ON requests
  FOR EACH ROW WHEN (OLD.content -> 'identifiers' IS DISTINCT FROM NEW.content -> 'identifiers'
    OR OLD.owner_unit_id IS DISTINCT FROM NEW.owner_unit_id)
  EXECUTE FUNCTION crossline_request_identifiers_changed();
--> statement-breakpoint
-- What the cursor had not reached yet, and every request holding identifiers of which the index holds none
-- (one a late commit had put behind the cursor for good), oldest first.
INSERT INTO request_identifier_changes (request_id)
SELECT r.id FROM requests r
WHERE NOT EXISTS (
    SELECT 1 FROM correlation_cursors c
    WHERE c.source = 'requests' AND (r.updated_at, r.id) <= (c.at, c.id::uuid)
  )
  OR (jsonb_typeof(r.content -> 'identifiers') = 'array' AND jsonb_array_length(r.content -> 'identifiers') > 0
    AND NOT EXISTS (
      SELECT 1 FROM correlation_identifiers ci WHERE ci.record_type = 'request' AND ci.record_id = r.id::text
    ))
ORDER BY r.updated_at, r.id;
--> statement-breakpoint
DROP TABLE "correlation_cursors" CASCADE;
