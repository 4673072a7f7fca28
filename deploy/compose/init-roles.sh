#!/bin/sh
# First start of the compose PostgreSQL: one role and schema per service, as ./suite does locally,
# then each role's password from its secret (deploy/compose/make-secrets.sh made them).
set -e
psql -v ON_ERROR_STOP=1 -U postgres -d commerce -v db=commerce -f /docker-entrypoint-initdb.d/create-schemas.sql.in
for service in gateway catalog checkout payments orders fulfillment; do
  password=$(cat "/run/secrets/${service}_db_password")
  # An unreadable or empty secret must stop the initialisation, never leave a role without a password.
  [ -n "$password" ] || { echo "init-roles: /run/secrets/${service}_db_password is empty or unreadable" >&2; exit 1; }
  echo "ALTER ROLE :\"role\" PASSWORD :'password'" | psql -v ON_ERROR_STOP=1 -U postgres -d commerce -q \
    -v role="$service" -v password="$password"
done
