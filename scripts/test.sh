#!/usr/bin/env bash
# Runs the whole suite on SQLite, then on PostgreSQL when one is reachable.
# CI (CI=true) must have PostgreSQL: .ci/run provides it and sets SAFEWELL_TEST_POSTGRES_URL.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

pg_url=${SAFEWELL_TEST_POSTGRES_URL:-}
if [ -z "$pg_url" ] && command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_url=postgres://postgres@127.0.0.1:5432/postgres
fi

status=0
echo "== database: sqlite =="
env -u DATABASE_URL pytest "$@" || status=$?

if [ -n "$pg_url" ]; then
  echo "== database: postgresql =="
  DATABASE_URL=$pg_url pytest "$@" || status=$?
elif [ "${CI:-}" = "true" ]; then
  echo "CI needs PostgreSQL, but none answered: set SAFEWELL_TEST_POSTGRES_URL." >&2
  status=1
else
  echo "database: postgresql SKIPPED, no server answered on 127.0.0.1:5432 (set SAFEWELL_TEST_POSTGRES_URL)"
fi
exit $status
