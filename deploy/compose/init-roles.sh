#!/bin/sh
# First start of the compose PostgreSQL: one role and schema per service, as ./suite does locally.
set -e
psql -v ON_ERROR_STOP=1 -U postgres -d commerce -v db=commerce -f /docker-entrypoint-initdb.d/create-schemas.sql.in
