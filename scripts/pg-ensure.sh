#!/usr/bin/env bash
# Makes a local PostgreSQL available on 127.0.0.1:5432 for the test suite and prints its URL.
# Idempotent. Installs Debian's postgresql when missing (needs root, as on CI), starts the first
# cluster, and creates role and database polycopy / polycopy_test. All chatter goes to stderr.
set -euo pipefail
exec 3>&1 1>&2

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "pg-ensure: PostgreSQL is not installed and this is not root; install postgresql or set TEST_DATABASE_URL"
    exit 1
  fi
  echo "pg-ensure: installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi

read -r ver cluster port status _ < <(pg_lsclusters --no-header | head -n 1)
if [ -z "${ver:-}" ]; then
  ver=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_createcluster "$ver" main >/dev/null
  read -r ver cluster port status _ < <(pg_lsclusters --no-header | head -n 1)
fi
if [ "$status" != "online" ]; then
  # The server daemon must not inherit our stdout/stderr: whoever reads them would wait for it forever.
  pg_ctlcluster "$ver" "$cluster" start 3>&- </dev/null >"${TMPDIR:-/tmp}/polycopy-pg-start.log" 2>&1 \
    || { cat "${TMPDIR:-/tmp}/polycopy-pg-start.log"; exit 1; }
fi

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
for _ in $(seq 1 50); do
  as_pg psql -p "$port" -tAc "select 1" >/dev/null 2>&1 && break
  sleep 0.2
done
if ! as_pg psql -p "$port" -tAc "select 1 from pg_roles where rolname='polycopy'" | grep -q 1; then
  as_pg psql -p "$port" -qc "create role polycopy login password 'polycopy'"
fi
if ! as_pg psql -p "$port" -tAc "select 1 from pg_database where datname='polycopy_test'" | grep -q 1; then
  as_pg psql -p "$port" -qc "create database polycopy_test owner polycopy"
fi
echo "postgres://polycopy:polycopy@127.0.0.1:${port}/polycopy_test" >&3
