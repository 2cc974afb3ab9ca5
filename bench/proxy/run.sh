#!/usr/bin/env bash
# bench/proxy: what ModelRouter adds between a client and an OpenAI-compatible upstream, beside the peer
# baseline (the LiteLLM proxy), in one run.
#
#   bench/proxy/run.sh [duration-seconds]
#   BENCH_SKIP_LITELLM=1 bench/proxy/run.sh 5    # quick iterations: no LiteLLM
#   BENCH_SKIP_CONCURRENT=1 ...                  # nor the 5,000 streams
#
# Upstream: nginx returning a fixed chat completion (JSON) and a fixed SSE stream (fixtures.py). Measured
# with wrk, each against nginx directly, through nginx's own reverse proxy (the floor for one proxy hop:
# proxy_pass with upstream keep-alive, no buffering), through ModelRouter (release build, an `openai` provider pointing
# at nginx) and through LiteLLM (`litellm[proxy]`, one worker, local cost map, telemetry off):
#   - p50 latency at 1 connection (non-streamed chat) and the latency each proxy adds;
#   - req/s at 64 connections, as ratios: ModelRouter / direct and ModelRouter / LiteLLM;
#   - time to first byte of a streamed chat (median of 300 curl requests) and what each proxy adds;
#   - 5,000 concurrent streaming chats through ModelRouter (each ~3 s long, upstream dripped by nginx):
#     errors (wrk's, plus any answer the router recorded as not `ok`), peak RSS, and the router's CPU time.
# Everything runs on 127.0.0.1. ModelRouter streams upstream even for a non-streamed client (its three
# timeouts and time-to-first-token measurement need it), so its upstream answer is the SSE fixture.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration="${1:-10}"
scripts/install-deps.sh wrk nginx-light curl
binary="$(scripts/build-release.sh 2>/dev/null)"

nginx_port=18581
nginx_proxy_port=18583
router_port=18580
litellm_port=18582
key="bench-admin-key"
source bench/proxy/common.sh

# --- upstream: nginx ------------------------------------------------------------------------------
start_fixtures "$work" "$nginx_port" "$nginx_proxy_port"

# --- ModelRouter ----------------------------------------------------------------------------------
write_router_config "$work/modelrouter.yaml" "$router_port" "$nginx_port" "$work" "$key"
"$binary" serve --config "$work/modelrouter.yaml" --log-level error >"$work/router.log" 2>&1 &
router_pid=$!
wait_for "http://127.0.0.1:$router_port/readyz" "$router_pid" "$work/router.log"

# --- LiteLLM (the peer baseline) ------------------------------------------------------------------
litellm_status="not run"
venv=.build/bench-venv
if [ -n "${BENCH_SKIP_LITELLM:-}" ]; then
  litellm_status="skipped (BENCH_SKIP_LITELLM)"
elif [ ! -x "$venv/bin/litellm" ]; then
  { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } \
    && "$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'litellm[proxy]' >"$work/pip.log" 2>&1 \
    || litellm_status="could not be installed: $(tail -1 "$work/pip.log" 2>/dev/null)"
fi
if [ -z "${BENCH_SKIP_LITELLM:-}" ] && [ -x "$venv/bin/litellm" ]; then
  cat >"$work/litellm.yaml" <<YAML
model_list:
  - model_name: bench/fixed
    litellm_params: {model: openai/bench/fixed, api_base: "http://127.0.0.1:$nginx_port/json/v1", api_key: x}
  - model_name: bench/stream
    litellm_params: {model: openai/bench/fixed, api_base: "http://127.0.0.1:$nginx_port/sse/v1", api_key: x}
litellm_settings: {telemetry: false, drop_params: true}
YAML
  LITELLM_MASTER_KEY="sk-$key" LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_TELEMETRY=False DISABLE_SCHEMA_UPDATE=True \
    "$venv/bin/litellm" --config "$work/litellm.yaml" --host 127.0.0.1 --port "$litellm_port" --num_workers 1 \
    --telemetry False >"$work/litellm.log" 2>&1 &
  litellm_pid=$!
  if wait_for "http://127.0.0.1:$litellm_port/health/liveliness" "$litellm_pid" "$work/litellm.log"; then
    litellm_status="ok"
  else
    litellm_status="did not start: $(grep -m1 -i error "$work/litellm.log" || tail -1 "$work/litellm.log")"
    litellm_pid=""
  fi
