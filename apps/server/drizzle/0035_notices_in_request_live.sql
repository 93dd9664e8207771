-- One live notice per incoming request (notices_in_request_live; live: not withdrawn). Before it, two notices made
-- of one request at once (a double click, two processes) could both be kept. Of each such group, the notice kept
-- linked is the one furthest on (sent before unsent), then the oldest. The others still unsent (draft, awaiting
-- approval: no provider has seen them) are withdrawn, with a timeline entry naming the notice kept. One already
-- sent stays with its provider as it is (withdrawing it here would not tell them) but loses its link to the
-- request, so only the kept notice starts and answers the request. Nothing to do where there are none.
WITH live AS (
  SELECT id, status, created_at, in_request_id,
         status IN ('draft', 'pending_approval') AS unsent,
         row_number() OVER w AS n,
         first_value(reference) OVER w AS kept
    FROM notices
   WHERE in_request_id IS NOT NULL AND status <> 'withdrawn'
  WINDOW w AS (PARTITION BY in_request_id
               ORDER BY status IN ('draft', 'pending_approval'), created_at, id)
), dup AS (
  SELECT * FROM live WHERE n > 1
), withdrawn AS (
  UPDATE notices SET status = 'withdrawn', withdrawn_at = now(), updated_at = now()
    FROM dup
   WHERE notices.id = dup.id AND dup.unsent
  RETURNING notices.id, dup.status AS from_status, dup.kept
), unlinked AS (
  UPDATE notices SET in_request_id = NULL, updated_at = now()
    FROM dup
   WHERE notices.id = dup.id AND NOT dup.unsent
  RETURNING notices.id
)
INSERT INTO notice_events (id, notice_id, event, from_status, to_status, side, actor_user_id, actor_label, at, data)
SELECT gen_random_uuid(), w.id, 'withdraw', w.from_status, 'withdrawn', 'authority', NULL, 'Crossline', now(),
       jsonb_build_object('reason', 'a duplicate of notice ' || w.kept || ', made of the same request')
  FROM withdrawn w;
--> statement-breakpoint
CREATE UNIQUE INDEX "notices_in_request_live" ON "notices" USING btree ("in_request_id") WHERE "notices"."status" <> 'withdrawn';
