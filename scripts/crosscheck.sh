#!/usr/bin/env bash
# Differential check: Verdict's CSV files (alerts.csv included, for the rules of
# tools/oracle/fixtures/alerts.yaml) against the independent Python reference
# implementation of the contract (tools/oracle), on generated logs, for a UTC week, a
# week in Asia/Shanghai, a calendar month, a span across a daylight-saving change, and
# the oracle's hand-made fixtures. Prints one line per comparison and
# "N passed, N failed" at the end; exits non-zero on any difference.
#
# With VERDICT_TEST_PG set to a PostgreSQL URI (make test starts a throwaway server), each
# database is also put into a fresh PostgreSQL database of that server, and every report
# file from there must be byte-identical to the SQLite one.
set -uo pipefail
verdict=${VERDICT:-.build/debug/verdict}
work=$(mktemp -d)
pg=${VERDICT_TEST_PG:-}
pg_databases=()
cleanup() {
  for d in "${pg_databases[@]}"; do psql -q -d "$pg" -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1; done
  rm -rf "$work"
}
trap cleanup EXIT
passed=0 failed=0
rules=tools/oracle/fixtures/alerts.yaml  # alert rules both evaluate (alerts.csv)

# A new, empty database on the test server; its URI in $pg_uri.
pg_database() {
  local name="verdict_cc_$$_${#pg_databases[@]}"
  psql -q -d "$pg" -c "CREATE DATABASE $name" >/dev/null || exit 1
  pg_databases+=("$name")
  pg_uri="${pg%/*}/$name"
}

"$verdict" sample --days 35 --seed 11 --start 2026-10-12 --out "$work/a.ndjson.gz"
"$verdict" sample --days 10 --seed 12 --start 2026-10-28 --id-per-day 60 --video-per-day 30 --out "$work/b.ndjson"
logs=("$work/a.ndjson.gz" "$work/b.ndjson" "$work/a.ndjson.gz")
"$verdict" ingest --db "$work/s.db" --json "${logs[@]}" > "$work/ingest.json"
fixtures=(tools/oracle/fixtures/a_idrecognition.ndjson tools/oracle/fixtures/b_videoverify.ndjson tools/oracle/fixtures/c_refused.ndjson.gz)
"$verdict" ingest --db "$work/f.db" --json "${fixtures[@]}" > "$work/fixtures.json"
# On PostgreSQL: the same logs ingested there (their ingest summaries must equal SQLite's),
# and the SQLite database copied there (verdict copy).
declare -A on_pg=()
if [[ -n $pg ]]; then
  pg_database; on_pg[$work/s.db]=$pg_uri
  "$verdict" ingest --db "$pg_uri" --json "${logs[@]}" > "$work/ingest-pg.json" || exit 1
  pg_database; on_pg[$work/f.db]=$pg_uri
  "$verdict" ingest --db "$pg_uri" --json "${fixtures[@]}" > "$work/fixtures-pg.json" || exit 1
  pg_database; on_pg[$work/s.db copied]=$pg_uri
  "$verdict" copy --from "$work/s.db" --db "$pg_uri" >/dev/null || exit 1
fi

compare() {  # name db period-args... -- files...
  local name=$1 db=$2; shift 2
  local args=() files=()
  while [[ $1 != -- ]]; do args+=("$1"); shift; done; shift
  files=("$@")
  rm -rf "$work/v" "$work/o"
  # Exit status 4 only says an error rule fired; anything else but 0 is a failure.
  "$verdict" report --db "$db" "${args[@]}" --alerts "$rules" --out "$work/v" >/dev/null 2>"$work/v.err"
  local status=$?
  if ((status != 0 && status != 4)); then cat "$work/v.err"; fi
  python3 tools/oracle/verdict_oracle.py --signals --alerts "$rules" --out "$work/o" "${args[@]}" "${files[@]}" > "$work/o.json"
  local bad=0
  for f in "$work"/o/*.csv; do
    if ! cmp -s "$f" "$work/v/$(basename "$f")"; then
      echo "DIFF $name $(basename "$f")"; diff "$f" "$work/v/$(basename "$f")" | head -5; bad=1
    fi
  done
  if ((bad)); then failed=$((failed + 1)); else passed=$((passed + 1)); echo "same: $name (${args[*]})"; fi
  if [[ -n $pg ]]; then
    for copy in "" " copied"; do
      [[ -n ${on_pg[$db$copy]:-} ]] || continue
      rm -rf "$work/p"
      "$verdict" report --db "${on_pg[$db$copy]}" "${args[@]}" --alerts "$rules" --out "$work/p" >/dev/null 2>"$work/p.err"
      # manifest.json names its database and the times it and its inputs were written; the rest
      # must match.
      if diff -r -x manifest.json "$work/v" "$work/p" >"$work/pg.diff" && python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for m in (a, b):
    for k in ("generated_at", "command", "database"): m.pop(k)
    for i in m["inputs"]: i.pop("ingested_at")  # each engine ingested the logs at its own time
if a != b: print({k: (a[k], b[k]) for k in a if a[k] != b.get(k)})
sys.exit(a != b)' "$work/v/manifest.json" "$work/p/manifest.json" >>"$work/pg.diff" 2>&1; then
        passed=$((passed + 1)); echo "same: $name on PostgreSQL${copy:+ (}${copy# }${copy:+)}, every file byte for byte"
      else
        failed=$((failed + 1)); echo "DIFF $name on PostgreSQL$copy"; head -5 "$work/pg.diff"
      fi
    done
  fi
}

summary() {  # name verdict-json oracle-json
  if python3 - "$2" "$3" <<'PY'
import json, sys
v, o = (json.load(open(p)) for p in sys.argv[1:3])
keys = ["lines", "accepted", "duplicates", "blank", "refused", "warnings", "transactions"]
bad = [k for k in keys if v[k] != o[k]]
sys.exit(1 if bad else 0)
PY
  then passed=$((passed + 1)); echo "same: $1 ingest summary"; else failed=$((failed + 1)); echo "DIFF $1 ingest summary"; fi
}

compare utc-week "$work/s.db" --week 2026-W45 -- "${logs[@]}"
summary generated "$work/ingest.json" "$work/o.json"
if [[ -n $pg ]]; then summary "generated on PostgreSQL" "$work/ingest-pg.json" "$work/o.json"; fi
compare shanghai-week "$work/s.db" --week 2026-W44 --tz Asia/Shanghai -- "${logs[@]}"
compare month "$work/s.db" --month 2026-10 -- "${logs[@]}"
compare dst-span "$work/s.db" --from 2026-10-28 --to 2026-11-04 --tz America/New_York -- "${logs[@]}"
compare fixtures-week "$work/f.db" --week 2026-W46 -- "${fixtures[@]}"
summary fixtures "$work/fixtures.json" "$work/o.json"
if [[ -n $pg ]]; then summary "fixtures on PostgreSQL" "$work/fixtures-pg.json" "$work/o.json"; fi
compare fixtures-azores "$work/f.db" --week 2026-W46 --tz Atlantic/Azores -- "${fixtures[@]}"

echo "crosscheck: $passed passed, $failed failed"
((failed == 0))