fi

# --- load -----------------------------------------------------------------------------------------
lua() { wrk_script "$1" "$2" "${3:-$key}"; }  # file body [key]
lua "$work/chat.lua" '{"model":"bench/fixed","messages":[{"role":"user","content":"Hello"}],"max_tokens":16}'
lua "$work/stream.lua" '{"model":"bench/fixed","messages":[{"role":"user","content":"Hello"}],"stream":true}'
lua "$work/litellm-chat.lua" '{"model":"bench/fixed","messages":[{"role":"user","content":"Hello"}],"max_tokens":16}' "sk-$key"
lua "$work/slow.lua" '{"model":"bench/slow","messages":[{"role":"user","content":"Hello"}],"stream":true}'

to_ms() {  # wrk's 812.00us / 1.23ms / 1.02s -> ms
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
                         else if (v ~ /ms$/) { sub(/ms$/, "", v); print v }
                         else { sub(/s$/, "", v); print v * 1000 } }'
}
measure() {  # connections url script -> "req/s p50_ms errors"
  local out rps p50 errors
  out=$(wrk -t"$([ "$1" -gt 1 ] && echo 2 || echo 1)" -c"$1" -d"${duration}s" --latency --timeout 30s -s "$3" "$2")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  errors=$(wrk_errors "$out")
  echo "$rps $p50 $errors"
}
ttfb() {  # url body [key] -> median milliseconds to the first byte over 300 requests
  local body="$2" bearer="${3:-$key}"
  for _ in $(seq 1 300); do
    curl -s -o /dev/null -w '%{time_starttransfer}\n' -H "Authorization: Bearer $bearer" \
      -H 'Content-Type: application/json' -d "$body" "$1"
  done | sort -n | awk '{ v[NR] = $1 } END { print v[int(NR / 2) + 1] * 1000 }'
}

direct="http://127.0.0.1:$nginx_port/json/v1/chat/completions"
nginx_proxy="http://127.0.0.1:$nginx_proxy_port/json/v1/chat/completions"
router="http://127.0.0.1:$router_port/v1/chat/completions"
litellm="http://127.0.0.1:$litellm_port/v1/chat/completions"

echo "== warm-up"
wrk -t1 -c4 -d2s -s "$work/chat.lua" "$router" >/dev/null
if [ -n "${litellm_pid:-}" ]; then wrk -t1 -c4 -d2s -s "$work/litellm-chat.lua" "$litellm" >/dev/null; fi

echo "== 1 connection, non-streamed chat"
read -r d1_rps d1_p50 d1_err < <(measure 1 "$direct" "$work/chat.lua")
read -r n1_rps n1_p50 n1_err < <(measure 1 "$nginx_proxy" "$work/chat.lua")
read -r r1_rps r1_p50 r1_err < <(measure 1 "$router" "$work/chat.lua")
if [ -n "${litellm_pid:-}" ]; then read -r l1_rps l1_p50 l1_err < <(measure 1 "$litellm" "$work/litellm-chat.lua"); fi

echo "== 64 connections, non-streamed chat"
read -r d64_rps d64_p50 d64_err < <(measure 64 "$direct" "$work/chat.lua")
read -r n64_rps n64_p50 n64_err < <(measure 64 "$nginx_proxy" "$work/chat.lua")
read -r r64_rps r64_p50 r64_err < <(measure 64 "$router" "$work/chat.lua")
if [ -n "${litellm_pid:-}" ]; then read -r l64_rps l64_p50 l64_err < <(measure 64 "$litellm" "$work/litellm-chat.lua"); fi

echo "== time to first byte, streamed chat (median of 300)"
stream_body='{"model":"bench/fixed","messages":[{"role":"user","content":"Hello"}],"stream":true}'
d_ttfb=$(ttfb "http://127.0.0.1:$nginx_port/sse/v1/chat/completions" "$stream_body")
n_ttfb=$(ttfb "http://127.0.0.1:$nginx_proxy_port/sse/v1/chat/completions" "$stream_body")
r_ttfb=$(ttfb "$router" "$stream_body")
if [ -n "${litellm_pid:-}" ]; then
  l_ttfb=$(ttfb "$litellm" '{"model":"bench/stream","messages":[{"role":"user","content":"Hello"}],"stream":true}' "sk-$key")
