#!/usr/bin/env bash
# Runs a command with VERDICT_TEST_PG set to a throwaway PostgreSQL 15 database on
# loopback (scripts/pg-test-cluster.sh), and stops and removes that server when the command
# ends, however it ends. A VERDICT_TEST_PG already set is used as it is.
#
#   scripts/with-pg.sh swift test --skip-build
set -uo pipefail
if [[ -n ${VERDICT_TEST_PG:-} ]]; then exec "$@"; fi
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/verdict-pg.XXXXXX")
stop() { "$here/pg-test-cluster.sh" stop "$dir"; rm -rf "$dir"; }
trap stop EXIT
trap 'exit 130' INT TERM
uri=$("$here/pg-test-cluster.sh" start "$dir") || exit 1
VERDICT_TEST_PG=$uri "$@"
