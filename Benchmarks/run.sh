#!/usr/bin/env bash
# Verdict benchmark: ingest speed against DuckDB and sqlite-utils on the same files, gzip
# against zcat, peak memory, and report time against database history.
#
#   Benchmarks/run.sh            # full run (a few minutes; needs ~4 GB in $BENCH_DIR)
#   BENCH_SCALE=0.2 Benchmarks/run.sh   # smaller corpora for a quick look
#   BENCH_YEAR=1 Benchmarks/run.sh      # also a year of logs (about 2 more minutes, 1 GB more)
#
# Corpora come from `verdict sample`; DuckDB and sqlite-utils are installed from PyPI into
# a virtual environment under $BENCH_DIR. Figures are printed as a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${BENCH_SCALE:-1}
work=${BENCH_DIR:-/tmp/verdict-bench}
mkdir -p "$work"
swift build -c release >/dev/null
verdict=$PWD/.build/release/verdict

if ! "$work/venv/bin/python" -c "import duckdb, sqlite_utils" 2>/dev/null; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q duckdb sqlite-utils
fi
py=$work/venv/bin/python

n() { python3 -c "import sys; print(max(1, int(float(sys.argv[1]) * $scale)))" "$1"; }
# measure CMD...: runs CMD $reps times (default $BENCH_RUNS, 3), deleting the files in
# $clean before each run; prints "best_seconds largest_peak_kb" (GNU time). Output discarded.
runs=${BENCH_RUNS:-3}
clean=""
measure() {
  local best=NaN peak=0 i s kb
  for ((i = 0; i < ${reps:-$runs}; i++)); do
    # shellcheck disable=SC2086
    [[ -z $clean ]] || rm -f $clean
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || { echo "failed: $* ($(tail -1 "$work/stderr.txt"))" >&2; echo "NaN 0"; return; }
    read -r s kb < <(tail -1 "$work/time.txt")
    best=$(python3 -c "import math, sys; a, b = map(float, sys.argv[1:]); print(b if math.isnan(a) else min(a, b))" "$best" "$s")
    ((kb > peak)) && peak=$kb
  done
  echo "$best $peak"
}
vdb="$work/v.db $work/v.db-wal $work/v.db-shm $work/v.db-lock"
mb() { python3 -c "import os,sys; print(os.path.getsize(sys.argv[1]) / 1e6)" "$1"; }

