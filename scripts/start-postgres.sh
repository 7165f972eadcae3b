#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server (Debian's postgresql package) on 127.0.0.1 in a fresh directory,
# for deskctl's team-mode tests and benchmarks.
#
#   scripts/start-postgres.sh [PORT] [STATE_DIR]      defaults: 55432, a new temporary directory
#
# Installs postgresql with apt-get when no server binaries are found (root needed; no system cluster is
# created or started). initdb and postgres refuse to run as root, so as root the server runs as the
# `postgres` user the package creates. Superuser "postgres", password "deskctl", password
# authentication over TCP. Prints the URL (postgres://postgres:deskctl@127.0.0.1:PORT/postgres) once the
# server accepts connections. Stop it: kill -INT "$(cat STATE_DIR/postgres.pid)" (fast shutdown), then
# remove STATE_DIR.
set -euo pipefail
port=${1:-55432}
state=${2:-$(mktemp -d "${TMPDIR:-/tmp}/deskctl-pg.XXXXXX")}
mkdir -p "$state"
password=deskctl

find_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  return 1
}

install_pg() {
  export DEBIAN_FRONTEND=noninteractive
  # the package would otherwise create and start a system-wide cluster on port 5432
  mkdir -p /etc/postgresql-common/createcluster.d
  echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/deskctl-no-main-cluster.conf
  apt-get install -y -q --no-install-recommends postgresql && return 0
  # the package lists may be missing or stale on a new machine
  apt-get update -q && apt-get install -y -q --no-install-recommends postgresql
}

if ! bin=$(find_bin); then
  install_pg >"$state/install.log" 2>&1 ||
    { echo "start-postgres: installing postgresql failed, see $state/install.log" >&2; exit 1; }
  bin=$(find_bin) || { echo "start-postgres: postgresql installed but no initdb found under /usr/lib/postgresql" >&2; exit 1; }
fi

as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "$(id -u)" = 0 ]; then
  chmod 755 "$state"
  chown postgres "$state"
fi

if [ ! -s "$state/data/PG_VERSION" ]; then
  echo "$password" >"$state/pwfile"
  [ "$(id -u)" = 0 ] && chown postgres "$state/pwfile"
  as_server_user "$bin/initdb" -D "$state/data" -U postgres --pwfile="$state/pwfile" \
    --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --no-locale >"$state/initdb.log" 2>&1 ||
    { echo "start-postgres: initdb failed, see $state/initdb.log" >&2; exit 1; }
  rm -f "$state/pwfile"
fi

# a test server: durability off for speed, sockets in the state directory (not /var/run/postgresql)
as_server_user "$bin/pg_ctl" -D "$state/data" -l "$state/server.log" -w -t 60 \
  -o "-p $port -c listen_addresses=127.0.0.1 -k $state -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >"$state/pg_ctl.log" 2>&1 ||
  { echo "start-postgres: the server did not start on port $port, see $state/server.log" >&2; exit 1; }
head -n 1 "$state/data/postmaster.pid" >"$state/postgres.pid"
echo "postgres://postgres:$password@127.0.0.1:$port/postgres"
