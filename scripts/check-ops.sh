#!/usr/bin/env bash
# Checks the operations side end to end (run by scripts/test.sh after the Swift tests):
#   1. the alerting rules: `promtool check rules`, their unit tests (`promtool test rules`), the example
#      scrape config;
#   2. the systemd unit, when systemd-analyze exists: `verify` clean, `security --offline=true` exposure <= 2.0;
#   3. with a C compiler: the service under the unit's RestrictAddressFamilies seccomp rule still resolves a
#      host name (an /etc/hosts alias of 127.0.0.1) through libcurl and discovers a provider there;
#   4. live: a real `modelrouter serve --demo` (metrics token set) and a real Prometheus scraping it every
#      second, with some traffic; `promtool check metrics` on the live /metrics; then every query of both
#      Grafana dashboards must return data and every alerting rule must evaluate cleanly
#      (scripts/check-dashboards.py).
# Everything listens on 127.0.0.1 only and lives in a temporary directory removed at the end.
#
# Usage: scripts/check-ops.sh [--allow-missing]
#   --allow-missing (or CHECK_OPS_ALLOW_MISSING=1): list dashboard queries without data instead of failing.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

allow_missing=""
for argument in "$@"; do
  case "$argument" in
    --allow-missing) allow_missing="--allow-missing" ;;
    *) echo "usage: scripts/check-ops.sh [--allow-missing]" >&2; exit 2 ;;
  esac
done
if [ "${CHECK_OPS_ALLOW_MISSING:-0}" = "1" ]; then allow_missing="--allow-missing"; fi

scripts/install-deps.sh prometheus

echo "== alerting rules"
promtool check rules dashboards/modelrouter-alerts.yml
promtool test rules dashboards/tests/alerts_test.yml
promtool check config --syntax-only dashboards/prometheus.example.yml

swift build --product modelrouter >&2
binary="$(swift build --show-bin-path)/modelrouter"
work="$(mktemp -d /tmp/modelrouter-ops-XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "== systemd unit"
if command -v systemd-analyze >/dev/null; then
  # The unit as shipped, pointed at the binary just built (verify checks that ExecStart is executable).
  sed "s#/usr/local/bin/modelrouter#$binary#" systemd/modelrouter.service >"$work/modelrouter.service"
  systemd-analyze verify "$work/modelrouter.service"
  exposure="$(systemd-analyze security --offline=true "$work/modelrouter.service" \
    | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')"
  echo "systemd-analyze security: exposure $exposure"
  python3 -c "import sys; sys.exit(0 if float('$exposure') <= 2.0 else 1)" \
    || { echo "exposure $exposure is above 2.0" >&2; exit 1; }
else
  echo "systemd-analyze not found: skipped"
fi

# Starts `modelrouter serve` (the command given, in the background) and sets `served_url` once it listens.
start() {
  local name="$1"
  shift
  "$@" >"$work/$name.out" 2>"$work/$name.log" &
  pids+=("$!")
  served_url="$(python3 - "$work/$name.out" "$!" <<'EOF'
import os, re, sys, time
path, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    match = re.search(r"listening on (http://\S+)", open(path).read())
    if match:
        print(match.group(1))
        sys.exit(0)
    try:
        os.kill(pid, 0)
    except OSError:
        break
    time.sleep(0.1)
sys.exit("modelrouter did not start")
EOF
)" || { cat "$work/$name.log" >&2; return 1; }
}

# GET with a bearer token; prints the body, fails on a non-2xx status.
get() {
  python3 - "$1" "${2:-}" <<'EOF'
import sys, urllib.request
request = urllib.request.Request(sys.argv[1])
if sys.argv[2]:
    request.add_header("Authorization", "Bearer " + sys.argv[2])
sys.stdout.write(urllib.request.urlopen(request, timeout=10).read().decode())
EOF
}

token="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
admin="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

echo "== name resolution under RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"
alias="$(awk '$1 == "127.0.0.1" { for (i = 2; i <= NF; i++) if ($i != "localhost") { print $i; exit } }' /etc/hosts)"
if ! command -v cc >/dev/null; then
  echo "no C compiler: skipped"
