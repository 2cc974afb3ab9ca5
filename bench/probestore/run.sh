#!/usr/bin/env bash
# bench/probestore: probe result ingest and /api/availability over a month of history.
#
#   bench/probestore/run.sh [deployments] [days] [ingest_rows] [--database PATH]
#
# Runs the hidden `modelrouter bench-probestore` subcommand (ProbeStoreBenchmark.run in Sources/MRStore)
# on the release build, against temporary databases removed afterwards, and prints:
#   - ingest: the same synthetic results (minute by minute across the deployments, 1,000 per transaction)
#     written by a baseline in the same run (a plain prepared INSERT into a one-table database with no
#     index: raw SQLite), by Store.insertProbeResults (raw rows + hourly/daily roll-ups) and through
#     ProbeResultWriter (submit + flush); rows/s and the ratio to the baseline; the cost of submit();
#   - availability: Store.availability(now:) for `deployments` deployments over `days` days of one-minute
#     results (default 500 × 30 = 21.6M rows, seeded through the real ingest path), first call and the
#     p50/p95 of 21 more; the database size (per table when SQLite has dbstat); a prune of the oldest day.
# Seeding 21.6M rows takes a minute or two and about 1 GB of disk in $TMPDIR. With --database PATH the
# seeded history is kept there and reused by the next run.
set -euo pipefail
cd "$(dirname "$0")/../.."
positional=()
while [[ $# -gt 0 && "$1" != --* ]]; do positional+=("$1"); shift; done
deployments="${positional[0]:-500}"
days="${positional[1]:-30}"
ingest_rows="${positional[2]:-500000}"
binary="$(scripts/build-release.sh 2>/dev/null)"
"$binary" bench-probestore --deployments "$deployments" --days "$days" --ingest-rows "$ingest_rows" "$@"
