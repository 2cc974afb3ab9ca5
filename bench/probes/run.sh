#!/usr/bin/env bash
# bench/probes: one probe batch of 1,000 in-process deployments answering in 100 ms, 50 workers.
#
#   bench/probes/run.sh [deployments] [workers] [latency-ms]
#
# Runs the hidden `modelrouter bench-probes` subcommand (ProbeBenchmark in Sources/MRProbes) on the
# release build: the real catalog, ProbeService, BatchExecutor, ProbeRunner, health registry and the
# store-backed recorder (batched SQLite writes to a temporary database), against deployments that
# stream one token after exactly the given latency. It prints the wall time against the ideal
# (ceil(n / workers) x latency; 2.0 s by default) and against a baseline measured in the same run: the
# same sleeps on bare tasks, which is the runtime's own timer slack on this machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
binary="$(scripts/build-release.sh 2>/dev/null)"
"$binary" bench-probes --deployments "${1:-1000}" --workers "${2:-50}" --latency-ms "${3:-100}"
