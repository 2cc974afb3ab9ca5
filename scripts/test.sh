#!/usr/bin/env bash
# Runs every test: installs what it needs, builds in debug, runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
scripts/e2e-openai.sh   # the official OpenAI Python SDK against the real server
scripts/e2e-schemathesis.sh   # schemathesis fuzzing the whole API from its own OpenAPI document
scripts/check-ops.sh       # alert rules and their tests, the unit, a real Prometheus scraping the service, every dashboard query
