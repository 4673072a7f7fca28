#!/usr/bin/env bash
# Restarts the suite's PostgreSQL the way an operator's fast restart does (every session is
# cut off), for the fault harness (`./suite faults`).
set -euo pipefail
# The new postmaster must not inherit the caller's descriptors (a pipe, or the socket by which
# Foundation's Process learns that its child ended): it would hold them open for good.
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null || true
done
# shellcheck source=deploy/local/suite-lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/deploy/local/suite-lib.sh"
[ -n "$PGBIN" ] || PGBIN="$(dirname "$(dpkg -L postgresql-15 | grep '/bin/initdb$' | head -n1)")"
# Nothing of the caller stays attached to the new postmaster (a caller reading our output would wait for ever).
as_pg_owner "$PGBIN/pg_ctl" -D "$PGDATA" -l "$LOGS/postgres.log" -m fast -w -t 60 restart </dev/null >/dev/null 2>&1
