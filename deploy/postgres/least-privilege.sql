-- Crossline on PostgreSQL with a least-privilege role (docs/database-roles.md).
--
-- Two roles: the OWNER owns the database and its schema and applies migrations; the APP role is what every
-- `crossline serve` process connects as. The app role owns nothing, is no superuser, and after each
-- migration the node (connected as the owner) grants it rows of every table but no UPDATE, DELETE or
-- TRUNCATE on the audit trail and its checkpoints, and temporary tables (bulk imports stage rows in them).
-- So the running node cannot change or remove an audit entry, drop or disable the append-only triggers
-- (only an owner can), or `SET session_replication_role` (only a superuser can).
--
-- Run once, as a superuser (or a role with CREATEROLE and CREATEDB):
--   psql "$ADMIN_URL" -v db=crossline -v owner=crossline_owner -v owner_password='…' \
--        -v app=crossline_app -v app_password='…' -f deploy/postgres/least-privilege.sql
-- Then configure the node:
--   DATABASE_URL=postgres://crossline_app:…@host/crossline
--   CROSSLINE_MIGRATION_DATABASE_URL=postgres://crossline_owner:…@host/crossline
\set ON_ERROR_STOP on

CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password'
  NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE ROLE :"app" LOGIN PASSWORD :'app_password'
  NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT;
CREATE DATABASE :"db" OWNER :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
-- TEMPORARY: bulk imports stream rows into a temporary staging table (COPY) before one INSERT ... SELECT.
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";

\connect :"db"
-- Only the owner creates objects; before PostgreSQL 15 every role could create in `public`.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO :"owner";
GRANT USAGE ON SCHEMA public TO :"app";