fi

if [ -z "${BENCH_SKIP_CONCURRENT:-}" ]; then
echo "== 5000 concurrent streaming chats through ModelRouter"
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$router_pid/status")
ticks_before=$(cpu_ticks "$router_pid")
out=$(wrk -t2 -c5000 -d20s --timeout 30s -s "$work/slow.lua" "$router")
c_requests=$(awk '/requests in/ {print $1}' <<<"$out")
c_errors=$(wrk_errors "$out")
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$router_pid/status")
c_cpu=$(awk -v t="$(( $(cpu_ticks "$router_pid") - ticks_before ))" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t / hz }')
sleep 2  # usage rows are written in batches every second
not_ok=$(python3 - "$work/router.db" <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT outcome, count(*) FROM usage_records WHERE model = 'bench/slow' GROUP BY outcome").fetchall()
print(sum(n for outcome, n in rows if outcome not in ("ok", "CANCELLED")), dict(rows))
PY
)
else
  rss_before=0 peak_kb=0 c_requests="skipped" c_errors=0 not_ok="-" c_cpu="-"
fi

# --- report ---------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
echo
printf '%-28s %12s %12s %12s %12s\n' "" direct "nginx proxy" ModelRouter LiteLLM
printf '%-28s %12s %12s %12s %12s\n' "p50 @1 conn (ms)" "$d1_p50" "$n1_p50" "$r1_p50" "${l1_p50:-n/a}"
printf '%-28s %12s %12s %12s %12s\n' "  added p50 (ms)" "-" "$(minus "$n1_p50" "$d1_p50")" \
  "$(minus "$r1_p50" "$d1_p50")" "$([ -n "${l1_p50:-}" ] && minus "$l1_p50" "$d1_p50" || echo n/a)"
printf '%-28s %12.0f %12.0f %12.0f %12s\n' "req/s @64 conn" "$d64_rps" "$n64_rps" "$r64_rps" "${l64_rps:-n/a}"
printf '%-28s %12s %12s %12s %12s\n' "TTFB stream, median (ms)" "$d_ttfb" "$n_ttfb" "$r_ttfb" "${l_ttfb:-n/a}"
printf '%-28s %12s %12s %12s %12s\n' "  added TTFB (ms)" "-" "$(minus "$n_ttfb" "$d_ttfb")" \
  "$(minus "$r_ttfb" "$d_ttfb")" "$([ -n "${l_ttfb:-}" ] && minus "$l_ttfb" "$d_ttfb" || echo n/a)"
printf '%-28s %12s %12s %12s %12s\n' "errors (wrk)" "$((d1_err + d64_err))" "$((n1_err + n64_err))" \
  "$((r1_err + r64_err))" "$(( ${l1_err:-0} + ${l64_err:-0} ))"
echo
echo "req/s ModelRouter / direct:  $(ratio "$r64_rps" "$d64_rps")   (target >= 0.25; nginx proxy / direct: $(ratio "$n64_rps" "$d64_rps"))"
echo "req/s ModelRouter / LiteLLM: $([ -n "${l64_rps:-}" ] && ratio "$r64_rps" "$l64_rps" || echo "n/a")   (target >= 100)"
echo "added p50 @1 conn: $(minus "$r1_p50" "$d1_p50") ms (target <= 0.05; nginx proxy adds $(minus "$n1_p50" "$d1_p50")); added TTFB: $(minus "$r_ttfb" "$d_ttfb") ms (target <= 0.2; nginx proxy adds $(minus "$n_ttfb" "$d_ttfb"))"
echo "5000 concurrent streams: $c_requests completed in 20 s, wrk errors $c_errors, router answers not ok: $not_ok"
echo "  router CPU during them: $c_cpu s ($(awk -v c="$c_cpu" -v n="$c_requests" 'BEGIN { if (n > 0) printf "%.0f", c * 1e6 / n; else print "n/a" }') us per answer)"
echo "RSS: $((rss_before / 1024)) MB before, peak $((peak_kb / 1024)) MB (target <= 250)"
echo "LiteLLM: $litellm_status"