elif [ -z "$alias" ]; then
  echo "no /etc/hosts alias of 127.0.0.1 besides localhost (which libcurl resolves by itself): skipped"
else
  cc -O2 -o "$work/restrict-address-families" systemd/restrict-address-families.c
  upstream_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  python3 - "$upstream_port" <<'EOF' &
import http.server, sys
class Models(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"object": "list", "data": [{"id": "acme/resolved-model", "object": "model"}]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Models).serve_forever()
EOF
  pids+=("$!")
  python3 - "$upstream_port" <<'EOF'
import socket, sys, time
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit("the stub provider did not start")
EOF
  cat >"$work/restricted.yaml" <<EOF
server:
  listen: 127.0.0.1:0
auth:
  admin_key: $admin
providers:
  - id: resolved
    type: openai
    base_url: http://$alias:$upstream_port/v1
probes:
  interval: 0
EOF
  start restricted "$work/restrict-address-families" "$binary" serve --config "$work/restricted.yaml" \
    --db "$work/restricted.db"
  restricted="$served_url"
  python3 - "$restricted" "$admin" <<'EOF'
import json, sys, time, urllib.request
base, key = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    request = urllib.request.Request(base + "/api/providers", headers={"X-API-Key": key})
    provider = json.load(urllib.request.urlopen(request, timeout=5))["providers"][0]
    if provider["discovery"].get("last_success_at") and provider.get("models") == 1:
        print(f"libcurl resolved {provider['base_url']} and discovered its model under the seccomp rule")
        sys.exit(0)
    time.sleep(0.2)
sys.exit(f"discovery under the restriction did not succeed: {provider}")
EOF
fi

echo "== live: modelrouter serve --demo scraped by Prometheus"
printf '%s' "$token" >"$work/metrics-token"
cat >"$work/modelrouter.yaml" <<EOF
server:
  listen: 127.0.0.1:0
  metrics_token: $token
  log_format: json
auth:
  admin_key: $admin
probes:
  interval: 5s
  delay: 0s
EOF
start demo "$binary" serve --demo --config "$work/modelrouter.yaml" --db "$work/demo.db"
url="$served_url"
echo "modelrouter at $url"
get "$url/metrics" "$token" | promtool check metrics

# Background traffic, so rate() windows have something in them while the queries run: catalog reads, a 404,
# and chat through the router (the demo models answer in-process), streamed and not.
python3 - "$url" "$admin" <<'EOF' &
import json, sys, time, urllib.error, urllib.request
base, key = sys.argv[1], sys.argv[2]
chat = json.dumps({"model": "demo/fast-chat", "message": "hello", "max_tokens": 16}).encode()
openai = json.dumps({"model": "auto", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}).encode()
calls = [("GET", "/healthz", None), ("GET", "/readyz", None), ("GET", "/api/models", None),
         ("GET", "/api/models/demo/coder", None), ("GET", "/api/providers", None), ("GET", "/v1/models", None),
         ("GET", "/no-such-route", None), ("GET", "/api/availability", None), ("POST", "/api/chat", chat),
         ("GET", "/api/chat/stream?model=demo/smart-chat&message=hi&max_tokens=8", None),
         ("POST", "/v1/chat/completions", openai)]
while True:
    for method, path, body in calls:
        headers = {"X-API-Key": key, "Content-Type": "application/json"}
        request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
        try:
            urllib.request.urlopen(request, timeout=30).read()
        except urllib.error.HTTPError:
            pass
        except OSError:
            sys.exit(0)
    time.sleep(0.2)
EOF
pids+=("$!")

prometheus_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $root/dashboards/modelrouter-alerts.yml
scrape_configs:
  - job_name: modelrouter
    authorization:
      type: Bearer
      credentials_file: $work/metrics-token
    static_configs:
      - targets: ["${url#http://}"]
EOF
promtool check config "$work/prometheus.yml" >/dev/null
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prometheus_port" --log.level=warn >"$work/prometheus.log" 2>&1 &
pids+=("$!")
python3 scripts/check-dashboards.py "http://127.0.0.1:$prometheus_port" dashboards/modelrouter-*.json \
  $allow_missing || { tail -5 "$work/prometheus.log" >&2; exit 1; }

echo "== operations checks passed"
