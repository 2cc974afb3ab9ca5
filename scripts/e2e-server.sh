# Sourced by the end-to-end scripts (scripts/e2e-*.sh) from the repository root: a Python virtualenv with the
# given pip packages, the debug build, and `modelrouter serve --demo` on a free 127.0.0.1 port with its own
# database and a simulated provider (fast, healthy `sim/chat` and `sim/embed`), ready when this returns.
#
#   source scripts/e2e-server.sh 'openai>=1.40' 'pytest>=7'
#
# Sets: venv, binary, work (removed at exit), port, admin_key, config, base_url. Stops the server at exit.
# `e2e_before_serve` (a function the caller may define first) runs after the config is written, before the start.

if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  scripts/install-deps.sh python3 python3-venv python3-pip
fi
venv=.build/e2e-venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"

swift build --product modelrouter >&2
binary="$(swift build --show-bin-path)/modelrouter"

work="$(mktemp -d)"
e2e_cleanup() {
  if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap e2e_cleanup EXIT

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
admin_key="e2e-admin-$RANDOM$RANDOM"
config="$work/modelrouter.yaml"
base_url="http://127.0.0.1:$port"
cat >"$config" <<YAML
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

if declare -F e2e_before_serve >/dev/null; then e2e_before_serve; fi

"$binary" serve --config "$config" --demo --log-level warning >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 500); do
  if curl -fs "$base_url/readyz" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.02
done
curl -fs "$base_url/readyz" >/dev/null || { echo "server not ready" >&2; cat "$work/server.log" >&2; exit 1; }
