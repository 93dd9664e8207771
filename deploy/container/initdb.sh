#!/bin/sh
# First start of the PostgreSQL container: the two roles of deploy/postgres/least-privilege.sql (the owner that
# migrates, the node's role that owns nothing), with the passwords compose passes in.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v db=crossline -v owner=crossline_owner -v owner_password="$PG_OWNER_PASSWORD" \
  -v app=crossline_app -v app_password="$PG_APP_PASSWORD" \
  -f /crossline/least-privilege.sql
