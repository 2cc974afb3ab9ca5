#!/usr/bin/env bash
# bench/http: ModelRouter's HTTP layer beside nginx serving the same bytes, in the same run.
#
#   bench/http/run.sh [duration-seconds]
#
# Measures, on the release build:
#   - start to /readyz 200 (ms) and idle RSS (MB)
#   - wrk -t2 -c64 on /healthz (answered on the libmicrohttpd thread), /readyz (deferred to a task, a real
#     SQLite read) and /api/models/demo/coder (auth gate + catalog JSON, with an API key), each beside
#     nginx returning the same body; req/s ratio and p99 latency.
# Everything runs on 127.0.0.1. Targets: ours >= 0.5 x nginx req/s, p99 <= 5 ms, RSS <= 30 MB,
# start-to-ready <= 300 ms.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration="${1:-10}"
scripts/install-deps.sh wrk nginx-light curl
binary="$(scripts/build-release.sh 2>/dev/null)"

work="$(mktemp -d)"
ours_port=18480
nginx_port=18481
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# --- start-up time and idle memory -------------------------------------------------------------
start_ns=$(date +%s%N)
MODELROUTER_ADMIN_KEY=bench-admin-key "$binary" serve --demo --listen "127.0.0.1:$ours_port" \
  --db "$work/bench.db" --log-level warning \
  >"$work/server.log" 2>&1 &
server_pid=$!
until curl -fs "http://127.0.0.1:$ours_port/readyz" >/dev/null 2>&1; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.002
done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
sleep 1
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
model_route=/api/models/demo/coder
curl -fs -H "X-API-Key: bench-admin-key" "http://127.0.0.1:$ours_port$model_route" >"$work/model.json"

# --- nginx serving the same bytes ---------------------------------------------------------------
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    default_type application/json;
    location = /healthz { return 200 '{"status":"ok"}'; }
    location = /readyz { return 200 '{"status":"ready"}'; }
    location = $model_route { return 200 '$(sed "s/'/\\\\'/g" "$work/model.json")'; }
  }
}
CONF
nginx -c "$work/nginx.conf"
until curl -fs "http://127.0.0.1:$nginx_port/healthz" >/dev/null 2>&1; do sleep 0.01; done

# --- load -------------------------------------------------------------------------------------
measure() {  # url -> "req/s p99_ms"
  local out
  out=$(wrk -t2 -c64 -d"${duration}s" --latency -H "X-API-Key: bench-admin-key" "$1")
  local rps p99
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  # wrk prints 812.00us / 1.23ms / 1.02s
  p99=$(awk -v v="$p99" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
                                 else if (v ~ /ms$/) { sub(/ms$/, "", v); print v }
                                 else { sub(/s$/, "", v); print v * 1000 } }')
  echo "$rps $p99"
}

printf '\n%-24s %14s %12s %14s %12s %10s\n' route "ours req/s" "ours p99" "nginx req/s" "nginx p99" "ratio"
for route in /healthz /readyz "$model_route"; do
  read -r ours_rps ours_p99 < <(measure "http://127.0.0.1:$ours_port$route")
  read -r nginx_rps nginx_p99 < <(measure "http://127.0.0.1:$nginx_port$route")
  ratio=$(awk -v a="$ours_rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a / b }')
  printf '%-24s %14.0f %10.2fms %14.0f %10.2fms %9sx\n' "$route" "$ours_rps" "$ours_p99" "$nginx_rps" "$nginx_p99" "$ratio"
done
printf '\nstart to /readyz 200: %d ms (target <= 300)\n' "$ready_ms"
printf 'idle RSS: %.1f MB (target <= 30)\n' "$(awk -v k="$rss_kb" 'BEGIN { print k / 1024 }')"
