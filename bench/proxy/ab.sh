#!/usr/bin/env bash
# bench/proxy/ab.sh: the same-run A/B of two or more router binaries (say, a release build of main and one of a
# change), against the same nginx fixtures as run.sh, one binary after the other, ROUNDS times over:
#   - req/s at 64 connections and p50 at 1 connection (non-streamed chat), and nginx direct p50 in the same round;
#   - 5,000 concurrent slow streams for 20 s: completed answers, errors, the router's CPU time and peak RSS.
#
#   bench/proxy/ab.sh BINARY BINARY [...]      # e.g. a copy of .build/.../release/modelrouter per commit
#   ROUNDS=2 DURATION=8 CONNS=5000 bench/proxy/ab.sh ...
#
# Everything runs on 127.0.0.1. Read the differences between binaries within a round, not across rounds: the
# machine is shared and its speed moves by ±10 % between minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$#" -ge 2 ] || { echo "usage: $0 BINARY BINARY [...]" >&2; exit 2; }
rounds="${ROUNDS:-2}" duration="${DURATION:-8}" conns="${CONNS:-5000}"
scripts/install-deps.sh wrk nginx-light curl
nginx_port=18591 router_port=18590 key=bench-admin-key
source bench/proxy/common.sh
start_fixtures "$work" "$nginx_port" 18593
write_router_config "$work/modelrouter.yaml" "$router_port" "$nginx_port" "$work" "$key"
wrk_script "$work/fixed.lua" '{"model":"bench/fixed","messages":[{"role":"user","content":"Hello"}],"max_tokens":16}' "$key"
wrk_script "$work/slow.lua" '{"model":"bench/slow","messages":[{"role":"user","content":"Hello"}],"stream":true}' "$key"
url="http://127.0.0.1:$router_port/v1/chat/completions"
p50() { wrk -t1 -c1 -d"${duration}s" --latency -s "$work/fixed.lua" "$1" | awk '$1 == "50%" {print $2}'; }

printf '%-6s %-40s %10s %10s %12s %10s %8s %10s %9s\n' round binary "req/s@64" "p50@1" "direct p50" \
  "5k answers" errors "CPU/answer" "peak RSS"
for round in $(seq 1 "$rounds"); do
  for binary in "$@"; do
    rm -f "$work"/router.db*
    "$binary" serve --config "$work/modelrouter.yaml" --log-level error >"$work/router.log" 2>&1 &
    router_pid=$!
    wait_for "http://127.0.0.1:$router_port/readyz" "$router_pid" "$work/router.log"
    wrk -t1 -c4 -d2s -s "$work/fixed.lua" "$url" >/dev/null
    rps=$(wrk -t2 -c64 -d"${duration}s" -s "$work/fixed.lua" "$url" | awk '/^Requests\/sec/ {printf "%.0f", $2}')
    router_p50=$(p50 "$url")
    direct_p50=$(p50 "http://127.0.0.1:$nginx_port/json/v1/chat/completions")
    before=$(cpu_ticks "$router_pid")
    out=$(wrk -t2 -c"$conns" -d20s --timeout 30s -s "$work/slow.lua" "$url")
    answers=$(awk '/requests in/ {print $1}' <<<"$out")
    errors=$(wrk_errors "$out")
    cpu=$(awk -v t="$(( $(cpu_ticks "$router_pid") - before ))" -v hz="$(getconf CLK_TCK)" -v n="$answers" \
      'BEGIN { if (n > 0) printf "%.0f us", t / hz * 1e6 / n; else print "n/a" }')
    peak=$(awk '/VmHWM/ {printf "%d MB", $2 / 1024}' "/proc/$router_pid/status")
    kill "$router_pid"; wait "$router_pid" 2>/dev/null || true; router_pid=""
    printf '%-6s %-40s %10s %10s %12s %10s %8s %10s %9s\n' "$round" "$(basename "$(dirname "$binary")")/$(basename "$binary")" \
      "$rps" "$router_p50" "$direct_p50" "$answers" "$errors" "$cpu" "$peak"
  done
done
