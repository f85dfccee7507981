#!/usr/bin/env bash
# Runs the whole suite on SQLite, then on PostgreSQL when one is reachable, and prints how long
# each database took.
# CI (CI=true) must have PostgreSQL: .ci/run provides it and sets SAFEWELL_TEST_POSTGRES_URL.
# Each run uses one pytest-xdist worker a core. Tests that share something costly or global
# carry an xdist_group mark, and --dist loadgroup gives each group to one worker.
# pytest-django gives each worker its own test database.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

pg_url=${SAFEWELL_TEST_POSTGRES_URL:-}
if [ -z "$pg_url" ] && command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_url=postgres://postgres@127.0.0.1:5432/postgres
fi

status=0
timings=()

# run_suite NAME [VAR=value…]: the suite on one database, its wall time kept for the end.
run_suite() {
  local name=$1
  shift
  echo "== database: $name =="
  local started=$SECONDS
  env "$@" pytest -n auto --dist loadgroup "${pytest_args[@]}" || status=$?
  local took=$((SECONDS - started))
  timings+=("$(printf '%s: %dm%02ds' "$name" $((took / 60)) $((took % 60)))")
}

pytest_args=("$@")
run_suite sqlite -u DATABASE_URL

if [ -n "$pg_url" ]; then
  run_suite postgresql DATABASE_URL="$pg_url"
elif [ "${CI:-}" = "true" ]; then
  echo "CI needs PostgreSQL, but none answered: set SAFEWELL_TEST_POSTGRES_URL." >&2
  status=1
else
  echo "database: postgresql SKIPPED, no server answered on 127.0.0.1:5432 (set SAFEWELL_TEST_POSTGRES_URL)"
fi

echo "== wall time per database =="
printf '%s\n' "${timings[@]}"
exit $status
