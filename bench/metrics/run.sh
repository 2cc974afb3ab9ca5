#!/usr/bin/env bash
# bench/metrics: how long /metrics takes to render with a large catalog.
#
#   bench/metrics/run.sh [deployments] [iterations]
#
# Runs the hidden `modelrouter bench-metrics` subcommand (MetricsBenchmark.run in Sources/MRMetrics) on the
# release build. Every deployment gets the series a busy one has (probe results of two statuses, the probe
# latency histogram, up, last probe, capability info, two upstream outcomes, the time-to-first-token
# histogram, tokens in and out) plus 40 routes of HTTP traffic, then it prints medians of:
#   - Metrics.render(), what /metrics answers, with its parts (swift-prometheus counters and gauges, our
#     histograms, process_* read from /proc);
#   - baseline: the same series held in a bare swift-prometheus registry, rendered with emitToBuffer();
#   - baseline: copying a fixed byte array of the same size (the floor for any answer that large);
# and the cost of one recordHTTPRequest call (the per-request hot path). In-process, no network.
set -euo pipefail
cd "$(dirname "$0")/../.."
deployments="${1:-1000}"
iterations="${2:-51}"
binary="$(scripts/build-release.sh 2>/dev/null)"
"$binary" bench-metrics --deployments "$deployments" --iterations "$iterations"
