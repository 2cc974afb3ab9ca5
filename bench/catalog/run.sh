#!/usr/bin/env bash
# bench/catalog: discovery + merge + persistence of a 1,000-model catalog.
#
#   bench/catalog/run.sh [models] [iterations]
#
# Runs the hidden `modelrouter bench-catalog` subcommand (CatalogBenchmark.run in Sources/MRCatalog) on
# the release build. It builds 1,000 discovered models across three stub providers (no network) with 100
# config overrides each, and prints medians of:
#   - a full discovery round: list, merge, one SQLite write transaction per provider, publish;
#   - the merge alone, beside a baseline merge in the same run that re-scans the override list for each
#     discovered model (O(n*m));
# and the resident memory (VmRSS) the catalog and its service add. Everything runs in-process against a
# temporary database that is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
models="${1:-1000}"
iterations="${2:-9}"
binary="$(scripts/build-release.sh 2>/dev/null)"
"$binary" bench-catalog --models "$models" --iterations "$iterations"
