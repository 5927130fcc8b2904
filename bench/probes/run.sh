#!/bin/sh
# bench/probes: Noctua HTTP probes vs prometheus-blackbox-exporter vs nginx's own cost.
# Installs nginx-light and prometheus-blackbox-exporter if missing (Debian), builds Release
# into build-bench-probes/, then runs bench.py (medians of several runs). Figures: README.md.
#   bench/probes/run.sh [bench.py options, e.g. --runs 3 --rate 500 --probes 500 --high-rate 5000]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
missing=""
command -v nginx >/dev/null 2>&1 || missing="$missing nginx-light"
command -v prometheus-blackbox-exporter >/dev/null 2>&1 || missing="$missing prometheus-blackbox-exporter"
if [ -n "$missing" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi
build=${NOCTUA_BENCH_BUILD:-$root/build-bench-probes}
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNOCTUA_BUILD_BENCH=ON \
      -DNOCTUA_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target noctua probes_load_gen -j2
# Many sockets at 5,000 probes/s: TIME_WAIT ports are reused, and fds are plentiful.
ulimit -n 65536 2>/dev/null || true
exec python3 "$root/bench/probes/bench.py" --noctua "$build/bin/noctua" \
     --load-gen "$build/bin/probes_load_gen" "$@"
