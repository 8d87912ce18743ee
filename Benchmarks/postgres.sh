#!/usr/bin/env bash
# PostgreSQL beside SQLite, in one run (not a test: figures only, as a Markdown table).
#
#   Benchmarks/postgres.sh                    # 12 weeks like run.sh's (~1.3M polls)
#   BENCH_SCALE=0.1 Benchmarks/postgres.sh    # a tenth of it, for a quick look
#
# Rows: ingest of the 12 weeks into SQLite, and into PostgreSQL by one, two and four
# concurrent writers (the files split between them); a week's report and the 12 weeks'
# report from each engine. The server is a throwaway one on loopback (scripts/with-pg.sh),
# fsync off, or the one VERDICT_TEST_PG names.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z ${VERDICT_TEST_PG:-} ]]; then exec scripts/with-pg.sh "$0" "$@"; fi
scale=${BENCH_SCALE:-1}
work=${BENCH_DIR:-/tmp/verdict-bench}/pg
mkdir -p "$work"
[[ -x .build/release/verdict ]] || swift build -c release >/dev/null
verdict=$PWD/.build/release/verdict
pg=$VERDICT_TEST_PG
n() { python3 -c "import sys; print(max(1, int(float(sys.argv[1]) * $scale)))" "$1"; }
row() { printf '| %s | %s | %s |\n' "$@"; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>"$work/stderr.txt" || { echo "failed: $* ($(tail -1 "$work/stderr.txt"))" >&2; return 1; }; t1=$(date +%s.%N); python3 -c "print(f'{$t1 - $t0:.2f}')"; }
fresh() {  # a new empty database on the server; its URI on stdout
  local name="verdict_bench_$1"
  psql -q -d "$pg" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >/dev/null
  echo "${pg%/*}/$name"
}

# Eight files of the 12 weeks (by consecutive days), so one, two or four writers each take a share.
days=$(n 84)
if [[ ! -f $work/part7.ndjson ]]; then
  for i in 0 1 2 3 4 5 6 7; do
    start=$(python3 -c "import datetime, sys; print(datetime.date(2026, 6, 22) + datetime.timedelta(days=int(sys.argv[1]) * int(sys.argv[2]) // 8))" "$i" "$days")
    len=$(python3 -c "import sys; d, i = int(sys.argv[1]), int(sys.argv[2]); print(max(1, d * (i + 1) // 8 - d * i // 8))" "$days" "$i")
    "$verdict" sample --days "$len" --seed $((20 + i)) --start "$start" --id-per-day "$(n 5000)" --video-per-day "$(n 2150)" --out "$work/part$i.ndjson"
  done
fi
files=("$work"/part?.ndjson)
lines=$(cat "${files[@]}" | wc -l)
echo "Machine: $(nproc) cores; PostgreSQL $(psql -At -d "$pg" -c 'SHOW server_version'); $lines lines in ${#files[@]} files"
echo
row "what" "seconds" "rate"
row "---" "---" "---"
rm -f "$work/s.db"*
s=$(secs "$verdict" ingest --db "$work/s.db" "${files[@]}")
row "ingest into SQLite, one writer" "$s" "$(python3 -c "print(f'{$lines / $s:,.0f} lines/s')")"
for writers in 1 2 4; do
  uri=$(fresh "w$writers")
  t0=$(date +%s.%N)
  pids=()
  for ((w = 0; w < writers; w++)); do
    share=()
    for ((i = w; i < ${#files[@]}; i += writers)); do share+=("${files[$i]}"); done
    "$verdict" ingest --db "$uri" "${share[@]}" >/dev/null 2>"$work/w$w.err" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  t1=$(date +%s.%N)
  s=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
  row "ingest into PostgreSQL, $writers writer(s)" "$s" "$(python3 -c "print(f'{$lines / $s:,.0f} lines/s')")"
done
uri=${pg%/*}/verdict_bench_w1
last=$(python3 -c "import datetime, sys; print(datetime.date(2026, 6, 22) + datetime.timedelta(days=int(sys.argv[1]) - 1))" "$days")
week=$(python3 -c "import datetime, sys; d = datetime.date.fromisoformat(sys.argv[1]); y, w, _ = d.isocalendar(); print(f'{y}-W{w:02d}')" "$last")
for what in "week $week:--week $week" "12 weeks:--from 2026-06-22 --to $last"; do
  label=${what%%:*}; read -r -a args <<<"${what#*:}"
  best_s=NaN best_p=NaN
  for _ in 1 2 3; do  # alternating, best of three
    a=$(secs "$verdict" report --db "$work/s.db" "${args[@]}" --out "$work/rs")
    b=$(secs "$verdict" report --db "$uri" "${args[@]}" --out "$work/rp")
    read -r best_s best_p < <(python3 -c "import math, sys; v = list(map(float, sys.argv[1:])); m = lambda x, y: y if math.isnan(x) else min(x, y); print(m(v[0], v[2]), m(v[1], v[3]))" "$best_s" "$best_p" "$a" "$b")
  done
  # manifest.json names its database (and the time): every other file must be the same.
  diff -rq -x manifest.json "$work/rs" "$work/rp" >/dev/null && same="same bytes" || same="FILES DIFFER"
  row "report, $label: SQLite / PostgreSQL" "$best_s / $best_p" "$same"
done
