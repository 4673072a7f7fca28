#!/usr/bin/env bash
# `./suite restore DIR [--database NAME] [--create] [--topic-prefix PREFIX]`: brings a backup of
# `./suite backup` back.
#
#   DIR             the backup (a directory with manifest.json and one dump per schema)
#   --database      where to restore (default: the database the backup was taken from)
#   --create        create that database when it does not exist
#   --topic-prefix  the KAFKA_TOPIC_PREFIX the services will run with on the restored database:
#                   the outbox rows name their topics in full (`<prefix><service>.events`), so
#                   they are rewritten to it, and what the relays publish again goes there
#
# Before it changes anything it checks: every file's sha256 against the manifest; every role
# that owned a schema exists (each service's login role: create them first, as
# deploy/local/create-schemas.sql does locally); the database holds none of the backup's
# schemas (an empty one, as `./suite infra` leaves in a new database, is replaced). It refuses,
# changing nothing, when one of these fails. Then it restores every schema in one transaction
# (all or nothing), with its owner and privileges, gives each owning role CONNECT and TEMPORARY
# on the database, compares every table's row count with the manifest, and says what to do next
# (start the services on new topics, republish events from before the backup).
#
# Connects as PGHOST/PGPORT/PGUSER/PGPASSWORD say, by default to the suite's PostgreSQL as its
# superuser (deploy/local/ports.env). Uses the PostgreSQL 15 client programs the suite installs.
set -euo pipefail
# shellcheck source=deploy/local/suite-lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/suite-lib.sh"

DIR=""
DATABASE=""
CREATE=""
PREFIX=""
NEW_PREFIX=""
while [ $# -gt 0 ]; do
  case "$1" in
    --database) DATABASE="${2:?--database needs a name}"; shift 2 ;;
    --database=*) DATABASE="${1#*=}"; shift ;;
    --create) CREATE=1; shift ;;
    --topic-prefix) PREFIX=1; NEW_PREFIX="${2?--topic-prefix needs a prefix (may be empty)}"; shift 2 ;;
    --topic-prefix=*) PREFIX=1; NEW_PREFIX="${1#*=}"; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    -*) die "restore: unknown option '$1' (try: --database NAME, --create, --topic-prefix PREFIX)" ;;
    *) [ -z "$DIR" ] || die "restore: one backup directory only ('$DIR', then '$1')"; DIR="$1"; shift ;;
  esac
done
[ -n "$DIR" ] || die "restore: which backup? ./suite restore DIR [--database NAME] [--create] [--topic-prefix PREFIX]"
[[ "$NEW_PREFIX" =~ ^[A-Za-z0-9._-]*$ ]] || die "restore: '$NEW_PREFIX' is not a topic prefix (letters, digits, . _ -)"
[ -f "$DIR/manifest.json" ] || die "restore: $DIR/manifest.json is missing: not a backup of ./suite backup (or an unfinished one)"
DIR="$(cd "$DIR" && pwd)"

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-$COMMERCE_PG_PORT}" PGUSER="${PGUSER:-postgres}"
export PGPASSWORD="${PGPASSWORD:-$COMMERCE_PG_SUPERUSER_PASSWORD}"
[ -n "$PGBIN" ] && [ -x "$PGBIN/pg_restore" ] || die "restore: PostgreSQL 15's client programs are missing (./suite infra installs them)"
"$PGBIN/pg_isready" -q -h "$PGHOST" -p "$PGPORT" -t 5 \
  || die "restore: no PostgreSQL answers on $PGHOST:$PGPORT (the suite's starts with ./suite infra)"

MANIFEST="$(cat "$DIR/manifest.json")"
# Runs SQL ($2) on database $1 with the manifest as :'manifest' (and further psql options, such
# as -v db=…); prints the rows unaligned. (psql substitutes variables only in what it reads.)
sql() {
  printf '%s\n' "$2" | "$PGBIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -v manifest="$MANIFEST" -d "$1" "${@:3}"
}

header=$(sql postgres "SELECT concat_ws('|', m->>'format', m->>'database', m->>'taken_at', m->>'server_version',
                   current_setting('server_version_num')::int / 10000)
                   FROM (SELECT :'manifest'::json AS m) x") || die "restore: $DIR/manifest.json does not parse"
