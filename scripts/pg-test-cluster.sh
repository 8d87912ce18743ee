#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on loopback, for tests and benchmarks.
#
#   scripts/pg-test-cluster.sh start DIR   # prints the libpq URI of its database "verdict"
#   scripts/pg-test-cluster.sh stop DIR
#
# The cluster lives in DIR (data, socket, log), listens on 127.0.0.1 on a free port, runs
# without fsync (its data is thrown away), and trusts local connections. Run as root, it
# runs the server as the postgres user, as Debian's packages expect.
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[[ -n $cmd && -n $dir ]] || { echo "usage: $0 start|stop DIR" >&2; exit 64; }
bin=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)
[[ -x $bin/initdb ]] || { echo "PostgreSQL 15 server not installed (apt-get install postgresql-15)" >&2; exit 1; }
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case $cmd in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres verdict
    echo "$port" >"$dir/port"
    echo "postgresql://postgres@127.0.0.1:$port/verdict"
    ;;
  stop)
    [[ -d $dir/data ]] || exit 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 64 ;;
esac
