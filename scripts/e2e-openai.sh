#!/usr/bin/env bash
# End-to-end: the official OpenAI Python SDK against `modelrouter serve` (debug build) on a free port.
#
#   scripts/e2e-openai.sh
#
# Installs `openai` and `pytest` into a virtualenv under .build/, starts the server with a simulated
# provider (fast, healthy models `sim/chat` and `sim/embed`) plus `--demo` (for `demo/always-down`), waits
# for /readyz, and runs tests/e2e/test_openai_sdk.py: chat, streaming, embeddings, and the SDK's exception
# classes for our errors. Everything stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  scripts/install-deps.sh python3 python3-venv python3-pip
fi
venv=.build/e2e-venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'openai>=1.40' 'pytest>=7'

swift build --product modelrouter >&2
binary="$(swift build --show-bin-path)/modelrouter"

work="$(mktemp -d)"
cleanup() {
  if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
admin_key="e2e-admin-$RANDOM$RANDOM"
cat >"$work/modelrouter.yaml" <<YAML
server:
  listen: 127.0.0.1:$port
storage:
  path: $work/e2e.db
auth:
  admin_key: $admin_key
providers:
  - id: sim
    type: simulated
    models:
      - id: sim/chat
        capabilities: [chat]
        input_cost_per_mtok: 1
        output_cost_per_mtok: 2
      - id: sim/embed
        capabilities: [embedding]
probes:
  interval: 0
YAML

limited_key="$("$binary" keys create e2e-limited --rpm 1 --config "$work/modelrouter.yaml" 2>/dev/null)"

"$binary" serve --config "$work/modelrouter.yaml" --demo --log-level warning >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 500); do
  if curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.02
done
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { echo "server not ready" >&2; cat "$work/server.log" >&2; exit 1; }

MR_BASE_URL="http://127.0.0.1:$port/v1" MR_KEY="$admin_key" MR_LIMITED_KEY="$limited_key" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/e2e/test_openai_sdk.py
