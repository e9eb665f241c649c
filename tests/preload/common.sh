# Helpers of the preload integration tests: a free port, a bounded wait
# for a listening port that does not connect to it (a probe would be a
# connection the shim counts), and a server started in its own process
# group so that stop() ends everything it spawned.
py=$(command -v /usr/bin/python3 || command -v python3)
pgid=
free_port() {
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
start() { # start LOG CMD...
  local log=$1
  shift
  setsid "$@" >"$log" 2>&1 &
  pgid=$!
}
wait_listen() {
  for _ in $(seq 150); do
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
    kill -0 "$pgid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
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
