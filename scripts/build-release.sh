#!/usr/bin/env bash
# Builds the release binary the way it ships: the Swift runtime and Foundation linked statically, which
# keeps idle RSS under 30 MB (only the pages used are resident) and the binary self-contained.
# Prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >&2
swift build -c release --product modelrouter --static-swift-stdlib >&2
echo "$(swift build -c release --static-swift-stdlib --show-bin-path)/modelrouter"