IFS='|' read -r format source_database taken_at source_version server_major <<< "$header"
[ "$format" = "commerce-backup/1" ] || die "restore: $DIR/manifest.json is of format '$format', not commerce-backup/1"
DATABASE="${DATABASE:-$source_database}"
source_major="${source_version%%.*}"
[ "$server_major" -ge "$source_major" ] \
  || die "restore: the backup comes from PostgreSQL $source_version; this server ($server_major) is older and cannot take it"

names=(); owners=(); files=(); sums=(); outboxes=()
while IFS='|' read -r name owner file sum outbox; do
  [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "restore: the manifest names a schema '$name' this tool does not take"
  [[ "$file" =~ ^[A-Za-z0-9_.-]+$ ]] || die "restore: the manifest names a file '$file' outside the backup"
  names+=("$name"); owners+=("$owner"); files+=("$file"); sums+=("$sum"); outboxes+=("$outbox")
done < <(sql postgres "SELECT concat_ws('|', s->>'name', s->>'owner', s->>'file', s->>'sha256', json_typeof(s->'outbox') = 'object')
                       FROM json_array_elements(:'manifest'::json->'schemas') s")
[ ${#names[@]} -gt 0 ] || die "restore: the manifest lists no schemas"

# 1. The files are the ones the backup wrote.
for index in "${!names[@]}"; do
  path="$DIR/${files[$index]}"
  [ -f "$path" ] || die "restore: ${files[$index]} is missing from $DIR; nothing changed"
  actual=$(sha256sum "$path" | cut -d' ' -f1)
  [ "$actual" = "${sums[$index]}" ] \
    || die "restore: ${files[$index]} does not match the manifest (sha256 $actual, expected ${sums[$index]}); nothing changed"
done

# 2. The roles that owned the schemas exist.
owner_list=$(IFS=,; echo "${owners[*]}")
missing=$(sql postgres "SELECT string_agg(r, ', ') FROM unnest(string_to_array('$owner_list', ',')) r WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r)")
[ -z "$missing" ] || die "restore: role(s) $missing do not exist; create each service's login role first (locally deploy/local/create-schemas.sql does it; in production the deployment's secrets hold their passwords); nothing changed"

# 3. The database holds none of the schemas (an empty one may be replaced).
exists=$(sql postgres "SELECT count(*) FROM pg_database WHERE datname = :'db'" -v db="$DATABASE")
created=""
empty=()
if [ "$exists" = "0" ]; then
  [ -n "$CREATE" ] || die "restore: database $DATABASE does not exist; add --create to create it; nothing changed"
else
  schema_list=$(IFS=,; echo "${names[*]}")
  while IFS='|' read -r name objects; do
    [ -n "$name" ] || continue
    if [ "$objects" = "0" ]; then empty+=("$name"); continue; fi
    die "restore: database $DATABASE already holds schema $name ($objects objects); restore into an empty database (--database NEW --create) or drop it first; nothing changed"
  done < <(sql "$DATABASE" "SELECT n.nspname || '|' ||
      ((SELECT count(*) FROM pg_class WHERE relnamespace = n.oid) + (SELECT count(*) FROM pg_proc WHERE pronamespace = n.oid)
       + (SELECT count(*) FROM pg_type WHERE typnamespace = n.oid))
      FROM pg_namespace n WHERE n.nspname = ANY (string_to_array('$schema_list', ','))")
fi

if [ "$exists" = "0" ]; then
  log "creating database $DATABASE"
  PGOPTIONS="-c client_min_messages=warning" sql postgres "\\i '$ROOT/deploy/local/create-database.sql'" -v db="$DATABASE" >/dev/null
  created=1
fi

# 4. Every schema in one transaction: pg_restore writes each dump as SQL, psql runs it all.
# A pg_restore that fails stops the stream before COMMIT, so the server rolls everything back.
log "restoring ${names[*]} into $DATABASE (as of $taken_at)"
set +e
{
  echo "SET client_min_messages = warning;"
  echo "BEGIN;"
  for name in "${empty[@]}"; do echo "DROP SCHEMA \"$name\";"; done
  for index in "${!names[@]}"; do
    "$PGBIN/pg_restore" --file=- "$DIR/${files[$index]}" || exit 1
  done
  # The outbox's topics, on the new prefix: `<prefix><service>.events`.
  if [ -n "$PREFIX" ]; then
    for index in "${!names[@]}"; do
      [ "${outboxes[$index]}" = "t" ] || continue
      echo "UPDATE \"${names[$index]}\".outbox SET topic = '$NEW_PREFIX' || substring(topic from '([^.]+\.events)\$')"
      echo "  WHERE topic ~ '[^.]+\.events\$' AND topic <> ('$NEW_PREFIX' || substring(topic from '([^.]+\.events)\$'));"
    done
  fi
  # What deploy/local/create-schemas.sql grants each service's role on its database.
  for index in "${!names[@]}"; do
    echo "GRANT CONNECT, TEMPORARY ON DATABASE \"$DATABASE\" TO \"${owners[$index]}\";"
    [ "${names[$index]}" != "${owners[$index]}" ] \
      || echo "ALTER ROLE \"${owners[$index]}\" IN DATABASE \"$DATABASE\" SET search_path = \"${names[$index]}\";"
  done
  if [ -n "$created" ]; then
    echo "REVOKE ALL ON DATABASE \"$DATABASE\" FROM PUBLIC;"
    echo "REVOKE ALL ON SCHEMA public FROM PUBLIC;"
  fi
  echo "COMMIT;"
} | "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$DATABASE" >/dev/null
statuses=("${PIPESTATUS[@]}")
set -e
if [ "${statuses[0]}" != 0 ] || [ "${statuses[1]}" != 0 ]; then
  # Nothing of a failed restore stays: its transaction rolled back, and a database it created goes.
  if [ -n "$created" ]; then sql postgres 'DROP DATABASE IF EXISTS :"db" WITH (FORCE)' -v db="$DATABASE" >/dev/null || true; fi
  die "restore: failed (see above); the transaction rolled back${created:+ and database $DATABASE was dropped}: nothing changed"
fi

# 5. Every table holds the rows the manifest counted.
mismatches=$(sql "$DATABASE" "
  SELECT string_agg(format('%s.%s: %s rows, the manifest says %s', s->>'name', t.key, n.count, t.value), E'\n')
  FROM json_array_elements(:'manifest'::json->'schemas') s
  CROSS JOIN LATERAL json_each_text(coalesce(s->'rows', '{}')) t
  CROSS JOIN LATERAL (SELECT (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', s->>'name', t.key),
                                                                  false, true, '')))[1]::text::int8 AS count) n
  WHERE n.count <> t.value::int8")
[ -z "$mismatches" ] || die "restore: restored, but row counts differ from the manifest:
$mismatches"

log "restored ${#names[@]} schemas into $DATABASE as they were at $taken_at; row counts match the manifest"
republish=()
for index in "${!names[@]}"; do
  [ "${outboxes[$index]}" = "t" ] || continue
  republish+=("UPDATE \"${names[$index]}\".outbox SET published_at = NULL WHERE published_at >= '$taken_at'::timestamptz - interval '15 minutes';")
done
topics=$(sql postgres "SELECT DISTINCT t FROM json_array_elements(:'manifest'::json->'schemas') s,
                       json_array_elements_text(coalesce(s->'outbox'->'topics', '[]')) t ORDER BY 1" | awk 'NR <= 9' | paste -sd' ')
[ "$(wc -w <<< "$topics")" -le 8 ] || topics="$(cut -d' ' -f1-8 <<< "$topics") …"
echo
echo "Next (docs/operations.md, \"Backup and restore\"):"
if [ -n "$PREFIX" ]; then
  cat <<TXT
  1. Start the services on database $DATABASE with KAFKA_TOPIC_PREFIX='$NEW_PREFIX' (new topics and
     consumer groups: the outbox's topics were rewritten to it).
TXT
else
  cat <<TXT
  1. The outbox names the topics it was publishing to (${topics:-none}). Their consumer groups
     have read past what this database knows: with every service stopped, delete those topics and
     create them again (the groups' offsets go with them), or restore with --topic-prefix NEW and
     run the services with KAFKA_TOPIC_PREFIX=NEW. Then start the services on database $DATABASE.
TXT
fi
cat <<TXT
  2. Republish every service's events from a little before the backup (the consumers' inboxes
     drop what they already applied), e.g. from 15 minutes before it:
TXT
for statement in "${republish[@]}"; do echo "       $statement"; done
cat <<TXT
  3. Whatever reached the outside after $taken_at (card and bank payments, POS webhooks) is not
     in this database: have the providers send their events again, or reconcile with them.
TXT
