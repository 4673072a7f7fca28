#!/bin/sh
# First start of the compose PostgreSQL: one role and schema per service, as ./suite does locally,
# then each role's password from its secret (deploy/compose/make-secrets.sh made them).
set -e
psql -v ON_ERROR_STOP=1 -U postgres -d commerce -v db=commerce -f /docker-entrypoint-initdb.d/create-schemas.sql.in
for service in gateway catalog checkout payments orders fulfillment; do
  echo "ALTER ROLE :\"role\" PASSWORD :'password'" | psql -v ON_ERROR_STOP=1 -U postgres -d commerce -q \
    -v role="$service" -v password="$(cat "/run/secrets/${service}_db_password")"
done
