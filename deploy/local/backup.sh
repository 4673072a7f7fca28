#!/usr/bin/env bash
# `./suite backup [DIR] [--database NAME] [--schemas LIST] [--no-counts]`: one consistent dump of
# every service's schema, with a manifest.
#
# One session opens a REPEATABLE READ transaction and exports its snapshot
# (pg_export_snapshot()); each schema is dumped by its own pg_dump (custom format, in parallel)
# on that same snapshot, so the dumps together are the database at one instant, across services.
# The same session then writes manifest.json: when the snapshot was taken (the server's clock),
# the database, the server's version, and per schema its file, sha256, size, owner role, row
# count of every table, highest applied migration, and its outbox's newest published_at and
# topics (after a restore, events are republished from a little before the backup; see
# docs/operations.md).
#
#   DIR            where to write (default .data/backups/<UTC time>); must be empty or absent
#   --database     the database (default: the suite's, commerce)
#   --schemas      comma-separated schemas (default: the six services')
#   --no-counts    leave the row counts out of the manifest (they read every table)
#
# Connects as PGHOST/PGPORT/PGUSER/PGPASSWORD say, by default to the suite's PostgreSQL as its
# superuser (deploy/local/ports.env). Uses the PostgreSQL 15 client programs the suite installs.
# A manifest is written last: a directory without manifest.json is not a backup.
set -euo pipefail
# shellcheck source=deploy/local/suite-lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/suite-lib.sh"

DIR=""
DATABASE="$COMMERCE_PG_DATABASE"
SCHEMAS=("${SERVICES[@]}")
COUNTS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --database) DATABASE="${2:?--database needs a name}"; shift 2 ;;
    --database=*) DATABASE="${1#*=}"; shift ;;
    --schemas) IFS=, read -r -a SCHEMAS <<< "${2:?--schemas needs a list}"; shift 2 ;;
    --schemas=*) IFS=, read -r -a SCHEMAS <<< "${1#*=}"; shift ;;
    --no-counts) COUNTS=""; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    -*) die "backup: unknown option '$1' (try: --database NAME, --schemas a,b,c, --no-counts)" ;;
    *) [ -z "$DIR" ] || die "backup: one directory only ('$DIR', then '$1')"; DIR="$1"; shift ;;
  esac
done
for schema in "${SCHEMAS[@]}"; do
  [[ "$schema" =~ ^[a-z_][a-z0-9_]*$ ]] || die "backup: '$schema' is not a schema name this tool takes (lower case letters, digits, _)"
