#!/usr/bin/env bash
# Run a command with a PostgreSQL cluster of its own, for the PostgreSQL tests on a
# contributor's machine:
#
#   bash .ci/throwaway-postgres.sh python3 dev.py tests
#
# initdb in a new temporary folder, a free port on 127.0.0.1, fsync off (throwaway data), and
# TRIALBOOK_TEST_POSTGRES_URI set for the command; the cluster is stopped and its folder
# deleted when the command ends, however it ends. The machine's own clusters are not touched.
# Needs PostgreSQL's server binaries (Debian: apt install postgresql; set PG_BINDIR if they
# are elsewhere than /usr/lib/postgresql/<version>/bin or PATH). As root, the cluster runs as
# the `postgres` user (initdb refuses root).
set -euo pipefail

if (($# == 0)); then
  echo "usage: bash .ci/throwaway-postgres.sh COMMAND [ARGS...]" >&2
  exit 2
fi

bindir=${PG_BINDIR:-}
if [[ -z $bindir ]]; then
  bindir=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
fi
if [[ -z $bindir ]] && command -v initdb >/dev/null; then
  bindir=$(dirname "$(command -v initdb)")
fi
if [[ ! -x $bindir/initdb ]]; then
  echo "No PostgreSQL server binaries found (initdb); install PostgreSQL or set PG_BINDIR." >&2
  exit 1
fi

owner=()
parent=${TMPDIR:-/tmp}
if ((EUID == 0)); then
  owner=(runuser -u postgres --)
  # The postgres user must reach the folder: root's private TMPDIR (mode 700) won't do.
  "${owner[@]}" test -x "$parent" || parent=/tmp
fi
folder=$(mktemp -d "$parent/trialbook-postgres.XXXXXX")
((EUID == 0)) && chown postgres "$folder"
pg() { "${owner[@]}" "$bindir/$1" "${@:2}"; }

stop() {
  pg pg_ctl -D "$folder/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$folder"
}
trap stop EXIT

password=trialbook
echo "$password" >"$folder/password"
chmod 644 "$folder/password"
pg initdb -D "$folder/data" -U trialbook --pwfile="$folder/password" --auth=scram-sha-256 \
  --encoding=UTF8 --no-sync >/dev/null

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
options="-c listen_addresses=127.0.0.1 -p $port -k $folder -c fsync=off"
options+=" -c synchronous_commit=off -c full_page_writes=off"
if ! pg pg_ctl -D "$folder/data" -o "$options" -l "$folder/log" -w -t 60 start >/dev/null; then
  cat "$folder/log" >&2
  exit 1
fi
PGPASSWORD=$password "$bindir/createdb" -h 127.0.0.1 -p "$port" -U trialbook trialbook_test

echo "throwaway PostgreSQL on 127.0.0.1:$port (data in $folder, deleted afterwards)" >&2
status=0
TRIALBOOK_TEST_POSTGRES_URI="postgresql+psycopg://trialbook:$password@127.0.0.1:$port/trialbook_test" \
  "$@" || status=$?
exit "$status"
