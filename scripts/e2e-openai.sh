#!/usr/bin/env bash
# End-to-end: the official OpenAI Python SDK against `modelrouter serve` (debug build) on a free port.
#
#   scripts/e2e-openai.sh
#
# Installs `openai` and `pytest` into a virtualenv under .build/, starts the server with a simulated
# provider (fast, healthy models `sim/chat` and `sim/embed`) plus `--demo` (for `demo/always-down`), waits
# for /readyz (scripts/e2e-server.sh), and runs tests/e2e/test_openai_sdk.py: chat, streaming, embeddings,
# and the SDK's exception classes for our errors. Everything stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

e2e_before_serve() {  # a key limited to 1 request a minute, for the SDK's RateLimitError
  limited_key="$("$binary" keys create e2e-limited --rpm 1 --config "$config" 2>/dev/null)"
}
source scripts/e2e-server.sh 'openai>=1.40' 'pytest>=7'

MR_BASE_URL="$base_url/v1" MR_KEY="$admin_key" MR_LIMITED_KEY="$limited_key" \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/e2e/test_openai_sdk.py
