#!/usr/bin/env bash
# Start a throwaway PostgreSQL server from Debian's packages on loopback, for the tests.
# Prints the URL to export as INCIDENTLOG_TEST_POSTGRES. Needs root (apt-get, su postgres).
set -euo pipefail
port="${PGPORT_TEST:-54329}"
data="${PGDATA_TEST:-/tmp/incidentlog-pg}"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

if "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q; then
  :  # already running and accepting connections
else
  # Whatever is left of an earlier server (killed with its session) goes first.
  su postgres -c "$bin/pg_ctl -D $data stop -m immediate" >/dev/null 2>&1 || true
  rm -rf "$data"
  mkdir -p "$data"
  chown postgres:postgres "$data"
  su postgres -c "$bin/initdb -D $data -A trust -U postgres --no-sync" >/dev/null
  su postgres -c "$bin/pg_ctl -D $data -l $data/server.log -w -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200' start" >/dev/null
fi
psql="$bin/psql -h 127.0.0.1 -p $port -U postgres -v ON_ERROR_STOP=1 -q"
$psql -tc "SELECT 1 FROM pg_roles WHERE rolname='incidentlog'" | grep -q 1 \
  || $psql -c "CREATE ROLE incidentlog LOGIN PASSWORD 'incidentlog'" >/dev/null
$psql -tc "SELECT 1 FROM pg_database WHERE datname='incidentlog_test'" | grep -q 1 \
  || $psql -c "CREATE DATABASE incidentlog_test OWNER incidentlog" >/dev/null
echo "postgresql://incidentlog:incidentlog@127.0.0.1:$port/incidentlog_test"
