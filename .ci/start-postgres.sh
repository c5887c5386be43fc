#!/usr/bin/env bash
# Start Debian's PostgreSQL cluster on 127.0.0.1:5432 and create the test role and database.
# Run as root on a throwaway CI machine where the `postgresql` package is installed (.ci/run
# installs it): it reconfigures the machine's main cluster (fsync off). On your own machine use
# .ci/throwaway-postgres.sh instead, which starts a cluster of its own.
# Idempotent: safe to run again on a machine where the cluster already runs.
set -euo pipefail

PG_USER=trialbook
PG_PASSWORD=trialbook
PG_DB=trialbook_test
PG_PORT=5432
DEADLINE_SECONDS=60

# Debian's package creates one cluster (e.g. 15/main); take the newest installed version.
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters --no-header | awk '{print $1" "$2}' | grep -qx "$version main"; then
  pg_createcluster "$version" main --port "$PG_PORT"
fi

conf_dir=/etc/postgresql/$version/main
# Listen on loopback only, with password auth for TCP (Debian's default pg_hba is scram for 127.0.0.1).
sed -i "s/^#\?listen_addresses.*/listen_addresses = '127.0.0.1'/" "$conf_dir/postgresql.conf"
sed -i "s/^#\?port = .*/port = $PG_PORT/" "$conf_dir/postgresql.conf"
# Many tests create a database each; keep fsync off for speed (throwaway CI data only).
sed -i "s/^#\?fsync = .*/fsync = off/" "$conf_dir/postgresql.conf"
sed -i "s/^#\?synchronous_commit = .*/synchronous_commit = off/" "$conf_dir/postgresql.conf"
sed -i "s/^#\?full_page_writes = .*/full_page_writes = off/" "$conf_dir/postgresql.conf"

if pg_lsclusters --no-header | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -qx online; then
  pg_ctlcluster "$version" main restart
else
  pg_ctlcluster "$version" main start
fi

# Poll with a deadline until the server accepts connections (no blind sleeps).
end=$((SECONDS + DEADLINE_SECONDS))
until pg_isready --quiet --host 127.0.0.1 --port "$PG_PORT"; do
  if ((SECONDS >= end)); then
    echo "PostgreSQL did not accept connections within ${DEADLINE_SECONDS}s" >&2
    tail -n 50 "/var/log/postgresql/postgresql-$version-main.log" >&2 || true
    exit 1
  fi
  sleep 0.2
done

psql_admin() { runuser -u postgres -- psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --port "$PG_PORT" "$@"; }

# CREATEDB: the test fixtures create (and drop) one database per test.
psql_admin <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END
\$\$;
SQL
if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -qx 1; then
  psql_admin -c "CREATE DATABASE $PG_DB OWNER $PG_USER"
fi

# Check the URI the tests will use, over TCP with the password.
PGPASSWORD=$PG_PASSWORD psql --no-psqlrc -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
  -U "$PG_USER" -d "$PG_DB" -tAc "SELECT 'postgres ready: ' || version()"
