#!/usr/bin/env bash
# Runs every test: installs what it needs, builds in debug, runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
scripts/check-ops.sh --allow-missing  # rules, unit, Prometheus + dashboards; drop --allow-missing once probes and chat record metrics
