#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 server (Debian's postgresql-15, else the
# binaries of embedded-postgres), exporting TEST_DATABASE_URL for it; the test stacks each create
# their own database there.
#   scripts/with-postgres.sh node --import tsx --test test/local/*.test.ts
set -euo pipefail
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [[ ! -x $bin/initdb ]]; then
  # Without Debian's package, the PostgreSQL 15 binaries the local stack embeds (embedded-postgres).
  bin=$(cd "$(dirname "$0")/.." && node --input-type=module -e \
    "const m = await import('@embedded-postgres/' + process.platform + '-' + process.arch); console.log(m.initdb.replace(/\/initdb$/, ''))" 2>/dev/null || true)
fi
if [[ -z $bin || ! -x $bin/initdb ]]; then
  echo "PostgreSQL 15 is not installed: apt-get install -y postgresql-15 (or npm ci for embedded-postgres)" >&2
  exit 1
fi
dir=$(mktemp -d /tmp/call-widgets-pg.XXXXXX)
port=${PG_PORT:-$((20000 + RANDOM % 20000))}
run_as=()
if [[ $(id -u) == 0 ]]; then
  # Postgres refuses to run as root.
  chown postgres "$dir"
  run_as=(runuser -u postgres --)
fi
cleanup() {
  "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${run_as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync >/dev/null
"${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on port $port" >&2
"$@"
