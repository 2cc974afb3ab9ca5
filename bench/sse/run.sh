#!/usr/bin/env bash
# bench/sse: SSE parsing throughput, ModelRouter's parser against a naive baseline, in the same run.
#
#   bench/sse/run.sh [megabytes]        (default 50)
#
# Builds the release binary and runs its hidden `bench-sse` subcommand, which calls
# `SSEParserBenchmark.run(megabytes:)` (Sources/MRProviders/SSEParserBenchmark.swift) and prints its report.
# Over the same synthetic stream of ~200-byte OpenAI `chat.completion.chunk` events (NVIDIA/vLLM style, with
# escapes and non-ASCII tokens) it times three readers, and checks the two full readers extract the same text:
#   1. SSEParser fed in 16 KiB chunks + the OpenAI adapter's per-event work (one JSONDecoder per stream
#      decoding the adapter's minimal chunk struct, delta content appended) -- what a real stream costs;
#   2. SSEParser framing only (no JSON) -- the parser's own cost;
#   3. naive: the whole body as one String, split at "\n", every `data: ` line decoded with JSONDecoder into
#      a struct mirroring the whole chunk.
# No network is used. Expect noise on a shared machine: run it two or three times.
set -euo pipefail
cd "$(dirname "$0")/../.."
megabytes="${1:-50}"
binary="$(scripts/build-release.sh 2>/dev/null)"
"$binary" bench-sse --megabytes "$megabytes"
