#!/usr/bin/env bash
# Real servers that no one here wrote, run unmodified under `wirerig exec`
# and driven by tests/preload/client.py over many seeds: byte-at-a-time
# reads and writes, random cuts, injected EINTR, and a reset of the first
# connection that the server must survive.
#   servers.sh WIRERIG SERVER [SEEDS]     SERVER: http redis nginx erlang
# Every server listens on 127.0.0.1 on a free port with a temporary
# directory; every process is stopped at the end (its process group);
# every wait is bounded (client sockets time out after 20 s, readiness
# after 15 s). Prints the command of a failing run.
set -uo pipefail
wirerig=$1 server=$2 seeds=${3:-20}
here=$(cd "$(dirname "$0")" && pwd)
py=$(command -v /usr/bin/python3 || command -v python3)
client=$here/client.py
tmp=$(mktemp -d)
pgid=
stop() {
  [ -n "$pgid" ] || return 0
  kill -TERM -- "-$pgid" 2>/dev/null
  for _ in $(seq 50); do
    kill -0 -- "-$pgid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pgid" 2>/dev/null
  wait "$pgid" 2>/dev/null
  pgid=
}
trap 'stop; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
fail() { echo "servers[$server]: $*" >&2; exit 1; }

free_port() {
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# Ready when the port listens: a probe connection would be a connection
# the shim counts (and could be the one a fault is aimed at).
wait_listen() {
  for _ in $(seq 150); do
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
    kill -0 "$pgid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

case $server in
http)
  command -v "$py" >/dev/null || fail "python3 not installed"
  head -c 30000 /dev/urandom >"$tmp/big.bin"
  echo "small file" >"$tmp/small.txt"
  cmd() { srv=("$py" -m http.server "$1" --bind 127.0.0.1 --directory "$tmp"); }
  drive() { "$py" "$client" "$@" http "$port" "$tmp"; }
  ;;
redis)
  command -v redis-server >/dev/null || fail "redis-server not installed (scripts/install-deps.sh)"
  cmd() {
    srv=(redis-server --port "$1" --bind 127.0.0.1 --save "" --appendonly no
      --dir "$tmp" --daemonize no --protected-mode no --loglevel warning)
  }
  drive() { "$py" "$client" "$@" redis "$port"; }
  ;;
nginx)
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  [ -x "$nginx" ] || fail "nginx not installed (scripts/install-deps.sh)"
  head -c 30000 /dev/urandom >"$tmp/big.bin"
  echo "small file" >"$tmp/small.txt"
  mkdir -p "$tmp/logs"
  cmd() {
    # edge-triggered epoll is nginx's default on Linux; sendfile goes
    # through the shim's sendfile as a write.
    cat >"$tmp/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
user root;
error_log stderr warn;
pid $tmp/nginx.pid;
events { use epoll; worker_connections 64; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path $tmp/body;
  proxy_temp_path $tmp/proxy;
  fastcgi_temp_path $tmp/fastcgi;
  uwsgi_temp_path $tmp/uwsgi;
  scgi_temp_path $tmp/scgi;
  types { text/plain txt; application/octet-stream bin; }
  server { listen 127.0.0.1:$1; root $tmp; }
}
CONF
    srv=("$nginx" -e stderr -p "$tmp" -c "$tmp/nginx.conf")
  }
  drive() { "$py" "$client" "$@" http "$port" "$tmp"; }
  ;;
erlang)
  command -v escript >/dev/null || fail "escript not installed (erlang-nox)"
  cmd() { srv=(escript "$here/echo4.escript" "$1"); }
  drive() { "$py" "$client" "$@" packet4 "$port"; }
  ;;
*) fail "unknown server '$server' (http redis nginx erlang)" ;;
esac

# run SEED READS WRITES FAULTS [reset-then]
run() {
  local seed=$1 reads=$2 writes=$3 faults=$4 pre=${5:-}
  port=$(free_port)
  cmd "$port"
  local line
  line="wirerig exec --seed $seed --reads '$reads' --writes '$writes' --faults '$faults' -- ${srv[*]}"
  setsid "$wirerig" exec --seed "$seed" --reads "$reads" --writes "$writes" \
    --faults "$faults" -- "${srv[@]}" >"$tmp/server.log" 2>&1 &
  pgid=$!
  wait_listen "$port" || { cat "$tmp/server.log"; fail "seed $seed: server did not listen: $line"; }
  if ! drive $pre >"$tmp/client.log" 2>&1; then
    cat "$tmp/client.log" "$tmp/server.log"
    fail "seed $seed: client failed; reproduce with: $line"
  fi
  stop
  runs=$((runs + 1))
}

runs=0
for seed in $(seq 1 "$seeds"); do
  case $((seed % 4)) in
  1) run "$seed" fixed:1 fixed:1 "" ;;
  2) run "$seed" random:1-64 random:1-512 "eintr:0.05" ;;
  3) run "$seed" random:1-7 fixed:1 "" ;;
  0) run "$seed" random:1-300 random:1-64 "eintr:0.1" ;;
  esac
done
# The first connection reset after 5 bytes read: the server carries on.
run 1 random:1-16 random:1-64 "reset:5@0" reset-then
echo "servers[$server]: $runs runs passed ($seeds seeds and a reset)"
