#!/usr/bin/env bash
# Restarts the suite's PostgreSQL the way an operator's fast restart does (every session is
# cut off), for the fault harness (`./suite faults`).
set -euo pipefail
# shellcheck source=deploy/local/suite-lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/deploy/local/suite-lib.sh"
close_inherited_descriptors
[ -n "$PGBIN" ] || PGBIN="$(dirname "$(dpkg -L postgresql-15 | grep '/bin/initdb$' | head -n1)")"
# Nothing of the caller stays attached to the new postmaster (a caller reading our output would wait for ever).
as_pg_owner "$PGBIN/pg_ctl" -D "$PGDATA" -l "$LOGS/postgres.log" -m fast -w -t 60 restart </dev/null >/dev/null 2>&1
