# Shared by bench/proxy/run.sh and ab.sh (sourced from the repository root): the nginx fixtures, the router's
# config in front of them, wrk scripts, and reading wrk's and the router's numbers.
#
# Sourcing it makes a work directory ($work, removed at exit), raises the open-files limit for 5,000 streams, and
# sets an exit trap that stops nginx and the processes whose pids are in $router_pid and $litellm_pid.

work="$(mktemp -d)"
mkdir -p "$work/nginx"
bench_cleanup() {
  [ -n "${router_pid:-}" ] && kill "$router_pid" 2>/dev/null || true
  [ -n "${litellm_pid:-}" ] && kill "$litellm_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap bench_cleanup EXIT
ulimit -n 30000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

wait_for() {  # url [pid log]: until url answers 2xx; fails (showing the log) if pid exits first
  for _ in $(seq 1 3000); do
    if curl -fs -o /dev/null "$1"; then return 0; fi
    if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then cat "$3" >&2; return 1; fi
    sleep 0.02
  done
  echo "not ready: $1" >&2; return 1
}

start_fixtures() {  # work nginx_port proxy_port: nginx serving fixtures.py's answers (and its proxy), ready
  python3 bench/proxy/fixtures.py "$1" "$2" "$3"
  nginx -c "$1/nginx.conf"
  wait_for "http://127.0.0.1:$2/healthz"
}

write_router_config() {  # file router_port nginx_port work key: bench/fixed (answers at once), bench/slow (~4 s)
  cat >"$1" <<YAML
server:
  listen: 127.0.0.1:$2
storage:
  path: $4/router.db
auth:
  admin_key: $5
providers:
  - id: bench
    type: openai
    base_url: http://127.0.0.1:$3/v1
    discover: false
    probe: false
    models:
      - id: bench/fixed
        capabilities: [chat]
  - id: slow
    type: openai
    base_url: http://127.0.0.1:$3/slow/v1
    discover: false
    probe: false
    models:
      - id: bench/slow
        capabilities: [chat]
probes:
  interval: 0
YAML
}

wrk_script() {  # file body key: a wrk Lua script POSTing body as JSON with a bearer key
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.body = '$2'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $3"
LUA
}

wrk_errors() {  # wrk output -> socket errors plus non-2xx answers
  awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$1"
}

cpu_ticks() {  # pid -> user + system clock ticks, all threads
  awk '{print $14 + $15}' "/proc/$1/stat"
}