done
[ ${#SCHEMAS[@]} -gt 0 ] || die "backup: no schemas given"

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-$COMMERCE_PG_PORT}" PGUSER="${PGUSER:-postgres}"
export PGPASSWORD="${PGPASSWORD:-$COMMERCE_PG_SUPERUSER_PASSWORD}"
[ -n "$PGBIN" ] && [ -x "$PGBIN/pg_dump" ] || die "backup: PostgreSQL 15's client programs are missing (./suite infra installs them)"
"$PGBIN/pg_isready" -q -h "$PGHOST" -p "$PGPORT" -t 5 \
  || die "backup: no PostgreSQL answers on $PGHOST:$PGPORT (the suite's starts with ./suite infra)"

DIR="${DIR:-$DATA/backups/$(date -u +%Y%m%dT%H%M%SZ)}"
if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then die "backup: $DIR is not empty; give a new directory"; fi
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
written=()
finished=""
cleanup() {
  # A failed backup leaves nothing behind that could pass for one.
  if [ -z "$finished" ]; then
    for file in "${written[@]}"; do rm -f "$file"; done
    rm -f "$DIR/manifest.json.tmp"
    rmdir "$DIR" 2>/dev/null || true
  fi
  if [ -n "${session_pid:-}" ]; then kill "$session_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

# The session that holds the snapshot until every dump has read it (its errors go to stderr;
# psql stops at the first, and the reads below then fail).
coproc SNAPSHOT { exec "$PGBIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -d "$DATABASE"; }
# (bash unsets SNAPSHOT and SNAPSHOT_PID once the session has ended)
session_pid=$SNAPSHOT_PID session_in=${SNAPSHOT[1]} session_out=${SNAPSHOT[0]}
# Runs SQL in that session and prints its output (whole lines, as psql printed them).
session() {
  printf '%s\n\\echo __backup_end__\n' "$1" >&"$session_in"
  local line
  while IFS= read -r -t 600 -u "$session_out" line; do
    [ "$line" = "__backup_end__" ] && return 0
    printf '%s\n' "$line"
  done
  die "backup: the snapshot session failed (see above)"
}
schema_list=$(IFS=,; echo "${SCHEMAS[*]}")
first=$(session "SET TIME ZONE 'UTC';
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SELECT pg_export_snapshot() || '|' || (to_jsonb(statement_timestamp()) #>> '{}') || '|' || current_setting('server_version') || '|'
       || coalesce((SELECT string_agg(s, ',') FROM unnest(string_to_array('$schema_list', ',')) s
                    WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s)), '');")
IFS='|' read -r snapshot taken_at server_version missing <<< "$first"
[ -n "$snapshot" ] || die "backup: no snapshot from $DATABASE"
[ -z "$missing" ] || die "backup: database $DATABASE has no schema $missing"
log "snapshot of $DATABASE at $taken_at (PostgreSQL $server_version): dumping ${SCHEMAS[*]}"

# One pg_dump per schema, all on the exported snapshot, at once.
pids=()
for schema in "${SCHEMAS[@]}"; do
  written+=("$DIR/$schema.dump")
  "$PGBIN/pg_dump" --snapshot="$snapshot" --format=custom --schema="$schema" --strict-names \
    --file="$DIR/$schema.dump" "$DATABASE" &
  pids+=($!)
done
failed=""
for index in "${!pids[@]}"; do
  wait "${pids[$index]}" || failed+=" ${SCHEMAS[$index]}"
done
[ -z "$failed" ] || die "backup: pg_dump failed for$failed (see above); nothing kept"

# The manifest, from the same snapshot.
tables=$(session "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY (string_to_array('$schema_list', ',')) AND c.relname IN ('schema_migrations', 'outbox') AND c.relkind = 'r';")
entries=()
for schema in "${SCHEMAS[@]}"; do
  file="$schema.dump"
  sha=$(sha256sum "$DIR/$file" | cut -d' ' -f1)
  bytes=$(stat -c %s "$DIR/$file")
  migration="NULL"
  if grep -qx "$schema.schema_migrations" <<< "$tables"; then
    migration="(SELECT jsonb_build_object('version', version, 'name', name, 'applied_at', applied_at)
                FROM \"$schema\".schema_migrations ORDER BY version DESC LIMIT 1)"
  fi
  outbox="NULL"
  if grep -qx "$schema.outbox" <<< "$tables"; then
    outbox="(SELECT jsonb_build_object('newest_published_at', max(published_at), 'oldest_published_at', min(published_at),
                                       'unpublished', count(*) FILTER (WHERE published_at IS NULL), 'rows', count(*),
                                       'topics', coalesce(jsonb_agg(DISTINCT topic), '[]'))
             FROM \"$schema\".outbox)"
  fi
  rows="NULL"
  if [ -n "$COUNTS" ]; then
    rows="(SELECT coalesce(jsonb_object_agg(c.relname, (xpath('/row/n/text()', query_to_xml(
               format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::int8), '{}')
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = '$schema' AND c.relkind IN ('r', 'p') AND NOT c.relispartition)"
  fi
  entries+=("jsonb_build_object('name', '$schema', 'owner', (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = '$schema'),
    'file', '$file', 'sha256', '$sha', 'bytes', $bytes, 'migration', $migration, 'outbox', $outbox, 'rows', $rows)")
done
dump_version=$("$PGBIN/pg_dump" --version | awk '{print $NF}')
schema_entries=$(IFS=,; echo "${entries[*]}")
session "SELECT jsonb_pretty(jsonb_build_object(
  'format', 'commerce-backup/1',
  'taken_at', '$taken_at',
  'database', current_database(),
  'server_version', current_setting('server_version'),
  'pg_dump_version', '$dump_version',
  'snapshot', '$snapshot',
  'schemas', jsonb_build_array($schema_entries)));" > "$DIR/manifest.json.tmp"
session "ROLLBACK;" >/dev/null
printf '\\q\n' >&"$session_in"
wait "$session_pid" 2>/dev/null || true
session_pid=""
mv "$DIR/manifest.json.tmp" "$DIR/manifest.json"
finished=1

log "backup of $DATABASE as of $taken_at in $DIR"
for schema in "${SCHEMAS[@]}"; do
  printf '  %-40s %10s bytes\n' "$schema.dump" "$(stat -c %s "$DIR/$schema.dump")"
done
echo "  manifest.json"
echo "Restore it with: ./suite restore $DIR [--database NAME --create]"
