#!/usr/bin/env bash
# bench/ingest: builds ingest_bench (Release, separate build dir) and prints its figures.
# Usage: bench/ingest/run.sh [events]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNOCTUA_BUILD_BENCH=ON \
      -DNOCTUA_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target ingest_bench -j2 >/dev/null
"$build/bin/ingest_bench" parse "${1:-1000000}"
"$build/bin/ingest_bench" memory 1000
