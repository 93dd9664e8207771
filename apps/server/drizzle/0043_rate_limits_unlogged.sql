-- The fixed-window counters (sign-in attempts, calls to the public federation routes, failed opens per peer,
-- the once-a-minute audit windows) are written by an upsert on every call of a public peer-to-peer route: on a
-- logged table each such write was a commit waiting for the WAL flush before the route did anything else. A
-- transaction that writes only unlogged tables commits without that wait. An unlogged table is emptied by
-- crash recovery and not copied to standbys: the counters of the current minute start again from zero, which
-- lets at most one more window of attempts through and audits one more first event of a window; nothing else
-- reads them. (Drizzle's schema has no notation for it: the table stays `rate_limits` in db/schema/core.ts.)
ALTER TABLE "rate_limits" SET UNLOGGED;
