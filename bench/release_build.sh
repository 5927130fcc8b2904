# Sourced by the bench scripts that build their own binaries: strict mode, the repository root
# and the Release build directory (BUILD_DIR, default build-bench).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build-bench}

# release_build TARGET...: configures $build (Release, benchmarks on, tests off) and builds the
# targets, quietly.
release_build() {
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNOCTUA_BUILD_BENCH=ON \
        -DNOCTUA_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" --target "$@" -j2 >/dev/null
}
