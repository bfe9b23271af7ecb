#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 server (Debian's postgresql-15, else the
# binaries of embedded-postgres), exporting TEST_DATABASE_URL for it; the test stacks each create
# their own database there. Where pg_cron is installed (Debian's postgresql-15-cron) the server
# preloads it with cron.database_name = call_widgets_cron, a database made here for the one test
# stack that checks the pg_cron migration (test/backend/cleanup-schedule.test.ts), exported as
# TEST_CRON_DATABASE_URL; without pg_cron that test fails and says what to install.
#   scripts/with-postgres.sh node --import tsx --test test/local/*.test.ts test/backend/*.test.ts
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
cron_database=call_widgets_cron
cron_options=()
if [[ -f $bin/../lib/pg_cron.so ]]; then
  # pg_cron runs its jobs in background workers, so it needs no password or socket of its own.
  cron_options=(-c shared_preload_libraries=pg_cron -c cron.database_name=$cron_database
    -c cron.use_background_workers=on -c max_worker_processes=16)
else
  echo "pg_cron is not installed ($bin/../lib/pg_cron.so): apt-get install -y postgresql-15-cron; the pg_cron test will fail" >&2
fi
"${run_as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync >/dev/null
"${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 ${cron_options[*]}" start >/dev/null
export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
if ((${#cron_options[@]})); then
  "${run_as[@]}" "$bin/createdb" -h "$dir" -p "$port" -U postgres "$cron_database"
  export TEST_CRON_DATABASE_URL="postgres://postgres@127.0.0.1:$port/$cron_database"
fi
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on port $port${cron_options:+, pg_cron in $cron_database}" >&2
"$@"