echo "generating corpora in $work ..." >&2
[[ -f $work/lean.ndjson ]] || "$verdict" sample --days "$(n 30)" --seed 3 --start 2026-08-01 --id-per-day 2400 --video-per-day 1000 --broken-share 0.001 --out "$work/lean.ndjson"
[[ -f $work/heavy.ndjson ]] || "$verdict" sample --days "$(n 2)" --seed 5 --start 2026-08-01 --id-per-day 700 --video-per-day 300 --payload-share 0.25 --payload-kib 200-2000 --out "$work/heavy.ndjson"
# Four months of the lean kind (~1M lines): peak memory must not grow with the input.
[[ -f $work/long.ndjson ]] || "$verdict" sample --days "$(n 120)" --seed 9 --start 2026-01-01 --id-per-day 2400 --video-per-day 1000 --out "$work/long.ndjson"
[[ -f $work/lean.ndjson.gz ]] || gzip -c "$work/lean.ndjson" > "$work/lean.ndjson.gz"
[[ -f $work/heavy.ndjson.gz ]] || gzip -c "$work/heavy.ndjson" > "$work/heavy.ndjson.gz"
lines=$(wc -l < "$work/lean.ndjson")
cat "$work"/*.ndjson "$work"/*.gz > /dev/null  # warm the page cache: every tool reads from memory

row() { printf '| %s | %s | %s | %s |\n' "$@"; }
rate() { python3 -c "import sys; s = float(sys.argv[2]); print('' if s != s else f'{float(sys.argv[1]) / s:,.0f} ' + sys.argv[3])" "$@"; }
echo
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m); $(swift --version 2>&1 | head -1)"
echo "Lean corpus: $lines lines, $(mb "$work/lean.ndjson") MB. Heavy corpus: $(wc -l < "$work/heavy.ndjson") lines, $(mb "$work/heavy.ndjson") MB."
echo
row "what" "seconds" "rate" "peak RSS (MB)"
row "---" "---:" "---:" "---:"

read -r s kb < <(clean=$vdb measure "$verdict" ingest --db "$work/v.db" "$work/lean.ndjson")
row "verdict ingest, lean (star schema)" "$s" "$(rate "$lines" "$s" lines/s)" "$((kb / 1024))"

# What SQLite alone costs for the same fact rows: the run's fct_poll and fct_transaction
# rows copied (from memory, in key order, with their indexes) into an empty copy of the
# schema by INSERT ... SELECT, with the same page size and WAL, and committed. As in the
# writer, the key column is left to SQLite (NULL: the next rowid, which is the same key). No
# parsing, no binding: a floor for any writer of this schema.
floor=$(python3 - "$work/v.db" "$work/floor.db" <<'PY'
import os, sqlite3, sys, time
src, dst = sys.argv[1], sys.argv[2]
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(dst + suffix): os.remove(dst + suffix)
c = sqlite3.connect(dst, isolation_level=None)
c.execute("PRAGMA page_size = 16384"); c.execute("PRAGMA journal_mode = WAL"); c.execute("PRAGMA synchronous = NORMAL")
c.execute("ATTACH ? AS src", (src,))
tables = ("fct_poll", "fct_transaction")
for t in tables:
    for (sql,) in c.execute("SELECT sql FROM src.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC", (t,)).fetchall():
        c.execute(sql)
    c.execute(f"CREATE TEMP TABLE mem_{t} AS SELECT * FROM src.{t} ORDER BY 1")
started = time.perf_counter()
c.execute("BEGIN")
for t in tables:
    cols = [r[1] for r in c.execute(f"PRAGMA main.table_info({t})")]
    c.execute(f"INSERT INTO main.{t} SELECT NULL, {', '.join(cols[1:])} FROM mem_{t} ORDER BY rowid")
c.execute("COMMIT")
print(f"{time.perf_counter() - started:.2f}")
PY
)
row "SQLite alone: the same fact rows by INSERT … SELECT into an empty schema" "$floor" "$(rate "$lines" "$floor" lines/s)" ""

long_lines=$(wc -l < "$work/long.ndjson")
read -r s kb < <(reps=1 clean=$vdb measure "$verdict" ingest --db "$work/v.db" "$work/long.ndjson")
row "verdict ingest, $long_lines lines of the lean kind ($(python3 -c "print(round($(mb "$work/long.ndjson")))") MB)" "$s" "$(rate "$long_lines" "$s" lines/s)" "$((kb / 1024))"

for threads in 1 2; do
  read -r s kb < <(clean="$work/d.duckdb $work/d.duckdb.wal" measure "$py" -c "
import duckdb; c = duckdb.connect('$work/d.duckdb'); c.execute('SET threads=$threads')
c.execute(\"CREATE TABLE raw AS SELECT * FROM read_ndjson_auto('$work/lean.ndjson', ignore_errors=true)\")")
  row "DuckDB read_ndjson_auto → one raw table, $threads thread(s)" "$s" "$(rate "$lines" "$s" lines/s)" "$((kb / 1024))"
done

# sqlite-utils stops at the first line that is not JSON: give it the valid lines only.
[[ -f $work/lean-valid.ndjson ]] || python3 -c "
import json, sys
with open(sys.argv[1], 'rb') as src, open(sys.argv[2], 'wb') as out:
    for line in src:
        try:
            if isinstance(json.loads(line), dict): out.write(line.rstrip(b'\\r\\n') + b'\\n')
        except ValueError: pass
" "$work/lean.ndjson" "$work/lean-valid.ndjson"
rm -f "$work/su.db"
valid=$(wc -l < "$work/lean-valid.ndjson")
read -r s kb < <(reps=1 clean="$work/su.db" measure "$work/venv/bin/sqlite-utils" insert "$work/su.db" raw "$work/lean-valid.ndjson" --nl --alter)
row "sqlite-utils insert --nl --alter → one raw table ($valid valid lines)" "$s" "$(rate "$valid" "$s" lines/s)" "$((kb / 1024))"

read -r s kb < <(clean=$vdb measure "$verdict" ingest --db "$work/v.db" "$work/heavy.ndjson")
row "verdict ingest, payload-heavy" "$s" "$(rate "$(mb "$work/heavy.ndjson")" "$s" MB/s)" "$((kb / 1024))"
read -r s kb < <(clean="$work/d.duckdb $work/d.duckdb.wal" measure "$py" -c "
import duckdb; c = duckdb.connect('$work/d.duckdb'); c.execute('SET threads=1')
c.execute(\"CREATE TABLE raw AS SELECT * FROM read_ndjson_auto('$work/heavy.ndjson', ignore_errors=true, maximum_object_size=268435456)\")")
row "DuckDB, payload-heavy, 1 thread" "$s" "$(rate "$(mb "$work/heavy.ndjson")" "$s" MB/s)" "$((kb / 1024))"

read -r s kb < <(measure sh -c "zcat '$work/lean.ndjson.gz' > /dev/null")
row "zcat lean.ndjson.gz > /dev/null" "$s" "$(rate "$(mb "$work/lean.ndjson")" "$s" "MB/s out")" "$((kb / 1024))"
read -r s kb < <(clean=$vdb measure "$verdict" ingest --db "$work/v.db" "$work/lean.ndjson.gz")
row "verdict ingest lean.ndjson.gz" "$s" "$(rate "$(mb "$work/lean.ndjson")" "$s" "MB/s out")" "$((kb / 1024))"

read -r s kb < <(measure sh -c "zcat '$work/heavy.ndjson.gz' > /dev/null")
row "zcat heavy.ndjson.gz > /dev/null" "$s" "$(rate "$(mb "$work/heavy.ndjson")" "$s" "MB/s out")" "$((kb / 1024))"
read -r s kb < <(clean=$vdb measure "$verdict" ingest --db "$work/v.db" "$work/heavy.ndjson.gz")
row "verdict ingest heavy.ndjson.gz" "$s" "$(rate "$(mb "$work/heavy.ndjson")" "$s" "MB/s out")" "$((kb / 1024))"

# Reports: one week from a database holding 12 weeks, against one holding only that week.
week_start=2026-09-07   # Monday of 2026-W37, the last of the 12 weeks below
if [[ ! -f $work/r12.db ]]; then
  "$verdict" sample --days "$(n 84)" --seed 9 --start 2026-06-22 --id-per-day "$(n 5000)" --video-per-day "$(n 2150)" --out "$work/r12.ndjson"
  "$verdict" ingest --db "$work/r12.db" "$work/r12.ndjson" 2>/dev/null
  "$verdict" sample --days 7 --seed 9 --start "$week_start" --id-per-day "$(n 5000)" --video-per-day "$(n 2150)" --out "$work/r1.ndjson"
  "$verdict" ingest --db "$work/r1.db" "$work/r1.ndjson" 2>/dev/null
fi
tx=$("$verdict" query --db "$work/r1.db" outcomes --week 2026-W37 --format json | python3 -c "import json,sys; print(sum(r['transactions'] for r in json.load(sys.stdin)))")
# Alternating runs, best of five each: the two figures see the same machine.
s1=NaN s12=NaN
for _ in 1 2 3 4 5; do
  read -r a _ < <(reps=1 measure "$verdict" report --db "$work/r1.db" --week 2026-W37 --out "$work/rep1")
  read -r b _ < <(reps=1 measure "$verdict" report --db "$work/r12.db" --week 2026-W37 --out "$work/rep12")
  read -r s1 s12 < <(python3 -c "import math, sys; v = list(map(float, sys.argv[1:])); m = lambda x, y: y if math.isnan(x) else min(x, y); print(m(v[0], v[2]), m(v[1], v[3]))" "$s1" "$s12" "$a" "$b")
done
row "verdict report, week of $tx transactions, database of 1 week" "$s1" "" ""
row "verdict report, same week, database of 12 weeks" "$s12" "$(python3 -c "print(f'{$s12/$s1:.2f}× the 1-week time')")" ""
# verdict check reads the whole database: integrity_check and every data check.
polls12=$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM fct_poll').fetchone()[0])" "$work/r12.db")
read -r s1 kb1 < <(reps=1 measure "$verdict" check --db "$work/r12.db" --jobs 1)
read -r s kb < <(reps=1 measure "$verdict" check --db "$work/r12.db")
row "verdict check, the 12-week database ($polls12 polls), --jobs 1 / default" "$s1 / $s" "$(rate "$polls12" "$s" polls/s)" "$((kb1 / 1024)) / $((kb / 1024))"
# A report of the whole 12 weeks: every query reads the period. --jobs 1 runs the queries
# one after another; the default runs one per core, side by side.
last12=$(python3 -c "import datetime, sys; print(datetime.date(2026, 6, 22) + datetime.timedelta(days=int(sys.argv[1]) - 1))" "$(n 84)")
tx12=$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM fct_transaction').fetchone()[0])" "$work/r12.db")
read -r s1 kb1 < <(reps=1 measure "$verdict" report --db "$work/r12.db" --from 2026-06-22 --to "$last12" --jobs 1 --out "$work/rep12all")
read -r s kb < <(reps=1 measure "$verdict" report --db "$work/r12.db" --from 2026-06-22 --to "$last12" --out "$work/rep12all")
row "verdict report of all 12 weeks ($tx12 transactions), --jobs 1 / default" "$s1 / $s" "$(rate "$tx12" "$s" transactions/s)" "$((kb1 / 1024)) / $((kb / 1024))"

# Appending, as a weekly job does: the week after the 12 above, into a copy of the 12-week
# database (copied before each run, outside the timing) and into an empty one.
[[ -f $work/next.ndjson ]] || "$verdict" sample --days 7 --seed 11 --start 2026-09-14 --id-per-day "$(n 5000)" --video-per-day "$(n 2150)" --out "$work/next.ndjson"
next_lines=$(wc -l < "$work/next.ndjson")
cat "$work/next.ndjson" > /dev/null
adb="$work/a.db $work/a.db-wal $work/a.db-shm $work/a.db-lock"
read -r s kb < <(clean=$adb measure "$verdict" ingest --db "$work/a.db" "$work/next.ndjson")
row "verdict ingest, the next week ($next_lines lines), empty database" "$s" "$(rate "$next_lines" "$s" lines/s)" "$((kb / 1024))"
sa=NaN peak=0
for ((i = 0; i < runs; i++)); do
  # shellcheck disable=SC2086
  rm -f $adb && cp "$work/r12.db" "$work/a.db"
  read -r a kb < <(reps=1 measure "$verdict" ingest --db "$work/a.db" "$work/next.ndjson")
  sa=$(python3 -c "import math, sys; a, b = map(float, sys.argv[1:]); print(b if math.isnan(a) else min(a, b))" "$sa" "$a")
  ((kb > peak)) && peak=$kb
done
row "verdict ingest, the same week appended to the 12-week database" "$sa" "$(rate "$next_lines" "$sa" lines/s)" "$((peak / 1024))"
# shellcheck disable=SC2086
rm -f $adb

# BENCH_YEAR=1: a year of logs (about 6M polls, a 1 GB database, made once through a pipe
# from `verdict sample`): a week's report, the year's report and `verdict check`.
if [[ ${BENCH_YEAR:-0} == 1 ]]; then
  if [[ ! -f $work/y.db ]]; then
    "$verdict" sample --days "$(n 364)" --seed 9 --start 2025-09-15 --id-per-day "$(n 5000)" --video-per-day "$(n 2150)" \
      | "$verdict" ingest --db "$work/y.db" - 2>/dev/null
  fi
  lasty=$(python3 -c "import datetime, sys; print(datetime.date(2025, 9, 15) + datetime.timedelta(days=int(sys.argv[1]) - 1))" "$(n 364)")
  read -r polly txy < <(python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute('SELECT count(*) FROM fct_poll').fetchone()[0], c.execute('SELECT count(*) FROM fct_transaction').fetchone()[0])" "$work/y.db")
  cat "$work/y.db" > /dev/null
  read -r s kb < <(reps=5 measure "$verdict" report --db "$work/y.db" --week 2026-W37 --out "$work/repy1")
  row "verdict report, week 2026-W37, database of a year" "$s" "" "$((kb / 1024))"
  read -r s1 kb1 < <(reps=1 measure "$verdict" report --db "$work/y.db" --from 2025-09-15 --to "$lasty" --jobs 1 --out "$work/repyall")
  read -r s kb < <(reps=1 measure "$verdict" report --db "$work/y.db" --from 2025-09-15 --to "$lasty" --out "$work/repyall")
  row "verdict report of the whole year ($txy transactions), --jobs 1 / default" "$s1 / $s" "$(rate "$txy" "$s" transactions/s)" "$((kb1 / 1024)) / $((kb / 1024))"
  read -r s1 kb1 < <(reps=1 measure "$verdict" check --db "$work/y.db" --jobs 1)
  read -r s kb < <(reps=1 measure "$verdict" check --db "$work/y.db")
  row "verdict check, the year's database ($polly polls), --jobs 1 / default" "$s1 / $s" "$(rate "$polly" "$s" polls/s)" "$((kb1 / 1024)) / $((kb / 1024))"
fi
