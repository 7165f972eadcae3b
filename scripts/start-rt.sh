#!/usr/bin/env bash
# Starts a throwaway Request Tracker 5 (Debian's request-tracker5) on 127.0.0.1 with a fresh SQLite
# database, for deskctl's integration tests and benchmarks.
#
#   scripts/start-rt.sh [PORT] [STATE_DIR]      defaults: 8081, a new temporary directory
#
# Installs request-tracker5, rt5-db-sqlite and rt5-clients with apt-get when RT is missing (root needed).
# Prints the web root (e.g. http://127.0.0.1:8081) on stdout once REST2 answers; REST2 lives at
# <root>/REST/2.0 with user root, password "password". Stop it: kill "$(cat STATE_DIR/rt.pid)".
set -euo pipefail
port=${1:-8081}
state=${2:-$(mktemp -d "${TMPDIR:-/tmp}/deskctl-rt.XXXXXX")}
mkdir -p "$state"
server=/usr/share/request-tracker5/libexec/rt-server
packages=(request-tracker5 rt5-db-sqlite rt5-clients)

install_rt() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${packages[@]}" && return 0
  # the package lists may be missing or stale on a new machine
  apt-get update -q && apt-get install -y -q --no-install-recommends "${packages[@]}"
}

if [ ! -x "$server" ]; then
  install_rt >"$state/install.log" 2>&1 ||
    { echo "start-rt: installing request-tracker5 failed, see $state/install.log" >&2; exit 1; }
fi

# A site config of our own, and an empty config directory so that Debian's dbconfig settings
# (which point at the system-wide database) are not read.
mkdir -p "$state/RT_SiteConfig.d"
cat >"$state/RT_SiteConfig.pm" <<CONF
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$state/rtdb');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $port);
Set(\$WebPath, '');
Set(\$rtname, 'deskctl-test');
Set(\$Organization, 'example.com');
Set(\$Timezone, 'UTC');
Set(\$CorrespondAddress, 'support@example.com');
Set(\$CommentAddress, 'support-comment@example.com');
Set(\$LogToSTDERR, 'error');
Set(\$LogToSyslog, undef);
1;
CONF
export RT_SITE_CONFIG=$state/RT_SiteConfig.pm RT_SITE_CONFIG_DIR=$state/RT_SiteConfig.d

if [ ! -s "$state/rtdb" ]; then
  { /usr/sbin/rt-setup-database-5 --action init --skip-create --dba root --dba-password '' ||
    /usr/sbin/rt-setup-database-5 --action init; } >"$state/setup.log" 2>&1 ||
    { echo "start-rt: database setup failed, see $state/setup.log" >&2; exit 1; }
fi

nohup "$server" --port "$port" >"$state/server.log" 2>&1 &
echo $! >"$state/rt.pid"

# RT compiles its templates on first use: give it up to a minute to answer.
for _ in $(seq 1 120); do
  status=$(curl -s -o /dev/null -w '%{http_code}' -u root:password "http://127.0.0.1:$port/REST/2.0/queues/all" || true)
  if [ "$status" = 200 ]; then echo "http://127.0.0.1:$port"; exit 0; fi
  sleep 0.5
done
echo "start-rt: RT did not answer on port $port, see $state/server.log" >&2
exit 1
