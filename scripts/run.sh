#!/usr/bin/env bash
# Runs the service with the simulated demo provider: installs what it needs, builds, and serves on
# http://127.0.0.1:8080 (or --listen). Drop --demo by running .build/release/modelrouter serve yourself.
# Extra arguments go to `modelrouter serve`, e.g. scripts/run.sh --listen 127.0.0.1:9000
set -euo pipefail
cd "$(dirname "$0")/.."
binary="$(scripts/build-release.sh)"
exec "$binary" serve --demo "$@"
